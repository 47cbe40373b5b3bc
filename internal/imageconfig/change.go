// Package imageconfig edits OCI image configs with Dockerfile instructions,
// as `import --change` does.
package imageconfig

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Apply applies one instruction ("CMD [\"sh\"]", "ENV A=1", ...) to cfg.
func Apply(cfg *v1.Config, change string) error {
	change = strings.TrimSpace(change)
	instr, rest, _ := strings.Cut(change, " ")
	rest = strings.TrimSpace(rest)
	instr = strings.ToUpper(instr)
	if rest == "" && instr != "" {
		return fmt.Errorf("--change %q: %s needs an argument", change, instr)
	}
	switch instr {
	case "CMD":
		cfg.Cmd = execForm(rest)
	case "ENTRYPOINT":
		cfg.Entrypoint = execForm(rest)
	case "ENV":
		pairs, err := keyValues(rest, true)
		if err != nil {
			return fmt.Errorf("--change %q: %w", change, err)
		}
		for _, kv := range pairs {
			cfg.Env = SetEnv(cfg.Env, kv[0], kv[1])
		}
	case "LABEL":
		pairs, err := keyValues(rest, false)
		if err != nil {
			return fmt.Errorf("--change %q: %w", change, err)
		}
		if cfg.Labels == nil {
			cfg.Labels = map[string]string{}
		}
		for _, kv := range pairs {
			cfg.Labels[kv[0]] = kv[1]
		}
	case "EXPOSE":
		if cfg.ExposedPorts == nil {
			cfg.ExposedPorts = map[string]struct{}{}
		}
		for _, p := range strings.Fields(rest) {
			port, proto, _ := strings.Cut(p, "/")
			if proto == "" {
				proto = "tcp"
			}
			if !isPort(port) || (proto != "tcp" && proto != "udp" && proto != "sctp") {
				return fmt.Errorf("--change %q: invalid port %q: use PORT[/tcp|/udp]", change, p)
			}
			cfg.ExposedPorts[port+"/"+proto] = struct{}{}
		}
	case "VOLUME":
		if cfg.Volumes == nil {
			cfg.Volumes = map[string]struct{}{}
		}
		for _, v := range jsonOrFields(rest) {
			cfg.Volumes[v] = struct{}{}
		}
	case "WORKDIR":
		cfg.WorkingDir = rest
	case "USER":
		cfg.User = rest
	case "STOPSIGNAL":
		cfg.StopSignal = rest
	case "ONBUILD":
		cfg.OnBuild = append(cfg.OnBuild, rest)
	default:
		return fmt.Errorf("--change %q: unknown instruction %q: use CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME or WORKDIR", change, instr)
	}
	return nil
}

// execForm reads JSON array form, or wraps shell form in /bin/sh -c as a
// Dockerfile does.
func execForm(s string) []string {
	var arr []string
	if strings.HasPrefix(s, "[") && json.Unmarshal([]byte(s), &arr) == nil {
		return arr
	}
	return []string{"/bin/sh", "-c", s}
}

func jsonOrFields(s string) []string {
	var arr []string
	if strings.HasPrefix(s, "[") && json.Unmarshal([]byte(s), &arr) == nil {
		return arr
	}
	return strings.Fields(s)
}

// keyValues reads "K=V K2=\"V 2\"", or the legacy "K V" form when allowed.
func keyValues(s string, legacy bool) ([][2]string, error) {
	words, err := splitWords(s)
	if err != nil {
		return nil, err
	}
	if len(words) > 0 && !strings.Contains(words[0], "=") {
		if !legacy {
			return nil, fmt.Errorf("expected KEY=VALUE")
		}
		k, v, _ := strings.Cut(s, " ")
		return [][2]string{{k, strings.TrimSpace(v)}}, nil
	}
	var out [][2]string
	for _, w := range words {
		k, v, ok := strings.Cut(w, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("expected KEY=VALUE, got %q", w)
		}
		out = append(out, [2]string{k, v})
	}
	return out, nil
}

// splitWords splits on blanks, honouring double and single quotes and
// backslash escapes.
func splitWords(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	var quote rune
	escaped := false
	for _, r := range s {
		switch {
		case escaped:
			cur.WriteRune(r)
			escaped = false
		case r == '\\' && quote != '\'':
			escaped = true
			inWord = true
		case quote != 0:
			if r == quote {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case r == '"' || r == '\'':
			quote = r
			inWord = true
		case r == ' ' || r == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unterminated quote")
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

// LookupEnv is k's value in a KEY=VALUE list.
func LookupEnv(env []string, k string) (string, bool) {
	for _, e := range env {
		if ek, v, _ := strings.Cut(e, "="); ek == k {
			return v, true
		}
	}
	return "", false
}

// Clone copies cfg's slices and maps, which changes edit in place.
func Clone(cfg v1.Config) v1.Config {
	cfg.Cmd, cfg.Entrypoint, cfg.Env = slices.Clone(cfg.Cmd), slices.Clone(cfg.Entrypoint), slices.Clone(cfg.Env)
	cfg.Shell, cfg.OnBuild = slices.Clone(cfg.Shell), slices.Clone(cfg.OnBuild)
	cfg.Labels, cfg.ExposedPorts, cfg.Volumes = maps.Clone(cfg.Labels), maps.Clone(cfg.ExposedPorts), maps.Clone(cfg.Volumes)
	return cfg
}

// SetEnv sets k to v in a KEY=VALUE list, in place where k is set.
func SetEnv(env []string, k, v string) []string {
	for i, e := range env {
		if strings.HasPrefix(e, k+"=") {
			env[i] = k + "=" + v
			return env
		}
	}
	return append(env, k+"="+v)
}

func isPort(s string) bool {
	lo, hi, isRange := strings.Cut(s, "-")
	if isRange {
		return isPort(lo) && isPort(hi)
	}
	if s == "" || len(s) > 5 {
		return false
	}
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
		n = n*10 + int(c-'0')
	}
	return n > 0 && n < 65536
}
