package userns

import (
	"reflect"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestMakePlan(t *testing.T) {
	r := func(c, h, s uint32) specs.LinuxIDMapping {
		return specs.LinuxIDMapping{ContainerID: c, HostID: h, Size: s}
	}
	ranges := []specs.LinuxIDMapping{r(0, 100000, 65536), r(0, 300000, 10)}
	tests := []struct {
		name        string
		sub         []specs.LinuxIDMapping
		helpers     bool
		wantMode    string
		wantUIDMap  []specs.LinuxIDMapping
		wantWarning bool
	}{
		{name: "ranges and helpers", sub: ranges, helpers: true, wantMode: ModeSubID,
			wantUIDMap: []specs.LinuxIDMapping{r(0, 1000, 1), r(1, 100000, 65536), r(65537, 300000, 10)}},
		{name: "no ranges", helpers: true, wantMode: ModeSingle, wantUIDMap: []specs.LinuxIDMapping{r(0, 1000, 1)}, wantWarning: true},
		{name: "no helpers", sub: ranges, wantMode: ModeSingle, wantUIDMap: []specs.LinuxIDMapping{r(0, 1000, 1)}, wantWarning: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := MakePlan("u", 1000, 1000, tt.sub, tt.sub, tt.helpers)
			if p.Mode != tt.wantMode {
				t.Errorf("mode = %s, want %s", p.Mode, tt.wantMode)
			}
			if !reflect.DeepEqual(p.UIDMap, tt.wantUIDMap) {
				t.Errorf("uid map = %v, want %v", p.UIDMap, tt.wantUIDMap)
			}
			if (p.Warning != "") != tt.wantWarning {
				t.Errorf("warning = %q", p.Warning)
			}
		})
	}
}
