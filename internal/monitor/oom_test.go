package monitor

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// fakeCgroups is a parent memory cgroup with the container's inside.
func fakeCgroups(t *testing.T) (parent, ctr string) {
	parent = t.TempDir()
	ctr = filepath.Join(parent, "skiff-x.scope")
	if err := os.Mkdir(ctr, 0o755); err != nil {
		t.Fatal(err)
	}
	setKills(t, parent, 3)
	setKills(t, ctr, 0)
	return parent, ctr
}

func setKills(t *testing.T, dir string, n int) {
	t.Helper()
	data := fmt.Sprintf("low 0\nhigh 0\nmax 5\noom 1\noom_kill %d\noom_group_kill 0\n", n)
	if err := os.WriteFile(filepath.Join(dir, "memory.events"), []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestOOMWatch(t *testing.T) {
	const sigkill = 137
	for _, tc := range []struct {
		name string
		// at the end: the container's count (-1: its cgroup is gone),
		// the parent's, the exit code
		own, parent, code int
		sibling           bool // a sibling's kill the watch saw first
		want              bool
	}{
		{"own count", 1, 4, sigkill, false, true},
		{"own count 0", 0, 4, sigkill, false, false},
		{"gone, parent's grew", -1, 4, sigkill, false, true},
		{"gone, parent's grew, exited", -1, 4, 1, false, false},
		{"gone, parent's same", -1, 3, sigkill, false, false},
		{"gone, a sibling's kill", -1, 4, sigkill, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			parent, ctr := fakeCgroups(t)
			base := OOMBase([]string{ctr})
			if base == nil || *base != 3 {
				t.Fatalf("OOMBase = %v, want 3", base)
			}
			w := watchOOM([]string{ctr}, base)
			if tc.sibling {
				setKills(t, parent, 4)
				w.update()
			}
			// In the kernel's order: the container's count, then its
			// parent's.
			if tc.own < 0 {
				os.RemoveAll(ctr)
			} else {
				setKills(t, ctr, tc.own)
			}
			setKills(t, parent, tc.parent)
			if got := w.killed(tc.code); got != tc.want {
				t.Errorf("killed = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestOOMWatchGoneBeforeStart(t *testing.T) {
	parent, ctr := fakeCgroups(t)
	base := OOMBase([]string{ctr})
	os.RemoveAll(ctr)
	setKills(t, parent, 4)
	if w := watchOOM([]string{ctr}, base); !w.killed(137) {
		t.Error("a kill in a cgroup gone before the watch started was missed")
	}
	if w := watchOOM([]string{ctr}, nil); w != nil {
		t.Error("watch without a cgroup or a base")
	}
}

func TestHandoffOOMBase(t *testing.T) {
	n := uint64(7)
	for _, base := range []*uint64{nil, &n} {
		h, err := ParseHandoff(Handoff{OOMBase: base}.Args())
		if err != nil {
			t.Fatal(err)
		}
		if (h.OOMBase == nil) != (base == nil) || base != nil && *h.OOMBase != *base {
			t.Errorf("OOMBase %v came back as %v", base, h.OOMBase)
		}
	}
}
