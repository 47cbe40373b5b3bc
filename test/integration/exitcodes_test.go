package integration

import (
	"strings"
	"testing"
)

// Exit codes and error lines as Docker's CLI gives them
// (docs/exit-codes.md), on real containers, rootless and as root.
func TestDockerExitCodes(t *testing.T) {
	for name, mk := range map[string]func(*testing.T) *sandbox{"rootless": newSandbox, "root": newRootSandbox} {
		t.Run(name, func(t *testing.T) {
			sb := mk(t).in(t)
			sb.OK("pull", "-q", st.busybox)
			sb.OK("tag", st.busybox, "bb")
			sb.OK("run", "-d", "--name", "up", "--network", "none", "bb", "sleep", "600")
			sb.OK("create", "--name", "down", "--network", "none", "bb", "true")

			sb.FailsWith(1, `cannot remove container "/up": container is running: stop the container before removing or force remove`, "rm", "up")
			sb.FailsWith(1, "is not running", "exec", "down", "true")
			sb.FailsWith(1, "No such container: gone", "exec", "gone", "true")
			sb.FailsWith(1, "No such container: gone", "start", "gone")
			sb.FailsWith(1, "No such network: gone", "network", "rm", "gone")
			sb.FailsWith(1, "No such image: gone", "rmi", "gone")
			sb.FailsWith(1, "No such container: gone", "stop", "gone")
			sb.Fails("unknown flag --bogus", "stop", "--bogus", "up")

			// The command's own codes: 127 not found, 126 not runnable.
			if r := sb.Skiff("exec", "up", "/no/such/cmd"); r.Code != 127 {
				t.Errorf("exec of a missing command: %s", r)
			}
			if r := sb.Skiff("exec", "up", "/etc"); r.Code != 126 {
				t.Errorf("exec of a directory: %s", r)
			}
			if r := sb.Skiff("run", "--rm", "--network", "none", "bb", "/no/such/cmd"); r.Code != 127 {
				t.Errorf("run of a missing command: %s", r)
			}
			if r := sb.Skiff("run", "--rm", "--network", "none", "bb", "sh", "-c", "exit 3"); r.Code != 3 {
				t.Errorf("run's exit status: %s", r)
			}

			// rm -f of one that is not there: done, silently; the others
			// named are removed.
			if r := sb.Skiff("rm", "-f", "gone"); r.Code != 0 || r.Out != "" || r.Err != "" {
				t.Errorf("rm -f of a missing container: %s", r)
			}
			r := sb.Skiff("rm", "down", "gone")
			if r.Code != 1 || r.Out != "down\n" || strings.Count(r.Err, "Error: No such container: gone\n") != 1 {
				t.Errorf("rm of one there and one not: %s", r)
			}
			if r := sb.Skiff("rm", "-f", "up", "gone"); r.Code != 0 || r.Out != "up\n" || r.Err != "" {
				t.Errorf("rm -f of one running and one missing: %s", r)
			}
			if out := sb.OK("ps", "-aq").Out; out != "" {
				t.Errorf("left: %q", out)
			}
		})
	}
}
