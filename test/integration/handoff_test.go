package integration

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The supervisor watches a container that ends at once itself, and hands
// a container that goes on over to skiff-monitor, which keeps its pid.
func TestSupervisorHandoff(t *testing.T) {
	sb := runSandbox(t)
	t.Run("long-lived goes to skiff-monitor", func(t *testing.T) {
		sb := sb.in(t)
		sb.OK("run", "-d", "--name", "long", "bb", "sleep", "60")
		spid := inspectInt(t, sb, "long", ".State.SupervisorPid")
		deadline := time.Now().Add(5 * time.Second)
		for {
			comm, err := os.ReadFile("/proc/" + strconv.Itoa(spid) + "/comm")
			if err != nil {
				t.Fatalf("supervisor %d: %v", spid, err)
			}
			if strings.TrimSpace(string(comm)) == "skiff-monitor" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("supervisor %d is still %q", spid, strings.TrimSpace(string(comm)))
			}
			time.Sleep(20 * time.Millisecond)
		}
		sb.OK("rm", "-f", "long")
	})
	tests := []struct {
		name string
		args []string
		want func(r result) bool
	}{
		// More than a pipe holds, written while nothing copies yet.
		{"output beyond the pipe's buffer", []string{"bb", "sh", "-c", "head -c 300000 /dev/zero | tr '\\0' x"},
			func(r result) bool { return r.Code == 0 && len(r.Out) == 300000 && strings.Trim(r.Out, "x") == "" }},
		{"both streams and the exit code", []string{"bb", "sh", "-c", "echo out; echo err >&2; exit 3"},
			func(r result) bool { return r.Code == 3 && r.Out == "out\n" && r.Err == "err\n" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := sb.in(t).Skiff(append([]string{"run", "--rm"}, tt.args...)...)
			if !tt.want(r) {
				if len(r.Out) > 200 {
					r.Out = r.Out[:200] + "..."
				}
				t.Errorf("got %s", r)
			}
		})
	}
	// A supervisor started ahead of its container ends with the start
	// that fails before it: no process stays.
	t.Run("given up before the container", func(t *testing.T) {
		sb := sb.in(t)
		sb.OK("create", "--name", "taken", "bb", "true")
		for _, args := range [][]string{
			{"run", "--name", "taken", "bb", "true"},                // name in use: fails creating
			{"run", "--rm", "--pull=never", "nosuch:image", "true"}, // no image
			{"run", "--rm", "bb", "nosuchcommand"},                  // fails building the spec
			{"run", "-d", "--rm", "bb", "nosuchcommand"},
		} {
			if r := sb.Skiff(args...); r.Code == 0 {
				t.Errorf("%v succeeded: %s", args, r)
			}
		}
		sb.OK("rm", "taken")
		waitNoProcesses(t)
	})
	// A detached --rm container that ends at once is removed all the same.
	sb.OK("run", "-d", "--rm", "--name", "brief", "bb", "true")
	deadline := time.Now().Add(10 * time.Second)
	for strings.TrimSpace(sb.OK("ps", "-aq", "--filter", "name=brief").Out) != "" {
		if time.Now().After(deadline) {
			t.Fatal("a detached --rm container that exited at once was not removed")
		}
		time.Sleep(50 * time.Millisecond)
	}
	waitNoProcesses(t)
}
