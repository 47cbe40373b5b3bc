package integration

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

// capMask reads the mask of a "CapXxx:\tHEX" line of /proc/PID/status.
func capMask(t *testing.T, status, key string) uint64 {
	t.Helper()
	for _, l := range strings.Split(status, "\n") {
		if v, ok := strings.CutPrefix(l, key+":"); ok {
			m, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			if err != nil {
				t.Fatalf("%s: %v", l, err)
			}
			return m
		}
	}
	t.Fatalf("no %s in %q", key, status)
	return 0
}

const (
	capNetAdmin    = 12
	capSysResource = 24
)

// --privileged and --cap-add ALL give the container every capability skiff
// has where it runs, which need not be all there are: this host's root
// lacks CAP_SYS_RESOURCE, as CI and Docker-in-Docker runners lack more.
// Rootless, they are the capabilities of skiff's user namespace.
func TestPrivilegedWithinCallerCaps(t *testing.T) {
	asUserAndRoot(t, func(t *testing.T, sb *sandbox) {
		withBusybox(sb)
		have := capMask(t, sb.OK("unshare", "cat", "/proc/self/status").Out, "CapBnd")
		if sb.user == nil {
			self, err := os.ReadFile("/proc/self/status")
			if err != nil {
				t.Fatal(err)
			}
			if own := capMask(t, string(self), "CapBnd"); own != have {
				t.Fatalf("skiff as root has bounding set %x, the test %x", have, own)
			}
		}
		tests := []struct {
			name string
			args []string
			want uint64
		}{
			{"privileged", []string{"--privileged"}, have},
			{"cap-add ALL", []string{"--cap-add=ALL"}, have},
			{"cap-add all, drop one", []string{"--cap-add", "all", "--cap-drop", "NET_ADMIN"}, have &^ (1 << capNetAdmin)},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := sb.in(t).OK(append(append([]string{"run", "--rm"}, tt.args...), "bb", "cat", "/proc/self/status")...)
				for _, set := range []string{"CapEff", "CapPrm", "CapBnd"} {
					if got := capMask(t, r.Out, set); got != tt.want {
						t.Errorf("%s %x, want %x", set, got, tt.want)
					}
				}
			})
		}
		// One asked for by name that skiff lacks: the container runs
		// without it, and one line says so.
		r := sb.OK("run", "--rm", "--cap-add", "SYS_RESOURCE", "bb", "cat", "/proc/self/status")
		got := capMask(t, r.Out, "CapEff")
		warned := strings.Contains(r.Err, "runs without CAP_SYS_RESOURCE")
		if have&(1<<capSysResource) != 0 {
			if got&(1<<capSysResource) == 0 || warned {
				t.Errorf("--cap-add SYS_RESOURCE where skiff has it: CapEff %x, stderr %q", got, r.Err)
			}
		} else if got&(1<<capSysResource) != 0 || !warned || strings.Count(strings.TrimSpace(r.Err), "\n") != 0 {
			t.Errorf("--cap-add SYS_RESOURCE where skiff lacks it: CapEff %x, want a one-line warning, stderr %q", got, r.Err)
		}
	})
}
