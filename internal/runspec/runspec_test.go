package runspec

import (
	"reflect"
	"slices"
	"testing"
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
