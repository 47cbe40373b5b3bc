package integration

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Under a Type=notify unit the supervisor tells systemd READY once the
// container runs, naming itself (the container's owner) as MAINPID.
func TestSDNotify(t *testing.T) {
	sb := runSandbox(t)
	run, read := systemdNotify(t, sb)
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
	sb.Fails("invalid --sdnotify", "run", "--rm", "--sdnotify", "always", "bb", "true")
}

// systemdNotify plays systemd's notify socket for sb: run runs skiff
// under it, read returns the next notification ("" after a second
// without one).
func systemdNotify(t *testing.T, sb *sandbox) (run func(args ...string), read func() string) {
	t.Helper()
	// Where the test user can reach it.
	sock := filepath.Join(sb.Home, "notify.sock")
	l, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	os.Chmod(sock, 0o777)
	run = func(args ...string) {
		t.Helper()
		cmd := sb.Cmd(args...)
		cmd.Env = append(cmd.Env, "NOTIFY_SOCKET="+sock)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("skiff %v: %v: %s", args, err, out)
		}
	}
	read = func() string {
		buf := make([]byte, 512)
		l.SetReadDeadline(time.Now().Add(time.Second))
		n, err := l.Read(buf)
		if err != nil {
			return ""
		}
		return string(buf[:n])
	}
	return run, read
}

// --sdnotify=container: the supervisor names itself MAINPID at the start,
// and READY comes when the container's program says it, relayed through
// a socket mounted into the container, without the program's MAINPID.
func TestSDNotifyContainer(t *testing.T) {
	tests := []struct {
		name    string
		sandbox func(*testing.T) *sandbox
		args    []string
	}{
		{"rootless", runSandbox, nil},
		// Another user of the container, an unprivileged host id: the
		// socket is open to it.
		{"rootless other user", runSandbox, []string{"--user", "1000:1000"}},
		// The container's root is an unprivileged host id too, which
		// must reach the socket's directory through the run root.
		{"root userns auto", rootRunSandbox, []string{"--userns=auto"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sb := tt.sandbox(t)
			sb.OK("pull", "-q", st.netimg)
			sb.OK("tag", st.netimg, "net")
			run, read := systemdNotify(t, sb)
			// The program says READY once the test opens this gate.
			gate := filepath.Join(sb.Home, "gate")
			if err := os.Mkdir(gate, 0o777); err != nil {
				t.Fatal(err)
			}
			os.Chmod(gate, 0o777)
			args := append([]string{"run", "-d", "--name", "svc", "--sdnotify", "container", "--network", "none", "-v", gate + ":/gate"}, tt.args...)
			run(append(args, "net", "sh", "-c",
				"while [ ! -e /gate/open ]; do sleep 0.1; done; netutil notify MAINPID=1 READY=1 STATUS=serving; sleep 300")...)
			want := fmt.Sprintf("MAINPID=%d\n", inspectInt(t, sb, "svc", ".State.SupervisorPid"))
			if got := read(); got != want {
				t.Fatalf("at the start: %q, want %q", got, want)
			}
			if got := read(); got != "" {
				t.Fatalf("before the container said READY: %q", got)
			}
			if err := os.WriteFile(filepath.Join(gate, "open"), nil, 0o644); err != nil {
				t.Fatal(err)
			}
			if got := read(); got != "READY=1\nSTATUS=serving\n" {
				t.Errorf("relayed: %q (container log: %s)", got, sb.Skiff("logs", "svc"))
			}
			// Without a unit's socket the container gets none.
			if r := sb.Skiff("run", "--rm", "--sdnotify", "container", "--network", "none", "net", "sh", "-c", "echo ${NOTIFY_SOCKET:-unset}; ls /run/notify"); r.Out != "unset\n" || !strings.Contains(r.Err, "No such file") {
				t.Errorf("without NOTIFY_SOCKET: %s", r)
			}
		})
	}
}

