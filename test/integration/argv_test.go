package integration

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestDockerFlagHabits runs commands the way Docker users type them: flags
// after the names, values attached to short flags, Docker's template
// spellings. Each must act with the flag, not with the default first.
func TestDockerFlagHabits(t *testing.T) {
	sb := runSandbox(t)

	// Attached values; what follows the image is the program's.
	if out := sb.OK("run", "--rm", "-eFOO=bar", "-w/tmp", "bb", "sh", "-c", `echo $FOO $PWD "$@"`, "sh", "-t", "--rm").Out; out != "bar /tmp -t --rm\n" {
		t.Errorf("run -eFOO=bar -w/tmp: %q", out)
	}

	// A PID 1 sleep ignores SIGTERM: only -t 0 stops it at once.
	sb.OK("run", "-d", "--name", "talk", "bb", "sh", "-c", "echo one; echo two; exec sleep 600")
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(sb.OK("logs", "talk").Out, "two") {
		if time.Now().After(deadline) {
			t.Fatal("talk wrote nothing")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if out := sb.OK("logs", "talk", "--tail", "1").Out; out != "two\n" {
		t.Errorf("logs talk --tail 1: %q", out)
	}
	start := time.Now()
	sb.OK("stop", "talk", "-t", "0")
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("stop talk -t 0 took %v: the default timeout", d)
	}
	if st := strings.TrimSpace(sb.OK("inspect", "talk", "--format", "{{.State.Status}} {{.State.ExitCode}}").Out); st != "exited 137" {
		t.Errorf("after stop -t 0: %q", st)
	}

	// An unknown flag after the name fails before anything is done.
	sb.Fails("unknown flag --external", "rm", "talk", "--external")
	sb.OK("inspect", "--type", "container", "talk")

	sb.OK("run", "-d", "--name", "busy", "bb", "sleep", "600")
	sb.OK("rm", "busy", "-f")
	// -v after the name is taken as the flag, which is refused (no
	// volumes yet), and nothing is removed.
	sb.Fails("--volumes", "rm", "talk", "-v")
	sb.OK("inspect", "--type", "container", "talk")
	sb.OK("rm", "talk")
	if out := sb.OK("ps", "-a", "--format", "{{.Names}}").Out; out != "" {
		t.Errorf("left after rm NAME -f: %q", out)
	}

	// Docker's spellings of the id, and --format json.
	id := strings.TrimSpace(sb.OK("inspect", "bb", "--format", "{{.ID}}").Out)
	if !strings.HasPrefix(id, "sha256:") || strings.TrimSpace(sb.OK("image", "inspect", "bb", "-f", "{{.Id}}").Out) != id {
		t.Errorf("inspect bb --format {{.ID}}: %q", id)
	}
	out := sb.OK("inspect", "bb", "--format", "json").Out
	var objs []struct{ Id string } //nolint:revive // Docker's spelling
	if strings.Count(out, "\n") != 1 || json.Unmarshal([]byte(out), &objs) != nil || len(objs) != 1 || objs[0].Id != id {
		t.Errorf("inspect --format json: %q", out)
	}
}
