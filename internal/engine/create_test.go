package engine

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func isField(err error, field string) bool {
	var ie *InvalidOptionError
	return errors.As(err, &ie) && ie.Field == field && errors.Is(err, ErrInvalid)
}

func TestParseCreateRefuses(t *testing.T) {
	dir := t.TempDir()
	exists := filepath.Join(dir, "cid")
	if err := os.WriteFile(exists, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	neg := -1
	base := func() CreateOptions { return CreateOptions{Image: "busybox"} }
	tests := []struct {
		name     string
		edit     func(*CreateOptions)
		rootless bool
		field    string
	}{
		{"no image", func(o *CreateOptions) { o.Image = "" }, false, "Image"},
		{"bad reference", func(o *CreateOptions) { o.Image = "Not/Valid:" }, false, "Image"},
		{"pull policy", func(o *CreateOptions) { o.Pull = "sometimes" }, false, "Pull"},
		{"platform", func(o *CreateOptions) { o.Platform = "nonsense/" }, false, "Platform"},
		{"name", func(o *CreateOptions) { o.Name = "-x" }, false, "Name"},
		{"relative workdir", func(o *CreateOptions) { o.Workdir = "tmp" }, false, "Workdir"},
		{"memory", func(o *CreateOptions) { o.Limits.Memory = "lots" }, false, "Limits"},
		{"oom score", func(o *CreateOptions) { o.OOMScoreAdj = "1001" }, false, "OOMScoreAdj"},
		{"sdnotify", func(o *CreateOptions) { o.SDNotify = "always" }, false, "SDNotify"},
		{"userns auto rootless", func(o *CreateOptions) { o.Userns = "auto" }, true, "Userns"},
		{"userns", func(o *CreateOptions) { o.Userns = "private" }, false, "Userns"},
		{"restart", func(o *CreateOptions) { o.Restart = "sometimes" }, false, "Restart"},
		{"rm with restart", func(o *CreateOptions) { o.AutoRemove, o.Restart = true, "always" }, false, "AutoRemove"},
		{"cidfile exists", func(o *CreateOptions) { o.CIDFile = exists }, false, "CIDFile"},
		{"replace without name", func(o *CreateOptions) { o.Replace = true }, false, "Replace"},
		{"stop signal", func(o *CreateOptions) { o.StopSignal = "SIGNOPE" }, false, "StopSignal"},
		{"stop timeout", func(o *CreateOptions) { o.StopTimeout = &neg }, false, "StopTimeout"},
		{"cap", func(o *CreateOptions) { o.CapAdd = []string{"CAP_NOPE"} }, false, "CapAdd"},
		{"security opt", func(o *CreateOptions) { o.SecurityOpt = []string{"seccomp=unconfined"} }, false, "SecurityOpt"},
		{"label", func(o *CreateOptions) { o.Labels = []string{"=v"} }, false, "Labels"},
		{"env file", func(o *CreateOptions) { o.EnvFiles = []string{filepath.Join(dir, "none")} }, false, "EnvFiles"},
		{"env", func(o *CreateOptions) { o.Env = []string{"=x"} }, false, "Env"},
		{"volume shape", func(o *CreateOptions) { o.Volumes = []string{"/a"} }, false, "Volumes"},
		{"volume relative", func(o *CreateOptions) { o.Volumes = []string{"a:/b"} }, false, "Volumes"},
		{"volume missing source", func(o *CreateOptions) { o.Volumes = []string{dir + "/none:/b"} }, false, "Volumes"},
		{"volume option", func(o *CreateOptions) { o.Volumes = []string{dir + ":/b:rx"} }, false, "Volumes"},
		{"tmpfs", func(o *CreateOptions) { o.Tmpfs = []string{"/t:size=lots"} }, false, "Tmpfs"},
		{"log opt", func(o *CreateOptions) { o.LogOpts = []string{"max-size=lots"} }, false, "LogDriver"},
		{"passthrough with tty", func(o *CreateOptions) { o.LogDriver, o.Tty = "passthrough", true }, false, "LogDriver"},
		{"network", func(o *CreateOptions) { o.Network = "container:" }, false, "Network"},
		{"publish", func(o *CreateOptions) { o.Publish = []string{"x:80"} }, false, "Publish"},
		{"publish twice", func(o *CreateOptions) { o.Publish = []string{"8080:80", "8080:81"} }, false, "Publish"},
		{"publish without a network", func(o *CreateOptions) { o.Network, o.Publish = "host", []string{"80"} }, false, "Publish"},
		{"dns", func(o *CreateOptions) { o.DNS = []string{"dns.example"} }, false, "DNS"},
		{"ip without a user network", func(o *CreateOptions) { o.IP = "10.0.0.1" }, false, "IP"},
		{"alias without a user network", func(o *CreateOptions) { o.NetworkAliases = []string{"a"} }, false, "NetworkAliases"},
		{"ip", func(o *CreateOptions) { o.Network, o.IP = "backend", "::1" }, false, "IP"},
		{"attach", func(o *CreateOptions) { o.Attach = []string{"stdout", "stdio"} }, false, "Attach"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := base()
			tt.edit(&o)
			_, err := parseCreate(o, tt.rootless)
			if !isField(err, tt.field) {
				t.Fatalf("got %v, want an invalid %s", err, tt.field)
			}
		})
	}
}

func TestParseCreateDefaults(t *testing.T) {
	p, err := parseCreate(CreateOptions{Image: "busybox", Env: []string{"A=1", "KEEP", "GONE"}, LookupEnv: func(k string) (string, bool) {
		return "kept", k == "KEEP"
	}}, true)
	if err != nil {
		t.Fatal(err)
	}
	if p.pull != "missing" || p.cfg.Host.NetworkMode != "slirp4netns" || p.cfg.Log.DriverName() != "json-file" || p.cfg.Host.RestartPolicy.Restarts() {
		t.Errorf("defaults: pull %q network %q log %q restart %v", p.pull, p.cfg.Host.NetworkMode, p.cfg.Log.DriverName(), p.cfg.Host.RestartPolicy)
	}
	if got := p.cfg.Env; len(got) != 2 || got[0] != "A=1" || got[1] != "KEEP=kept" {
		t.Errorf("env %q, want A=1 and the caller's KEEP", got)
	}
}

// Attach keeps the streams it names (any case) and drops the others from
// the caller's; stdin stays as the caller passed it (with OpenStdin).
func TestAttachedStreams(t *testing.T) {
	in, out, errw := strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{}
	all := Streams{Stdin: in, Stdout: out, Stderr: errw}
	tests := []struct {
		attach             []string
		stdin, stdout, err bool
	}{
		{nil, true, true, true},
		{[]string{"stdout"}, true, true, false},
		{[]string{"STDERR"}, true, false, true},
		{[]string{"Stdin"}, true, false, false},
		{[]string{"stdout", "stderr", "stdout"}, true, true, true},
	}
	for _, tt := range tests {
		p, err := parseCreate(CreateOptions{Image: "busybox", Attach: tt.attach}, true)
		if err != nil {
			t.Fatalf("%v: %v", tt.attach, err)
		}
		got := p.attached(all)
		if (got.Stdin != nil) != tt.stdin || (got.Stdout != nil) != tt.stdout || (got.Stderr != nil) != tt.err {
			t.Errorf("%v: stdin %v stdout %v stderr %v, want %v %v %v", tt.attach, got.Stdin != nil, got.Stdout != nil, got.Stderr != nil, tt.stdin, tt.stdout, tt.err)
		}
	}
}