// generate systemd writes units systemd accepts; the --new unit's
// ExecStart, run as written, makes the same container again.
func TestGenerateSystemd(t *testing.T) {
	sb := runSandbox(t)
	sb.OK("run", "-dit", "--name", "web", "--network", "none", "-e", "MSG=hello $USER \"world\" 100%", "bb",
		"sh", "-c", `echo "$MSG" > /tmp/msg; sleep 300`)
	plain := sb.OK("generate", "systemd", "web").Out
	// The unit names this store by absolute paths: systemd runs it from /.
	for _, want := range []string{"Type=notify", "NotifyAccess=all", " start web\n", " stop -t 10 web\n", "TimeoutStopSec=70", " --root /", " --runroot /"} {
		if !strings.Contains(plain, want) {
			t.Errorf("unit lacks %q:\n%s", want, plain)
		}
	}
	unit := sb.OK("generate", "systemd", "--new", "web").Out
	dir := t.TempDir()
	files := map[string]string{"container-web.service": unit, "plain-web.service": plain}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if verify, err := exec.LookPath("systemd-analyze"); err == nil {
		cmd := exec.Command(verify, "verify", filepath.Join(dir, "container-web.service"), filepath.Join(dir, "plain-web.service"))
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("systemd-analyze verify: %v: %s", err, out)
		}
	}
	var execStart string
	for _, l := range strings.Split(unit, "\n") {
		if v, ok := strings.CutPrefix(l, "ExecStart="); ok {
			execStart = v
		}
	}
	if !strings.Contains(execStart, "--replace --rm -d --sdnotify=supervisor --name web -it") || strings.Contains(execStart, "-dit") {
		t.Fatalf("ExecStart: %s", execStart)
	}
	// Run it as systemd would: %t/%n expanded, $$ as a literal $. In
	// sh's double quotes, \$ is that.
	line := strings.ReplaceAll(execStart, "%t/%n.ctr-id", filepath.Join(sb.Home, "web.ctr-id"))
	line = strings.ReplaceAll(strings.ReplaceAll(line, "%%", "%"), "$$", `\$`)
	cmd := exec.Command("sh", "-c", line)
	cmd.Env, cmd.Dir = sb.env, sb.Home
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: sb.user.Credential()}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v: %s", line, err, out)
	}
	var msg string
	for range 50 {
		if msg = sb.Skiff("exec", "web", "cat", "/tmp/msg").Out; msg != "" {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if msg != "hello $USER \"world\" 100%\n" {
		t.Errorf("the recreated container's environment: %q", msg)
	}
	sb.Fails("exactly one container", "generate", "systemd")
	sb.FailsWith(1, "No such container", "generate", "systemd", "nosuch")
	sb.Fails("invalid --restart-policy", "generate", "systemd", "--restart-policy", "sometimes", "web")

	// A container's --restart becomes the unit's Restart=; the --new
	// unit's container has no policy of its own (systemd restarts it).
	sb.OK("create", "--name", "always", "--restart", "unless-stopped", "--network", "none", "bb", "sleep", "300")
	u := sb.OK("generate", "systemd", "--new", "always").Out
	if !strings.Contains(u, "Restart=always\n") || strings.Contains(u, "unless-stopped") {
		t.Errorf("unit of a --restart unless-stopped container:\n%s", u)
	}
	if u := sb.OK("generate", "systemd", "--restart-policy", "on-abnormal", "always").Out; !strings.Contains(u, "Restart=on-abnormal\n") {
		t.Errorf("--restart-policy on-abnormal:\n%s", u)
	}
}

// A foreground run under a unit is stopped by SIGTERM to skiff: the
// signal reaches the container, which ends gracefully, and skiff exits
// with its code.
func TestForegroundRunStopsOnSIGTERM(t *testing.T) {
	sb := runSandbox(t)
	cmd := sb.Cmd("run", "--rm", "--name", "fg", "--network", "none", "bb", "sh", "-c",
		`trap 'echo got TERM; exit 0' TERM; echo ready; while :; do sleep 0.1; done`)
	var out syncBuf
	cmd.Stdout = &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "ready") {
		if time.Now().After(deadline) {
			t.Fatalf("the container did not start: %q", out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Errorf("skiff run after SIGTERM: %v (output %q)", err, out.String())
	}
	if !strings.Contains(out.String(), "got TERM") {
		t.Errorf("the container did not see SIGTERM: %q", out.String())
	}
	if ids := sb.OK("ps", "-aq").Out; ids != "" {
		t.Errorf("--rm left %q", ids)
	}
}

// syncBuf collects a process's output while the test reads it.
type syncBuf struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
