package build

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"

	"github.com/skiff-containers/skiff/internal/build/copier"
	"github.com/skiff-containers/skiff/internal/engine"
)

// keepLines is how many output lines of a failed RUN its error shows.
const keepLines = 10

// run carries out a RUN: a container of the last image with the stage's
// config, run to its end and committed.
func (s *stageState) run(ctx context.Context, c *instructions.RunCommand) error {
	b := s.b
	args, heredoc, err := s.runArgs(c)
	name := fmt.Sprintf("[%s%d/%d] RUN %s", s.prefix, s.next(), s.total, runText(c))
	if err != nil {
		return s.fail(name, err)
	}
	network := string(instructions.GetNetwork(c))
	if network == "" || network == "default" {
		network = b.o.Network
	}
	createdBy := "RUN " + s.argsPrefix() + strings.Join(args, " ") + " # buildkit"
	raw, _ := json.Marshal(c)
	key := chain(s.key, "RUN", string(raw), network)
	return s.layerStep(ctx, name, func() (string, error) { return key, nil }, func(step int, _ string) (string, error) {
		return s.runStep(ctx, runStep{name: name, step: step, args: args, heredoc: heredoc, network: network, mounts: instructions.GetMounts(c), createdBy: createdBy})
	})
}

type runStep struct {
	name, createdBy string
	step            int
	args            []string
	heredoc         *heredocScript
	network         string
	mounts          []*instructions.Mount
}

// heredocScript is a RUN heredoc that is a script of its own (#!...),
// run as a file, as BuildKit runs it.
type heredocScript struct {
	name, data string
}

func (s *stageState) runStep(ctx context.Context, r runStep) (string, error) {
	b := s.b
	image, err := s.baseImage(ctx)
	if err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(b.o.Context.TempDir, "skiff-run-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	co := engine.CreateOptions{
		Image:      image,
		Command:    r.args,
		Entrypoint: new(string),
		Env:        s.runEnv(),
		User:       s.cfg.User,
		Workdir:    s.workdir(),
		Network:    networkMode(r.network),
		Labels:     []string{labelBuild + "=" + b.label},
		// A killed build leaves no RUN running.
		EndsWithCaller: true,
	}
	var cleanups []func()
	defer func() {
		for _, f := range slices.Backward(cleanups) {
			f()
		}
	}()
	for _, m := range r.mounts {
		v, clean, err := s.mount(ctx, m, tmp)
		if clean != nil {
			cleanups = append(cleanups, clean)
		}
		if err != nil {
			return "", err
		}
		switch {
		case v == "": // an optional secret not passed
		case m.Type == instructions.MountTypeTmpfs:
			co.Tmpfs = append(co.Tmpfs, v)
		default:
			co.Volumes = append(co.Volumes, v)
		}
	}
	if r.heredoc != nil {
		f := filepath.Join(tmp, "heredoc-"+r.heredoc.name)
		if err := os.WriteFile(f, []byte(r.heredoc.data), 0o755); err != nil {
			return "", err
		}
		co.Volumes = append(co.Volumes, f+":/dev/pipes/"+r.heredoc.name+":ro")
	}
	out := newLineWriter(r.step, b.prog, keepLines)
	exit, err := b.eng.Run(ctx, co, engine.StartOptions{Attach: true, Streams: engine.Streams{Stdout: out, Stderr: out}})
	lines := out.Lines()
	detached := context.WithoutCancel(ctx)
	if exit.ID != "" {
		defer b.eng.RemoveContainer(detached, exit.ID, true)
	}
	if err != nil {
		return "", &StepError{Step: r.name, Err: err, Lines: lines}
	}
	if exit.Code != 0 {
		return "", &StepError{Step: r.name, Err: fmt.Errorf("exit code: %d", exit.Code), Code: exit.Code, Lines: lines}
	}
	return s.commit(ctx, exit.ID, r.createdBy)
}

// networkMode is the engine's name for a RUN's network.
func networkMode(n string) string {
	if n == "default" {
		return ""
	}
	return n
}

func (s *stageState) workdir() string {
	if s.cfg.WorkingDir == "" {
		return "/"
	}
	return s.cfg.WorkingDir
}

// runArgs is a RUN's argv: the exec form as written, the shell form in
// the stage's shell. A RUN that is one heredoc runs its content (a #!
// script as a file of its own); one with more keeps the heredocs for the
// shell to read, as BuildKit does.
func (s *stageState) runArgs(c *instructions.RunCommand) ([]string, *heredocScript, error) {
	if len(c.Files) == 0 {
		if c.PrependShell {
			return append(s.shell(), strings.Join(c.CmdLine, " ")), nil, nil
		}
		if len(c.CmdLine) == 0 {
			return nil, nil, fmt.Errorf("%w: RUN has no command", ErrInvalid)
		}
		return slices.Clone(c.CmdLine), nil, nil
	}
	if !c.PrependShell || len(c.CmdLine) != 1 {
		return nil, nil, fmt.Errorf("%w: a heredoc in RUN needs the shell form", ErrInvalid)
	}
	if h := parser.MustParseHeredoc(c.CmdLine[0]); len(c.Files) == 1 && h != nil {
		data := c.Files[0].Data
		if c.Files[0].Chomp {
			data = parser.ChompHeredocContent(data)
		}
		if strings.HasPrefix(data, "#!") {
			name := c.Files[0].Name
			return []string{"/dev/pipes/" + name}, &heredocScript{name: name, data: data}, nil
		}
		return append(s.shell(), data), nil, nil
	}
	script := c.CmdLine[0]
	for _, f := range c.Files {
		script += "\n" + f.Data + f.Name
	}
	return append(s.shell(), script), nil, nil
}

