package runspec

import (
	"reflect"
	"slices"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestDeviceRule(t *testing.T) {
	n := func(v int64) *int64 { return &v }
	tests := []struct {
		in      string
		want    specs.LinuxDeviceCgroup
		wantErr bool
	}{
		{in: "c 1:3 rwm", want: specs.LinuxDeviceCgroup{Allow: true, Type: "c", Major: n(1), Minor: n(3), Access: "rwm"}},
		{in: "b 8:* r", want: specs.LinuxDeviceCgroup{Allow: true, Type: "b", Major: n(8), Access: "r"}},
		{in: "a *:* m", want: specs.LinuxDeviceCgroup{Allow: true, Type: "a", Access: "m"}},
		{in: "c 1:3", wantErr: true},
		{in: "x 1:3 rwm", wantErr: true},
		{in: "c 1-3 rwm", wantErr: true},
		{in: "c 1:3 rwx", wantErr: true},
		{in: "c 1:3 rr", wantErr: true},
		{in: "c 99999999999:3 r", wantErr: true},
		{in: " c 1:3 r", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := DeviceRule(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v", err)
			}
			if err == nil && !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestHostOptionsInSpec(t *testing.T) {
	rule, _ := DeviceRule("c 1:11 r")
	o := Options{
		Args:        []string{"sh"},
		Rlimits:     []specs.POSIXRlimit{Rlimit("nofile", 1024, 2048), Rlimit("core", -1, -1)},
		CgroupNS:    true,
		DeviceRules: []specs.LinuxDeviceCgroup{rule},
	}
	s, err := Build(o)
	if err != nil {
		t.Fatal(err)
	}
	want := []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Soft: 1024, Hard: 2048}, {Type: "RLIMIT_CORE", Soft: ^uint64(0), Hard: ^uint64(0)}}
	if !reflect.DeepEqual(s.Process.Rlimits, want) {
		t.Errorf("rlimits %+v, want %+v", s.Process.Rlimits, want)
	}
	if !slices.ContainsFunc(s.Linux.Namespaces, func(n specs.LinuxNamespace) bool { return n.Type == specs.CgroupNamespace }) {
		t.Errorf("no cgroup namespace in %v", s.Linux.Namespaces)
	}
	if !reflect.DeepEqual(s.Linux.Resources.Devices, o.DeviceRules) {
		t.Errorf("devices %+v", s.Linux.Resources.Devices)
	}
	o.CgroupNS = false
	if s, _ = Build(o); slices.ContainsFunc(s.Linux.Namespaces, func(n specs.LinuxNamespace) bool { return n.Type == specs.CgroupNamespace }) {
		t.Errorf("cgroup namespace without CgroupNS")
	}
}

func TestUlimitNames(t *testing.T) {
	for _, n := range UlimitNames() {
		if _, ok := UlimitResource(n); !ok {
			t.Errorf("%s has no resource", n)
		}
	}
	if _, ok := UlimitResource("as"); ok {
		t.Error("as is left out, as in Docker")
	}
}
