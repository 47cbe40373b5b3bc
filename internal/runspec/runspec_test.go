package runspec

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestArgv(t *testing.T) {
	s := func(v string) *string { return &v }
	tests := []struct {
		name    string
		ep, cmd []string
		flag    *string
		args    []string
		want    []string
		wantErr bool
	}{
		{name: "image cmd", cmd: []string{"sh"}, want: []string{"sh"}},
		{name: "args replace cmd", cmd: []string{"sh"}, args: []string{"echo", "hi"}, want: []string{"echo", "hi"}},
		{name: "entrypoint plus cmd", ep: []string{"/init"}, cmd: []string{"serve"}, want: []string{"/init", "serve"}},
		{name: "entrypoint plus args", ep: []string{"/init"}, cmd: []string{"serve"}, args: []string{"x"}, want: []string{"/init", "x"}},
		{name: "flag drops image cmd", ep: []string{"/init"}, cmd: []string{"serve"}, flag: s("/bin/ls"), want: []string{"/bin/ls"}},
		{name: "flag with args", cmd: []string{"sh"}, flag: s("/bin/ls"), args: []string{"-l"}, want: []string{"/bin/ls", "-l"}},
		{name: "empty flag clears", ep: []string{"/init"}, flag: s(""), args: []string{"sh"}, want: []string{"sh"}},
		{name: "nothing", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Argv(tt.ep, tt.cmd, tt.flag, tt.args)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCapabilities(t *testing.T) {
	tests := []struct {
		name     string
		o        Options
		has, not []string
		wantErr  bool
	}{
		{name: "default", has: []string{"CAP_CHOWN", "CAP_KILL"}, not: []string{"CAP_SYS_ADMIN", "CAP_NET_ADMIN"}},
		{name: "add", o: Options{CapAdd: []string{"net_admin"}}, has: []string{"CAP_NET_ADMIN", "CAP_CHOWN"}},
		{name: "drop", o: Options{CapDrop: []string{"CHOWN"}}, not: []string{"CAP_CHOWN"}, has: []string{"CAP_KILL"}},
		{name: "drop all add one", o: Options{CapDrop: []string{"all"}, CapAdd: []string{"KILL"}}, has: []string{"CAP_KILL"}, not: []string{"CAP_CHOWN"}},
		{name: "privileged", o: Options{Privileged: true}, has: []string{"CAP_SYS_ADMIN"}},
		{name: "unknown", o: Options{CapAdd: []string{"CAP_BOGUS"}}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.o.Args = []string{"sh"}
			s, err := Build(tt.o)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v", err)
			}
			if err != nil {
				return
			}
			caps := s.Process.Capabilities.Bounding
			for _, c := range tt.has {
				if !slices.Contains(caps, c) {
					t.Errorf("missing %s in %v", c, caps)
				}
			}
			for _, c := range tt.not {
				if slices.Contains(caps, c) {
					t.Errorf("unexpected %s", c)
				}
			}
			if tt.o.Privileged != (s.Linux.Seccomp == nil) {
				t.Errorf("seccomp = %v with privileged=%v", s.Linux.Seccomp != nil, tt.o.Privileged)
			}
		})
	}
}

// TestSysMount: /sys is read-only all the way down unless privileged; the
// host's /sys, bound where a new sysfs cannot be mounted, brings its
// submounts, which need rro.
func TestSysMount(t *testing.T) {
	auto := []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 65536}}
	tests := []struct {
		name     string
		o        Options
		wantType string
		want     []string // options present
		not      []string // options absent
	}{
		{name: "private network", o: Options{Rootless: true}, wantType: "sysfs", want: []string{"ro"}},
		{name: "host network as root", o: Options{HostNetwork: true}, wantType: "sysfs", want: []string{"ro"}},
		{name: "host network rootless", o: Options{HostNetwork: true, Rootless: true}, wantType: "bind", want: []string{"rbind", "ro", "rro"}},
		{name: "host network, userns auto", o: Options{HostNetwork: true, UIDMappings: auto, GIDMappings: auto}, wantType: "bind", want: []string{"rbind", "ro", "rro"}},
		{name: "host network rootless privileged", o: Options{HostNetwork: true, Rootless: true, Privileged: true}, wantType: "bind", want: []string{"rbind", "rw"}, not: []string{"ro", "rro"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.o.Args = []string{"sh"}
			s, err := Build(tt.o)
			if err != nil {
				t.Fatal(err)
			}
			var sys *specs.Mount
			for i := range s.Mounts {
				if s.Mounts[i].Destination == "/sys" {
					sys = &s.Mounts[i]
				}
			}
			if sys == nil {
				t.Fatal("no /sys mount")
			}
			if sys.Type != tt.wantType {
				t.Errorf("type %s, want %s", sys.Type, tt.wantType)
			}
			for _, o := range tt.want {
				if !slices.Contains(sys.Options, o) {
					t.Errorf("options %v lack %s", sys.Options, o)
				}
			}
			for _, o := range tt.not {
				if slices.Contains(sys.Options, o) {
					t.Errorf("options %v have %s", sys.Options, o)
				}
			}
		})
	}
}

// TestMountPoints: every mount of a spec without options' mounts is at or
// below a path MountPoints names, so that a commit can leave them all out.
func TestMountPoints(t *testing.T) {
	etc := map[string]string{}
	for _, f := range etcFiles {
		etc[f] = "/host" + f
	}
	for _, o := range []Options{{}, {Rootless: true, HostNetwork: true}, {Privileged: true}} {
		o.Args, o.EtcFiles = []string{"sh"}, etc
		s, err := Build(o)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range s.Mounts {
			if !slices.ContainsFunc(MountPoints(), func(p string) bool { return m.Destination == p || strings.HasPrefix(m.Destination, p+"/") }) {
				t.Errorf("mount at %s is not under MountPoints %v", m.Destination, MountPoints())
			}
		}
	}
}
