package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDefaultPaths(t *testing.T) {
	tmp := os.TempDir()
	tests := []struct {
		name    string
		env     map[string]string
		uid     int
		want    Paths
		wantErr string
	}{
		{name: "root", uid: 0, want: Paths{GraphRoot: "/var/lib/skiff", RunRoot: "/run/skiff", ConfigFile: "/etc/skiff/config.toml"}},
		{name: "rootless defaults", uid: 1000, env: map[string]string{"HOME": "/home/u", "XDG_RUNTIME_DIR": "/run/user/1000"},
			want: Paths{GraphRoot: "/home/u/.local/share/skiff", RunRoot: "/run/user/1000/skiff", ConfigFile: "/home/u/.config/skiff/config.toml"}},
		{name: "xdg overrides", uid: 1000, env: map[string]string{"HOME": "/home/u", "XDG_DATA_HOME": "/d", "XDG_CONFIG_HOME": "/c"},
			want: Paths{GraphRoot: "/d/skiff", RunRoot: filepath.Join(tmp, "skiff-run-1000"), ConfigFile: "/c/skiff/config.toml"}},
		{name: "no home", uid: 1000, env: map[string]string{}, wantErr: "HOME is not set"},
		{name: "no home but xdg data", uid: 1000, env: map[string]string{"XDG_DATA_HOME": "/d"},
			want: Paths{GraphRoot: "/d/skiff", RunRoot: filepath.Join(tmp, "skiff-run-1000")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DefaultPaths(func(k string) string { return tt.env[k] }, tt.uid)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name, path, wantErr string
		insecure            string
		hostLoopback        bool
	}{
		{name: "missing", path: filepath.Join(dir, "nope.toml")},
		{name: "insecure", path: write("a.toml", "[registries]\ninsecure = [\"reg.lan:5000\"]\n"), insecure: "reg.lan:5000"},
		{name: "unknown key", path: write("b.toml", "[registries]\ninsecur = []\n"), wantErr: "unknown key"},
		{name: "bad driver", path: write("c.toml", "[storage]\ndriver = \"zfs\"\n"), wantErr: "not supported"},
		{name: "syntax", path: write("d.toml", "[registries\n"), wantErr: "config file"},
		{name: "host loopback", path: write("e.toml", "[network]\nallow_host_loopback = true\n"), hostLoopback: true},
		{name: "host loopback off", path: write("f.toml", "[network]\nallow_host_loopback = false\n")},
		{name: "host loopback not a bool", path: write("g.toml", "[network]\nallow_host_loopback = \"yes\"\n"), wantErr: "config file"},
		{name: "unknown network key", path: write("h.toml", "[network]\nallow_loopback = true\n"), wantErr: "unknown key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(tt.path)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.insecure != "" && !c.IsInsecure(tt.insecure) {
				t.Errorf("%s not insecure", tt.insecure)
			}
			if c.Network.AllowHostLoopback != tt.hostLoopback {
				t.Errorf("allow_host_loopback = %v, want %v", c.Network.AllowHostLoopback, tt.hostLoopback)
			}
		})
	}
}

func TestEnsurePrivateDir(t *testing.T) {
	tests := []struct {
		name    string
		plant   func(t *testing.T, dir string)
		uid     int
		wantErr string
	}{
		{name: "missing is made", plant: func(t *testing.T, dir string) {}, uid: os.Getuid()},
		{name: "own directory", plant: func(t *testing.T, dir string) { mustMkdir(t, dir) }, uid: os.Getuid()},
		{name: "a link to a directory", plant: func(t *testing.T, dir string) {
			target := dir + ".target"
			mustMkdir(t, target)
			if err := os.Symlink(target, dir); err != nil {
				t.Fatal(err)
			}
		}, uid: os.Getuid(), wantErr: "is not a directory"},
		{name: "a file", plant: func(t *testing.T, dir string) {
			if err := os.WriteFile(dir, nil, 0o600); err != nil {
				t.Fatal(err)
			}
		}, uid: os.Getuid(), wantErr: "is not a directory"},
		{name: "another user's", plant: func(t *testing.T, dir string) { mustMkdir(t, dir) }, uid: os.Getuid() + 1,
			wantErr: "belongs to uid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "parent", "run")
			mustMkdir(t, filepath.Dir(dir))
			tt.plant(t, dir)
			err := EnsurePrivateDir(dir, tt.uid)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if fi, err := os.Lstat(dir); err != nil || !fi.IsDir() {
				t.Fatalf("%s: %v %v", dir, fi, err)
			}
		})
	}
}

func mustMkdir(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
}
