package engine

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/skiff-containers/skiff/internal/container"
)

// hardOf is a caller whose hard limits are given (others unlimited).
func hardOf(limits map[int]uint64, canRaise bool) ulimitCaller {
	return ulimitCaller{canRaise: canRaise, hard: func(r int) (uint64, error) {
		if v, ok := limits[r]; ok {
			return v, nil
		}
		return unix.RLIM_INFINITY, nil
	}}
}

func TestParseUlimits(t *testing.T) {
	host := hardOf(map[int]uint64{unix.RLIMIT_NOFILE: 20000}, false)
	tests := []struct {
		name    string
		vals    []string
		caller  ulimitCaller
		want    []container.Ulimit
		wantErr string // in the reason
	}{
		{name: "none", caller: host},
		{name: "soft and hard", vals: []string{"nofile=1024:2048"}, caller: host, want: []container.Ulimit{{Name: "nofile", Soft: 1024, Hard: 2048}}},
		{name: "hard defaults to soft", vals: []string{"nproc=100"}, caller: host, want: []container.Ulimit{{Name: "nproc", Soft: 100, Hard: 100}}},
		{name: "unlimited", vals: []string{"core=-1"}, caller: host, want: []container.Ulimit{{Name: "core", Soft: -1, Hard: -1}}},
		{name: "soft below unlimited hard", vals: []string{"core=10:-1"}, caller: host, want: []container.Ulimit{{Name: "core", Soft: 10, Hard: -1}}},
		{name: "later wins, sorted", vals: []string{"nofile=1:2", "core=0", "nofile=3:4"}, caller: host, want: []container.Ulimit{{Name: "core"}, {Name: "nofile", Soft: 3, Hard: 4}}},
		{name: "at the caller's hard limit", vals: []string{"nofile=20000:20000"}, caller: host, want: []container.Ulimit{{Name: "nofile", Soft: 20000, Hard: 20000}}},
		{name: "above the caller's hard limit", vals: []string{"nofile=30000:30000"}, caller: host, wantErr: "the hard limit 30000 is above your own hard limit for nofile, 20000"},
		{name: "unlimited above the caller's", vals: []string{"nofile=-1"}, caller: host, wantErr: "the hard limit unlimited is above your own hard limit for nofile, 20000"},
		{name: "above, but the caller may raise", vals: []string{"nofile=30000"}, caller: hardOf(map[int]uint64{unix.RLIMIT_NOFILE: 20000}, true), want: []container.Ulimit{{Name: "nofile", Soft: 30000, Hard: 30000}}},
		{name: "soft above hard", vals: []string{"nofile=3:2"}, caller: host, wantErr: "the soft limit 3 is above the hard limit 2"},
		{name: "unlimited soft, limited hard", vals: []string{"nofile=-1:2"}, caller: host, wantErr: "the soft limit unlimited is above the hard limit 2"},
		{name: "unknown name", vals: []string{"as=1"}, caller: host, wantErr: `unknown limit "as"`},
		{name: "no value", vals: []string{"nofile"}, caller: host, wantErr: "use NAME=SOFT[:HARD]"},
		{name: "not a number", vals: []string{"nofile=x"}, caller: host, wantErr: `"x" is not a limit`},
		{name: "below -1", vals: []string{"nofile=-2"}, caller: host, wantErr: `"-2" is not a limit`},
		{name: "three parts", vals: []string{"nofile=1:2:3"}, caller: host, wantErr: `"2:3" is not a limit`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseUlimits(tt.vals, tt.caller)
			if tt.wantErr != "" {
				var ie *InvalidOptionError
				if !errors.As(err, &ie) || ie.Field != "Ulimits" || !strings.Contains(ie.Reason, tt.wantErr) {
					t.Fatalf("got %v, want an invalid Ulimits saying %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseHostOptions(t *testing.T) {
	tests := []struct {
		name     string
		o        CreateOptions
		rootless bool
		field    string // refused
		check    func(container.HostConfig) bool
		warns    string
	}{
		{name: "cgroupns host", o: CreateOptions{CgroupNS: "host"}, check: func(h container.HostConfig) bool { return h.CgroupnsMode == "host" }},
		{name: "cgroupns private rootless", o: CreateOptions{CgroupNS: "private"}, rootless: true, check: func(h container.HostConfig) bool { return h.CgroupnsMode == "private" }},
		{name: "cgroupns bogus", o: CreateOptions{CgroupNS: "shared"}, field: "CgroupNS"},
		{name: "device rule", o: CreateOptions{DeviceCgroupRules: []string{"c 1:3 rwm", "b *:* m"}}, check: func(h container.HostConfig) bool {
			return reflect.DeepEqual(h.DeviceCgroupRules, []string{"c 1:3 rwm", "b *:* m"})
		}},
		{name: "device rule syntax", o: CreateOptions{DeviceCgroupRules: []string{"c 1:3"}}, field: "DeviceCgroupRules"},
		{name: "device rule rootless", o: CreateOptions{DeviceCgroupRules: []string{"c 1:3 rwm"}}, rootless: true, field: "DeviceCgroupRules"},
		{name: "kernel memory", o: CreateOptions{KernelMemory: "10m"}, check: func(container.HostConfig) bool { return true }, warns: "--kernel-memory is deprecated and ignored"},
		{name: "kernel memory size", o: CreateOptions{KernelMemory: "lots"}, field: "KernelMemory"},
		{name: "ulimit", o: CreateOptions{Ulimits: []string{"nofile=nope"}}, field: "Ulimits"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h container.HostConfig
			warnings, err := parseHostOptions(tt.o, tt.rootless, &h)
			if tt.field != "" {
				if !isField(err, tt.field) {
					t.Fatalf("got %v, want an invalid %s", err, tt.field)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(h) {
				t.Errorf("host config %+v", h)
			}
			if got := strings.Join(warnings, "\n"); (tt.warns == "") != (got == "") || !strings.Contains(got, tt.warns) {
				t.Errorf("warnings %q, want %q", got, tt.warns)
			}
		})
	}
}

func TestCgroupnsDefault(t *testing.T) {
	for unified, want := range map[bool]string{true: "private", false: "host"} {
		if got, err := parseCgroupns("", unified); err != nil || got != want {
			t.Errorf("unified %v: got %q %v, want %q", unified, got, err, want)
		}
	}
}
