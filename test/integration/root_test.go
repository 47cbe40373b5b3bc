package integration

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// rootRunSandbox is a root sandbox with the busybox image as "bb"; its
// containers are removed at the end.
func rootRunSandbox(t *testing.T) *sandbox {
	t.Helper()
	return withBusybox(newRootSandbox(t))
}

// The run path as root: no user namespace of skiff's, real ids, cgroups of
// the host's kind.
func TestRunAsRoot(t *testing.T) {
	sb := rootRunSandbox(t)
	if got := strings.TrimSpace(sb.OK("info", "-f", "{{.Host.Rootless}} {{.Host.IDMapping}}").Out); got != "false host" {
		t.Errorf("info as root: %q", got)
	}
	if r := sb.Skiff("run", "--rm", "bb", "sh", "-c", "echo $$; exit 4"); r.Code != 4 || r.Out != "1\n" {
		t.Errorf("run as root: %s", r)
	}
	if r := sb.Skiff("run", "--rm", "bb", "nosuchcmd"); r.Code != 127 {
		t.Errorf("missing command as root: %s", r)
	}
	// Files keep their owners as they are in the image (no shifting).
	if out := sb.OK("run", "--rm", "bb", "stat", "-c", "%u", "/home/app/owned-by-app").Out; out != "1000\n" {
		t.Errorf("owner in container: %q", out)
	}
	// --userns=auto: a range of its own, files shifted into it.
	out := strings.Fields(sb.OK("run", "--rm", "--userns=auto", "bb", "sh", "-c", "cat /proc/self/uid_map; stat -c %u /home/app/owned-by-app; touch /w && echo ok").Out)
	if len(out) != 5 || out[0] != "0" || out[2] != "65536" || out[3] != "1000" || out[4] != "ok" {
		t.Errorf("--userns=auto: %v", out)
	} else if host, _ := strconv.Atoi(out[1]); host < autoStart || host >= autoStart+65536 {
		t.Errorf("--userns=auto mapped to host id %d, outside the containers range", host)
	}
	sb.Fails("invalid --userns", "run", "--userns=bogus", "bb")
	sb.OK("run", "-d", "--name", "r1", "bb", "sh", "-c", "echo up; sleep 60")
	waitLog(t, sb, "r1", "up")
	if out := sb.OK("exec", "-u", "app", "r1", "id", "-un").Out; out != "app\n" {
		t.Errorf("exec as root: %q", out)
	}
	start := time.Now()
	sb.OK("stop", "-t", "1", "r1")
	if time.Since(start) > 10*time.Second {
		t.Error("stop took too long")
	}
	if got := strings.TrimSpace(sb.OK("inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", "r1").Out); got != "exited 137" {
		t.Errorf("after stop: %q", got)
	}
	sb.OK("rm", "r1")
	if out := sb.OK("ps", "-aq").Out; out != "" {
		t.Errorf("left: %q", out)
	}
}

// --userns=auto runs the container as an unprivileged host id, which must
// reach its root file system; no other local user may. The graph root
// stays private (an earlier skiff opened it to everyone's search, and
// that is undone), and nothing stays mounted once the container is gone.
func TestUsernsAutoKeepsStorePrivate(t *testing.T) {
	sb := rootRunSandbox(t)
	if st.noSub == nil {
		t.Skip("needs a second user")
	}
	graph := sb.GraphRoot()
	if err := os.Chmod(graph, 0o701); err != nil {
		t.Fatal(err)
	}
	sb.OK("run", "-d", "--name", "p", "--userns=auto", "bb", "sh", "-c", "echo secret > /secret; echo up; sleep 60")
	waitLog(t, sb, "p", "up")
	id := strings.TrimSpace(sb.OK("inspect", "-f", "{{.Id}}", "p").Out)
	if fi, err := os.Stat(graph); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("graph root %s while a --userns=auto container runs: %v %v, want mode 0700", graph, fi.Mode(), err)
	}
	// Every place the container's file can be seen from the host.
	var paths []string
	filepath.WalkDir(graph, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Name() == "secret" {
			paths = append(paths, p)
		}
		return nil
	})
	runRoot := filepath.Join(sb.Run, "skiff")
	paths = append(paths, filepath.Join(runRoot, "idmapped", id, "rootfs", "secret"))
	if len(paths) < 2 {
		t.Fatalf("found the container's file only at %v", paths)
	}
	for _, p := range paths {
		if _, err := os.ReadFile(p); err != nil {
			t.Fatalf("root cannot read %s: %v", p, err)
		}
		cat := exec.Command("cat", p)
		cat.SysProcAttr = &syscall.SysProcAttr{Credential: st.noSub.Credential()}
		if out, err := cat.CombinedOutput(); err == nil {
			t.Errorf("user %s read a running container's file %s: %q", st.noSub.Name, p, out)
		}
	}
	if out := sb.OK("exec", "p", "cat", "/secret").Out; out != "secret\n" {
		t.Errorf("exec in the container: %q", out)
	}
	sb.OK("stop", "-t", "0", "p")
	sb.OK("start", "p")
	waitLog(t, sb, "p", "up")
	sb.OK("rm", "-f", "p")
	mounts, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(mounts), id) {
		t.Errorf("mounts of the removed container are left:\n%s", mounts)
	}
	if _, err := os.Lstat(filepath.Join(runRoot, "idmapped", id)); !os.IsNotExist(err) {
		t.Errorf("the container's idmapped directory is left: %v", err)
	}
}
