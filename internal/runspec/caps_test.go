package runspec

import (
	"reflect"
	"slices"
	"testing"
)

func TestParseStatusCaps(t *testing.T) {
	tests := []struct {
		name      string
		status    string
		bnd       []string // checked: present
		notBnd    []string
		wantError bool
	}{
		{
			name:   "root without CAP_SYS_RESOURCE",
			status: "Name:\tx\nCapInh:\t0000000000000000\nCapPrm:\t000001fffeffffff\nCapEff:\t000001fffeffffff\nCapBnd:\t000001fffeffffff\n",
			bnd:    []string{"CAP_SYS_ADMIN", "CAP_CHECKPOINT_RESTORE", "CAP_CHOWN"},
			notBnd: []string{"CAP_SYS_RESOURCE"},
		},
		{
			name:   "all",
			status: "CapEff:\t0000000000000000\nCapBnd:\t000001ffffffffff\n",
			bnd:    []string{"CAP_SYS_RESOURCE", "CAP_CHOWN", "CAP_CHECKPOINT_RESTORE"},
		},
		{
			name:   "none",
			status: "CapBnd:\t0000000000000000\n",
			notBnd: []string{"CAP_CHOWN"},
		},
		{name: "missing", status: "Name:\tx\n", wantError: true},
		{name: "garbage", status: "CapBnd:\tzz\n", wantError: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseStatusCaps(tt.status)
			if (err != nil) != tt.wantError {
				t.Fatalf("err = %v", err)
			}
			for _, n := range tt.bnd {
				if !slices.Contains(c.Bounding, n) {
					t.Errorf("bounding %v lacks %s", c.Bounding, n)
				}
			}
			for _, n := range tt.notBnd {
				if slices.Contains(c.Bounding, n) {
					t.Errorf("bounding has %s", n)
				}
			}
		})
	}
}

// The live process's sets parse, and every known capability has a bit.
func TestReadCallerCaps(t *testing.T) {
	if len(capBits) != len(AllCaps) {
		t.Fatalf("%d bits for %d capabilities", len(capBits), len(AllCaps))
	}
	seen := map[int]string{}
	for _, c := range AllCaps {
		b, ok := capBits[c]
		if !ok {
			t.Errorf("%s has no bit", c)
		}
		if other, dup := seen[b]; dup {
			t.Errorf("%s and %s share bit %d", c, other, b)
		}
		seen[b] = c
	}
	if _, err := ReadCallerCaps(); err != nil {
		t.Fatal(err)
	}
}

// A container gets what it asks for within the caller's bounding set:
// --privileged and --cap-add ALL mean every capability the caller has.
func TestCapsWithinBounding(t *testing.T) {
	noResource := slices.DeleteFunc(slices.Clone(AllCaps), func(c string) bool { return c == "CAP_SYS_RESOURCE" })
	tests := []struct {
		name     string
		o        Options
		want     []string // nil: check only has/not
		has, not []string
		missing  []string // Unavailable's
	}{
		{name: "privileged", o: Options{Privileged: true, BoundingCaps: noResource}, want: noResource},
		{name: "add all", o: Options{CapAdd: []string{"ALL"}, BoundingCaps: noResource}, want: noResource},
		{name: "add all, drop one", o: Options{CapAdd: []string{"all"}, CapDrop: []string{"NET_ADMIN"}, BoundingCaps: noResource}, has: []string{"CAP_SYS_ADMIN"}, not: []string{"CAP_SYS_RESOURCE", "CAP_NET_ADMIN"}},
		{name: "add one missing", o: Options{CapAdd: []string{"sys_resource", "NET_ADMIN"}, BoundingCaps: noResource}, has: []string{"CAP_NET_ADMIN", "CAP_CHOWN"}, not: []string{"CAP_SYS_RESOURCE"}, missing: []string{"CAP_SYS_RESOURCE"}},
		{name: "defaults outside bounding", o: Options{BoundingCaps: []string{"CAP_CHOWN", "CAP_KILL"}}, want: []string{"CAP_CHOWN", "CAP_KILL"}},
		{name: "no bounding known", o: Options{Privileged: true}, want: AllCaps},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.o.Args = []string{"sh"}
			s, err := Build(tt.o)
			if err != nil {
				t.Fatal(err)
			}
			c := s.Process.Capabilities
			for _, set := range [][]string{c.Bounding, c.Effective, c.Permitted} {
				if tt.want != nil && !reflect.DeepEqual(set, tt.want) {
					t.Errorf("got %v, want %v", set, tt.want)
				}
				for _, n := range tt.has {
					if !slices.Contains(set, n) {
						t.Errorf("%v lacks %s", set, n)
					}
				}
				for _, n := range tt.not {
					if slices.Contains(set, n) {
						t.Errorf("%v has %s", set, n)
					}
				}
			}
			if got := Unavailable(tt.o.CapAdd, tt.o.BoundingCaps); !reflect.DeepEqual(got, tt.missing) {
				t.Errorf("unavailable %v, want %v", got, tt.missing)
			}
		})
	}
}
