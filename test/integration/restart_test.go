package integration

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// waitInspect polls a container's inspect field until it reads want.
func waitInspect(t *testing.T, sb *sandbox, name, field, want string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		got := strings.TrimSpace(sb.OK("inspect", "-f", "{{"+field+"}}", name).Out)
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s of %s: %q, want %q", field, name, got, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// The monitor carries out --restart: there is no daemon to do it.
func TestRestartPolicies(t *testing.T) {
	sb := runSandbox(t)
	// on-failure:2 restarts a failing container twice, then leaves it.
	sb.OK("run", "-d", "--name", "fails", "--network", "none", "--restart", "on-failure:2", "bb", "sh", "-c", "echo run; exit 3")
	waitInspect(t, sb, "fails", ".RestartCount", "2", 10*time.Second)
	waitInspect(t, sb, "fails", ".State.Status", "exited", 5*time.Second)
	time.Sleep(time.Second)
	if n := inspectInt(t, sb, "fails", ".RestartCount"); n != 2 {
		t.Errorf("on-failure:2 restarted %d times", n)
	}
	if n := inspectInt(t, sb, "fails", ".State.ExitCode"); n != 3 {
		t.Errorf("exit code %d", n)
	}
	if got := strings.Count(sb.OK("logs", "fails").Out, "run"); got != 3 {
		t.Errorf("%d runs in the log, want 3", got)
	}
	if out := sb.OK("inspect", "-f", "{{.HostConfig.RestartPolicy.Name}} {{.HostConfig.RestartPolicy.MaximumRetryCount}}", "fails").Out; out != "on-failure 2\n" {
		t.Errorf("RestartPolicy: %q", out)
	}
	// on-failure leaves a container that succeeded.
	sb.OK("run", "-d", "--name", "fine", "--network", "none", "--restart", "on-failure", "bb", "true")
	waitInspect(t, sb, "fine", ".State.Status", "exited", 5*time.Second)
	time.Sleep(500 * time.Millisecond)
	if n := inspectInt(t, sb, "fine", ".RestartCount"); n != 0 {
		t.Errorf("on-failure restarted a container that exited 0 (%d times)", n)
	}

	// always restarts what exits, also with 0, until its user stops it.
	sb.OK("run", "-d", "--name", "always", "--network", "none", "--restart", "always", "bb", "sh", "-c", "sleep 0.2")
	waitInspect(t, sb, "always", ".RestartCount", "3", 15*time.Second)
	sb.OK("stop", "always")
	waitInspect(t, sb, "always", ".State.Status", "exited", 5*time.Second)
	n := inspectInt(t, sb, "always", ".RestartCount")
	time.Sleep(2 * time.Second)
	if st := strings.TrimSpace(sb.OK("inspect", "-f", "{{.State.Status}} {{.RestartCount}}", "always").Out); st != "exited "+strconv.Itoa(n) {
		t.Errorf("after stop: %s, want exited %d", st, n)
	}
	// Started by its user, it runs under its policy again, counting anew.
	sb.OK("start", "always")
	waitInspect(t, sb, "always", ".RestartCount", "1", 10*time.Second)

	// A restart's SIGKILL from outside is a failure like any other: an
	// unless-stopped container comes back.
	sb.OK("run", "-d", "--name", "killed", "--network", "none", "--restart", "unless-stopped", "bb", "sleep", "300")
	pid := inspectInt(t, sb, "killed", ".State.Pid")
	sb.OK("kill", "killed")
	waitInspect(t, sb, "killed", ".RestartCount", "1", 10*time.Second)
	waitInspect(t, sb, "killed", ".State.Status", "running", 5*time.Second)
	if inspectInt(t, sb, "killed", ".State.Pid") == pid {
		t.Error("the restarted container has the old pid")
	}

	// rm -f of containers that restart, running or waiting to: nothing of
	// skiff stays.
	sb.OK("rm", "-f", "fails", "fine", "always", "killed")
	if out := sb.OK("ps", "-aq").Out; out != "" {
		t.Errorf("containers left: %q", out)
	}
	waitNoProcesses(t)
}

// A passthrough container started again by its policy writes to the same
// streams: the caller's stdout ends only after the last run.
func TestRestartPassthrough(t *testing.T) {
	sb := runSandbox(t)
	outR, outW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer outR.Close()
	cmd := sb.Cmd("run", "-d", "--name", "pt", "--log-driver", "passthrough", "--restart", "on-failure:2", "--network", "none",
		"bb", "sh", "-c", "echo run; exit 1")
	cmd.Stdout = outW
	if err := cmd.Run(); err != nil {
		t.Fatalf("run -d: %v", err)
	}
	outW.Close()
	out := readToEnd(t, outR, 20*time.Second)
	if n := strings.Count(string(out), "run\n"); n != 3 {
		t.Errorf("%d runs wrote to the caller's stdout, want 3: %q", n, out)
	}
	waitInspect(t, sb, "pt", ".RestartCount", "2", 5*time.Second)
}

func TestRestartBadInput(t *testing.T) {
	sb := runSandbox(t)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--restart", "sometimes"}, "invalid --restart"},
		{[]string{"--restart", "on-failure:x"}, "retry count"},
		{[]string{"--restart", "always:2"}, "only on-failure"},
		{[]string{"--restart", "always", "--rm"}, "conflict"},
	} {
		sb.Fails(tt.want, append(append([]string{"run"}, tt.args...), "bb", "true")...)
	}
	if out := sb.OK("ps", "-aq").Out; out != "" {
		t.Errorf("bad input left containers: %q", out)
	}
}
