package main

import (
	"reflect"
	"testing"

	"github.com/opencontainers/runc/libcontainer/configs"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// The spec's rlimits reach libcontainer's process: its config has none.
func TestRlimits(t *testing.T) {
	tests := []struct {
		name    string
		in      []specs.POSIXRlimit
		want    []configs.Rlimit
		wantErr bool
	}{
		{name: "none"},
		{name: "nofile and core", in: []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Soft: 1024, Hard: 2048}, {Type: "RLIMIT_CORE", Soft: ^uint64(0), Hard: ^uint64(0)}},
			want: []configs.Rlimit{{Type: unix.RLIMIT_NOFILE, Soft: 1024, Hard: 2048}, {Type: unix.RLIMIT_CORE, Soft: ^uint64(0), Hard: ^uint64(0)}}},
		{name: "unknown", in: []specs.POSIXRlimit{{Type: "RLIMIT_BOGUS"}}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := newProcess(&specs.Process{Args: []string{"sh"}, Rlimits: tt.in})
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v", err)
			}
			if err == nil && !reflect.DeepEqual(p.Rlimits, tt.want) {
				t.Errorf("got %+v, want %+v", p.Rlimits, tt.want)
			}
		})
	}
}
