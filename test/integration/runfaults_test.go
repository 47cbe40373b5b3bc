package integration

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// userProcesses lists the test user's processes (pid and command).
func userProcesses(t *testing.T) []string {
	t.Helper()
	if st.user == nil {
		t.Skip("needs a dedicated test user")
	}
	out, _ := exec.Command("ps", "-u", strconv.Itoa(st.user.UID), "-o", "pid=,args=").Output()
	var procs []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if strings.TrimSpace(l) != "" {
			procs = append(procs, strings.TrimSpace(l))
		}
	}
	return procs
}

// waitNoProcesses fails unless the test user has no process left.
func waitNoProcesses(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		procs := userProcesses(t)
		if len(procs) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("processes left behind: %v", procs)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func inspectInt(t *testing.T, sb *sandbox, name, field string) int {
	t.Helper()
	n, err := strconv.Atoi(strings.TrimSpace(sb.OK("inspect", "-f", "{{"+field+"}}", name).Out))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// Nothing of skiff runs once its containers are gone.
func TestNoProcessLeft(t *testing.T) {
	sb := runSandbox(t)
	waitNoProcesses(t)
	sb.OK("run", "--rm", "bb", "true")
	waitNoProcesses(t)
	sb.OK("run", "-d", "--name", "d1", "bb", "sleep", "60")
	if len(userProcesses(t)) == 0 {
		t.Fatal("no supervisor while a container runs")
	}
	sb.OK("stop", "-t", "0", "d1")
	waitNoProcesses(t)
	// A detached --rm container removes itself when it exits.
	sb.OK("run", "-d", "--rm", "--name", "d2", "bb", "sh", "-c", "sleep 0.3")
	deadline := time.Now().Add(10 * time.Second)
	for strings.Contains(sb.OK("ps", "-a", "--format", "{{.Names}}").Out, "d2") {
		if time.Now().After(deadline) {
			t.Fatal("detached --rm container was not removed")
		}
		time.Sleep(100 * time.Millisecond)
	}
	waitNoProcesses(t)
}

// mountedIn reports whether any line of a process's mountinfo mentions s.
func mountedIn(pid int, s string) bool {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/mountinfo", pid))
	return err == nil && strings.Contains(string(data), s)
}

func TestSupervisorKilled(t *testing.T) {
	sb := runSandbox(t)
	for _, neighbour := range []bool{false, true} {
		t.Run(fmt.Sprintf("neighbour=%v", neighbour), func(t *testing.T) {
			sb := sb.in(t)
			var npid int
			if neighbour {
				// Another container keeps the namespace (and its mounts)
				// alive, so the dead one's mount must be cleaned by rm.
				sb.OK("run", "-d", "--name", "neighbour", "bb", "sleep", "60")
				npid = inspectInt(t, sb, "neighbour", ".State.SupervisorPid")
			}
			id := strings.TrimSpace(sb.OK("run", "-d", "--name", "victim", "bb", "sleep", "60").Out)
			spid := inspectInt(t, sb, "victim", ".State.SupervisorPid")
			cpid := inspectInt(t, sb, "victim", ".State.Pid")
			if err := syscall.Kill(spid, syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			// The container dies with its supervisor.
			deadline := time.Now().Add(10 * time.Second)
			for syscall.Kill(cpid, 0) == nil {
				if time.Now().After(deadline) {
					t.Fatalf("container process %d outlived its supervisor", cpid)
				}
				time.Sleep(20 * time.Millisecond)
			}
			if got := strings.TrimSpace(sb.OK("ps", "-a", "--filter", "name=victim", "--format", "{{.State}}").Out); got != "exited" {
				t.Errorf("ps shows the victim as %q", got)
			}
			if got := inspectInt(t, sb, "victim", ".State.ExitCode"); got != 137 {
				t.Errorf("exit code %d, want 137", got)
			}
			sb.OK("rm", "victim")
			if neighbour {
				if mountedIn(npid, id) {
					t.Error("the victim's root file system is still mounted in the shared namespace")
				}
				sb.OK("rm", "-f", "neighbour")
			}
			waitNoProcesses(t)
		})
	}
}

// A CLI killed at any moment of `run -d` leaves nothing that ps -a does not
// show or rm cannot remove.
func TestCLIKilledDuringRun(t *testing.T) {
	sb := runSandbox(t)
	for i, d := range []time.Duration{0, 5, 10, 20, 30, 40, 60, 80, 120, 200} {
		cmd := sb.Cmd("run", "-d", "--name", fmt.Sprintf("k%d", i), "bb", "sleep", "60")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(d * time.Millisecond)
		cmd.Process.Kill()
		cmd.Wait()
	}
	ids := strings.Fields(sb.OK("ps", "-aq").Out)
	t.Logf("%d of 10 killed runs left a container", len(ids))
	if len(ids) > 0 {
		sb.OK(append([]string{"rm", "-f"}, ids...)...)
	}
	if out := sb.OK("ps", "-aq").Out; out != "" {
		t.Errorf("containers left after rm -f: %q", out)
	}
	// A kill between the layer and the record leaves a layer no command
	// shows; the cleanup verbs collect it.
	sb.OK("container", "prune", "-f")
	// Layers: only the image's remain.
	if n := countLayers(t, sb); n != 1 {
		t.Errorf("%d layers left, want the image's 1", n)
	}
	waitNoProcesses(t)
}

func TestParallelRuns(t *testing.T) {
	sb := runSandbox(t)
	const n = 50
	var wg sync.WaitGroup
	results := make([]result, n)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = sb.Skiff("run", "-d", "bb", "sleep", "120")
		}()
	}
	wg.Wait()
	for i, r := range results {
		if r.Code != 0 {
			t.Fatalf("run %d: %s", i, r)
		}
	}
	ids := strings.Fields(sb.OK("ps", "-q").Out)
	if len(ids) != n {
		t.Fatalf("ps lists %d running containers, want %d", len(ids), n)
	}
	// Every one of them is reachable from one later command.
	for _, id := range ids[:5] {
		sb.OK("exec", id, "true")
	}
	sb.OK(append([]string{"rm", "-f"}, ids...)...)
	if out := sb.OK("ps", "-aq").Out; out != "" {
		t.Errorf("containers left: %q", out)
	}
	waitNoProcesses(t)
}
