package integration

import (
	"strings"
	"syscall"
	"testing"
	"time"
)

// waitRunning waits until the container name runs.
func waitRunning(t *testing.T, sb *sandbox, name string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		r := sb.Skiff("inspect", "-f", "{{.State.Status}}", name)
		if r.Code == 0 && strings.TrimSpace(r.Out) == "running" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never ran: %s", name, r)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitRemoved waits until no container is left; the container sleeps 2
// seconds, so 15 are plenty.
func waitRemoved(t *testing.T, sb *sandbox, why string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		out := strings.TrimSpace(sb.OK("ps", "-a", "--format", "{{.Names}} {{.Status}}").Out)
		if out == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: the --rm container stayed behind: %q", why, out)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// A --rm container goes when it exits, also when the CLI attached to it
// is gone before: killed, hung up on, or detached.
func TestAutoRemoveWithoutCaller(t *testing.T) {
	sb := runSandbox(t)
	t.Run("sigkill", func(t *testing.T) {
		sb := sb.in(t)
		cmd := sb.Cmd("run", "--rm", "--name", "k", "bb", "sleep", "2")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		waitRunning(t, sb, "k")
		cmd.Process.Kill()
		cmd.Wait()
		waitRemoved(t, sb, "after SIGKILL of the attached CLI")
	})
	t.Run("sighup", func(t *testing.T) {
		sb := sb.in(t)
		p := openPty(t, 24, 80)
		cmd := sb.onPty(t, p, "run", "--rm", "-it", "--name", "hup", "bb", "sleep", "2")
		waitRunning(t, sb, "hup")
		cmd.Process.Signal(syscall.SIGHUP)
		cmd.Wait()
		waitRemoved(t, sb, "after SIGHUP of the attached CLI")
	})
	t.Run("detach", func(t *testing.T) {
		sb := sb.in(t)
		p := openPty(t, 24, 80)
		cmd := sb.onPty(t, p, "run", "--rm", "-it", "--name", "d", "bb", "sh", "-c", "echo ready; sleep 2")
		// Raw mode is on once the container's output shows.
		p.waitFor(t, "ready")
		p.send("\x10\x11")
		if err := cmd.Wait(); err != nil {
			t.Fatalf("detach: %v; terminal: %q", err, p.Output())
		}
		if got := strings.TrimSpace(sb.OK("inspect", "-f", "{{.State.Status}}", "d").Out); got != "running" {
			t.Errorf("just after the detach the container is %s", got)
		}
		waitRemoved(t, sb, "after a detach")
	})
	// Attached to its end, the CLI gets the exit status, and the container
	// is gone when it returns.
	t.Run("attached", func(t *testing.T) {
		sb := sb.in(t)
		for _, args := range [][]string{
			{"run", "--rm", "bb", "sh", "-c", "exit 3"},
			{"run", "--rm", "bb", "sh", "-c", "sleep 0.3; exit 3"},
		} {
			r := sb.Skiff(args...)
			if r.Code != 3 {
				t.Fatalf("%v: %s", args, r)
			}
			if out := sb.OK("ps", "-aq").Out; out != "" {
				t.Errorf("%v: containers left when run returned: %q", args, out)
			}
		}
		sb.OK("create", "--rm", "--name", "c", "bb", "sh", "-c", "exit 4")
		if r := sb.Skiff("start", "-a", "c"); r.Code != 4 {
			t.Fatalf("start -a: %s", r)
		}
		if out := sb.OK("ps", "-aq").Out; out != "" {
			t.Errorf("start -a of a --rm container: containers left: %q", out)
		}
	})
}