// runText is a RUN as progress shows it.
func runText(c *instructions.RunCommand) string {
	t := strings.Join(c.CmdLine, " ")
	if !c.PrependShell {
		q, _ := json.Marshal(c.CmdLine)
		t = string(q)
	}
	return t
}

// argsPrefix is the "|N K=V ..." that BuildKit puts before a RUN's
// command in its history when build args are in effect.
func (s *stageState) argsPrefix() string {
	var kv []string
	for _, a := range s.args {
		k, _, _ := strings.Cut(a, "=")
		if !proxyArgs[k] {
			kv = append(kv, a)
		}
	}
	if len(kv) == 0 {
		return ""
	}
	sort.Strings(kv)
	return fmt.Sprintf("|%d %s ", len(kv), strings.Join(kv, " "))
}

// mount prepares a RUN --mount: a volume (HOST:TARGET[:ro]) or, for
// tmpfs, a tmpfs (TARGET[:OPTIONS]).
func (s *stageState) mount(ctx context.Context, m *instructions.Mount, tmp string) (string, func(), error) {
	b := s.b
	target := m.Target
	if target != "" && !path.IsAbs(target) {
		target = path.Join(s.workdir(), target)
	}
	switch m.Type {
	case instructions.MountTypeCache:
		id := m.CacheID
		if id == "" {
			id = target
		}
		sum := sha256.Sum256([]byte(id))
		dir := filepath.Join(b.mounts, "cache", hex.EncodeToString(sum[:16]))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return "", nil, err
		}
		if m.UID != nil || m.GID != nil || m.Mode != nil {
			if err := ownDir(dir, m); err != nil {
				return "", nil, err
			}
		}
		return dir + ":" + target, nil, nil
	case instructions.MountTypeTmpfs:
		v := target
		if m.SizeLimit > 0 {
			v += fmt.Sprintf(":size=%d", m.SizeLimit)
		}
		return v, nil, nil
	case instructions.MountTypeSecret:
		id := m.CacheID
		if id == "" && m.Target != "" {
			id = path.Base(m.Target)
		}
		if target == "" {
			target = "/run/secrets/" + id
		}
		for _, sec := range b.o.Secrets {
			if sec.ID == id {
				return sec.Src + ":" + target + ":ro", nil, nil
			}
		}
		if m.Required {
			return "", nil, fmt.Errorf("%w: secret %s is required: pass it with --secret id=%s,src=PATH", ErrInvalid, id, id)
		}
		// An optional secret that was not passed is not mounted.
		return "", nil, nil
	case instructions.MountTypeBind:
		return s.bind(ctx, m, target, tmp)
	case instructions.MountTypeSSH:
		return "", nil, fmt.Errorf("%w: RUN --mount=type=ssh is not supported by skiff build", ErrInvalid)
	}
	return "", nil, fmt.Errorf("%w: unknown mount type %q", ErrInvalid, m.Type)
}

// bind mounts a path of the build context, or of a stage's or image's
// file system (from=), read-only; with rw the RUN writes to a copy that
// is thrown away, as in BuildKit.
func (s *stageState) bind(ctx context.Context, m *instructions.Mount, target, tmp string) (string, func(), error) {
	root, excluded, release, err := s.sourceRoot(ctx, m.From)
	if err != nil {
		return "", release, err
	}
	src := copier.Source{Root: root, Rel: path.Clean("/" + m.Source)[1:]}
	if src.Rel == "" {
		src.Rel = "."
	}
	host, err := src.Path()
	if err != nil {
		return "", release, err
	}
	if _, err := os.Stat(host); err != nil {
		return "", release, fmt.Errorf("%w: --mount=type=bind source %q: not found", ErrInvalid, m.Source)
	}
	if excluded != nil && src.Rel != "." && excluded(src.Rel) {
		return "", release, fmt.Errorf("%w: --mount=type=bind source %q: not found in the build context (excluded by %s)", ErrInvalid, m.Source, s.b.bctx.IgnoreFile)
	}
	// What the ignore file leaves out is not part of the context: with
	// one, the RUN sees a copy without it, as BuildKit's context has.
	filtered := excluded != nil && s.b.bctx.IgnoreFile != ""
	if m.ReadOnly && !filtered {
		return host + ":" + target + ":ro", release, nil
	}
	cp, err := os.MkdirTemp(tmp, "bind-")
	if err != nil {
		return "", release, err
	}
	if err := os.Chmod(cp, 0o755); err != nil {
		return "", release, err
	}
	dest := "/"
	if fi, err := os.Stat(host); err == nil && !fi.IsDir() {
		dest = "/" + path.Base(src.Rel)
	}
	if err := copier.Copy(ctx, []copier.Source{src}, copier.Options{Root: cp, Dest: dest, KeepOwners: true, Excluded: excluded}); err != nil {
		return "", release, err
	}
	v := filepath.Join(cp, dest) + ":" + target
	if m.ReadOnly {
		v += ":ro"
	}
	return v, release, nil
}

// ownDir sets a cache mount's owner and mode (uid=, gid=, mode=).
func ownDir(dir string, m *instructions.Mount) error {
	uid, gid := -1, -1
	if m.UID != nil {
		uid = int(*m.UID)
	}
	if m.GID != nil {
		gid = int(*m.GID)
	}
	if err := os.Lchown(dir, uid, gid); err != nil {
		return err
	}
	if m.Mode != nil {
		return os.Chmod(dir, os.FileMode(*m.Mode))
	}
	return nil
}
