package build

import (
	"os"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// proxyArgs are Docker's predefined build args: usable without an ARG
// line, and left out of the image's history.
var proxyArgs = map[string]bool{
	"HTTP_PROXY": true, "http_proxy": true, "HTTPS_PROXY": true, "https_proxy": true,
	"FTP_PROXY": true, "ftp_proxy": true, "NO_PROXY": true, "no_proxy": true,
	"ALL_PROXY": true, "all_proxy": true,
}

// buildArgs reads --build-arg values: KEY=VALUE, or KEY for the caller's
// value (left out when the caller has none, as Docker does).
func buildArgs(in []string, lookup func(string) (string, bool)) (map[string]string, error) {
	if lookup == nil {
		lookup = os.LookupEnv
	}
	out := map[string]string{}
	for _, a := range in {
		k, v, ok := strings.Cut(a, "=")
		if k == "" || strings.ContainsAny(k, " \t\n") {
			return nil, invalidf("invalid --build-arg %q: give KEY=VALUE or KEY", a)
		}
		if !ok {
			if v, ok = lookup(k); !ok {
				continue
			}
		}
		out[k] = v
	}
	return out, nil
}

// platformArgs checks --platform and gives the predefined platform args.
// skiff runs RUN steps natively, so the target is the host's platform.
func platformArgs(want string) (v1.Platform, map[string]string, error) {
	host := hostPlatform()
	if want != "" {
		p, err := v1.ParsePlatform(want)
		if err != nil {
			return host, nil, invalidf("invalid --platform %q: %v", want, err)
		}
		if p.OS != host.OS || p.Architecture != host.Architecture || (p.Variant != "" && p.Variant != host.Variant) {
			return host, nil, invalidf("--platform %s: this machine is %s and skiff build does not emulate other platforms", want, platformString(host))
		}
	}
	args := map[string]string{}
	for _, pre := range []string{"TARGET", "BUILD"} {
		args[pre+"PLATFORM"] = platformString(host)
		args[pre+"OS"] = host.OS
		args[pre+"ARCH"] = host.Architecture
		args[pre+"VARIANT"] = host.Variant
	}
	return host, args, nil
}
