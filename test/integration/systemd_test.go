package integration

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Under a Type=notify unit the supervisor tells systemd READY once the
// container runs, naming itself (the container's owner) as MAINPID.
func TestSDNotify(t *testing.T) {
	sb := runSandbox(t)
	// Where the test user can reach it.
	sock := filepath.Join(sb.Home, "notify.sock")
	l, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	os.Chmod(sock, 0o777)
	run := func(args ...string) {
		t.Helper()
		cmd := sb.Cmd(args...)
		cmd.Env = append(cmd.Env, "NOTIFY_SOCKET="+sock)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("skiff %v: %v: %s", args, err, out)
		}
	}
	read := func() string {
		buf := make([]byte, 512)
		l.SetReadDeadline(time.Now().Add(time.Second))
		n, err := l.Read(buf)
		if err != nil {
			return ""
		}
		return string(buf[:n])
	}
	run("run", "-d", "--name", "svc", "--network", "none", "bb", "sleep", "300")
	got := read()
	want := fmt.Sprintf("MAINPID=%d\nREADY=1\n", inspectInt(t, sb, "svc", ".State.SupervisorPid"))
	if got != want {
		t.Errorf("notification: %q, want %q", got, want)
	}
	run("run", "-d", "--name", "quiet", "--sdnotify", "ignore", "--network", "none", "bb", "sleep", "300")
	if got := read(); got != "" {
		t.Errorf("--sdnotify=ignore sent %q", got)
	}
	// start also notifies (a unit running `skiff start NAME`).
	sb.OK("stop", "-t", "0", "svc")
	run("start", "svc")
	if got := read(); !strings.Contains(got, "READY=1") {
		t.Errorf("start: %q", got)
	}
	sb.Fails("not supported yet", "run", "--rm", "--sdnotify", "container", "bb", "true")
	sb.Fails("invalid --sdnotify", "run", "--rm", "--sdnotify", "always", "bb", "true")
}
