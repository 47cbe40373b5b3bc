package integration

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
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

// A container that fills the disk of its store: run reports the
// program's own exit, the state and the log's last lines are kept, and
// rm and rmi free the space even when the disk is full.
func TestFullDisk(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting a tmpfs needs root")
	}
	for name, mk := range map[string]func(*testing.T) *sandbox{"rootless": newSandbox, "root": newRootSandbox} {
		t.Run(name, func(t *testing.T) { testFullDisk(t, mk(t).in(t)) })
	}
}

func testFullDisk(t *testing.T, sb *sandbox) {
	dir := filepath.Join(sb.Home, "small")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// Room for the image (about 2 MB) and a container that fills the rest.
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=20m,mode=0755", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Fatalf("mount tmpfs: %v: %s", err, out)
	}
	t.Cleanup(func() { _ = syscall.Unmount(dir, syscall.MNT_DETACH) })
	if sb.user != nil {
		if err := os.Chown(dir, sb.user.UID, sb.user.GID); err != nil {
			t.Fatal(err)
		}
	}
	sb.setRoot(filepath.Join(dir, "store"))
	sb.OK("pull", "-q", st.busybox)
	t.Cleanup(func() { sb.Skiff("rm", "-f", "filler") })
	pulled := usedBytes(t, dir)

	r := sb.Skiff("run", "--name", "filler", st.busybox, "dd", "if=/dev/zero", "of=/fill", "bs=64k")
	if r.Code != 1 || !strings.Contains(r.Err, "No space left on device") {
		t.Fatalf("run of a container that fills the disk: want dd's exit 1 and its complaint, got %s", r)
	}
	got := strings.Fields(sb.OK("inspect", "-f", "{{.State.Status}} {{.State.ExitCode}} {{.State.StartedAt}} {{.State.FinishedAt}}", "filler").Out)
	if len(got) != 4 || got[0] != "exited" || got[1] != "1" {
		t.Fatalf("inspect after the disk filled: %v", got)
	}
	started, err1 := time.Parse(time.RFC3339Nano, got[2])
	finished, err2 := time.Parse(time.RFC3339Nano, got[3])
	if err1 != nil || err2 != nil || finished.Before(started) {
		t.Errorf("StartedAt %s, FinishedAt %s: want the finish after the start", got[2], got[3])
	}
	if ps := sb.OK("ps", "-a", "--format", "{{.Status}}").Out; !strings.HasPrefix(ps, "Exited (1)") {
		t.Errorf("ps -a: %q", ps)
	}
	if logs := sb.OK("logs", "filler"); !strings.Contains(logs.Out+logs.Err, "No space left on device") {
		t.Errorf("the log lost dd's last words: %s", logs)
	}
	// Take the last bytes too, so that rm finds no room at all.
	if err := exec.Command("dd", "if=/dev/zero", "of="+filepath.Join(dir, "rest"), "bs=4k").Run(); err == nil {
		t.Fatal("filling the rest of the tmpfs did not fill it")
	}
	sb.OK("rm", "-f", "filler")
	sb.OK("rmi", "-f", st.busybox)
	if err := os.Remove(filepath.Join(dir, "rest")); err != nil {
		t.Fatal(err)
	}
	if used := usedBytes(t, dir); used >= pulled {
		t.Errorf("the tmpfs holds %d bytes after rm and rmi, %d with only the image", used, pulled)
	}
}

func usedBytes(t *testing.T, dir string) int64 {
	t.Helper()
	var fs syscall.Statfs_t
	if err := syscall.Statfs(dir, &fs); err != nil {
		t.Fatal(err)
	}
	return int64(fs.Blocks-fs.Bfree) * fs.Bsize
}
