package integration

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// runSandbox is a sandbox with the busybox image pulled.
func runSandbox(t *testing.T) *sandbox {
	t.Helper()
	return withBusybox(newSandbox(t))
}

// withBusybox pulls the busybox image into sb as "bb" and removes sb's
// containers when the test ends: they would keep supervisors alive.
func withBusybox(sb *sandbox) *sandbox {
	sb.t.Helper()
	sb.OK("pull", "-q", st.busybox)
	sb.OK("tag", st.busybox, "bb")
	return removeContainersAtEnd(sb)
}

// removeContainersAtEnd removes sb's containers when the test ends.
func removeContainersAtEnd(sb *sandbox) *sandbox {
	sb.t.Cleanup(func() {
		if ids := strings.Fields(sb.Skiff("ps", "-aq").Out); len(ids) > 0 {
			sb.Skiff(append([]string{"rm", "-f"}, ids...)...)
		}
	})
	return sb
}

func TestRunExitCodesAndIsolation(t *testing.T) {
	sb := runSandbox(t)
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  string
		wantErr  string
	}{
		{name: "success", args: []string{"echo", "hello"}, wantOut: "hello\n"},
		{name: "exit code", args: []string{"sh", "-c", "exit 3"}, wantCode: 3},
		{name: "stderr apart", args: []string{"sh", "-c", "echo out; echo err >&2"}, wantOut: "out\n", wantErr: "err\n"},
		// A PID 1 ignores signals from its own namespace; under --init the
		// shell is not PID 1, and its death by SIGKILL is reported.
		{name: "killed by signal", args: []string{"--init", "bb", "sh", "-c", "kill -9 $$"}, wantCode: 137},
		{name: "not found", args: []string{"/no/such/cmd"}, wantCode: 127, wantErr: "no such file or directory"},
		{name: "not found in PATH", args: []string{"nosuchcmd"}, wantCode: 127, wantErr: "not found"},
		{name: "not executable", args: []string{"/etc/passwd"}, wantCode: 126, wantErr: "permission denied"},
		{name: "pid 1", args: []string{"sh", "-c", "echo $$"}, wantOut: "1\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"run", "--rm"}, tt.args...)
			if tt.args[0] != "--init" {
				args = append([]string{"run", "--rm", "bb"}, tt.args...)
			}
			r := sb.in(t).Skiff(args...)
			if r.Code != tt.wantCode {
				t.Fatalf("exit %d, want %d: %s", r.Code, tt.wantCode, r)
			}
			if tt.wantOut != "" && r.Out != tt.wantOut {
				t.Errorf("stdout %q, want %q", r.Out, tt.wantOut)
			}
			if tt.wantErr != "" && !strings.Contains(r.Err, tt.wantErr) {
				t.Errorf("stderr %q lacks %q", r.Err, tt.wantErr)
			}
		})
	}
	// --rm removed every one of them, even those that failed to start.
	if out := sb.OK("ps", "-aq").Out; out != "" {
		t.Errorf("--rm left containers: %q", out)
	}

	// No host process is visible: only the shell and what it ran.
	out := sb.OK("run", "--rm", "bb", "sh", "-c", "ps -o comm | tail -n +2 | sort -u | tr '\\n' ' '").Out
	for _, comm := range strings.Fields(out) {
		switch comm {
		// busybox-static runs its applets through /proc/self/exe.
		case "sh", "ps", "tail", "sort", "tr", "exe":
		default:
			t.Errorf("process %q visible in the container (all: %q)", comm, out)
		}
	}
	// Its own host name, the short id.
	out = sb.OK("run", "--rm", "bb", "sh", "-c", "hostname; cat /etc/hostname").Out
	lines := strings.Fields(out)
	if len(lines) != 2 || len(lines[0]) != 12 || lines[0] != lines[1] {
		t.Errorf("hostname inside: %q", out)
	}
	// uid 0 inside is the user outside.
	if st.user != nil {
		out = sb.OK("run", "--rm", "bb", "cat", "/proc/self/uid_map").Out
		f := strings.Fields(out)
		if len(f) < 3 || f[0] != "0" || f[1] != fmt.Sprint(st.user.UID) || f[2] != "1" {
			t.Errorf("uid_map = %q, want 0 mapped to %d", out, st.user.UID)
		}
	}
	// The host name, then the line of /etc/hosts that names it.
	out = sb.OK("run", "--rm", "--hostname", "box1", "bb", "sh", "-c", "hostname; grep box1 /etc/hosts").Out
	if name, hosts, _ := strings.Cut(out, "\n"); name != "box1" || !strings.Contains(hosts, "box1") {
		t.Errorf("--hostname: %q", out)
	}
}

func TestRunFlags(t *testing.T) {
	sb := runSandbox(t)
	host := filepath.Join(sb.Home, "shared")
	os.MkdirAll(host, 0o755)
	os.WriteFile(filepath.Join(host, "in.txt"), []byte("from host\n"), 0o644)
	if st.user != nil {
		os.Chown(host, st.user.UID, st.user.GID)
		os.Chown(filepath.Join(host, "in.txt"), st.user.UID, st.user.GID)
	}
	envFile := filepath.Join(sb.Home, "env")
	os.WriteFile(envFile, []byte("# comment\nFROM_FILE=yes\nB=file\n"), 0o644)
	tests := []struct {
		name string
		args []string
		want string // stdout, exactly
		code int
	}{
		{"env", []string{"-e", "A=1", "--env", "B=2", "bb", "sh", "-c", "echo $A$B"}, "12\n", 0},
		{"env file then env", []string{"--env-file", envFile, "-e", "B=flag", "bb", "sh", "-c", "echo $FROM_FILE $B"}, "yes flag\n", 0},
		{"image env kept", []string{"bb", "sh", "-c", "echo $PATH"}, "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n", 0},
		{"workdir created", []string{"-w", "/work/dir", "bb", "pwd"}, "/work/dir\n", 0},
		{"user by name", []string{"-u", "app", "bb", "id"}, "uid=1000(app) gid=1000(app)\n", 0},
		{"user uid:gid", []string{"-u", "1000:65534", "bb", "id", "-u"}, "1000\n", 0},
		{"home from passwd", []string{"-u", "app", "bb", "sh", "-c", "echo $HOME"}, "/home/app\n", 0},
		{"entrypoint", []string{"--entrypoint", "echo", "bb", "a", "b"}, "a b\n", 0},
		{"read-only", []string{"--read-only", "bb", "sh", "-c", "touch /x 2>/dev/null || echo ro"}, "ro\n", 0},
		{"tmpfs on read-only", []string{"--read-only", "--tmpfs", "/scratch", "bb", "sh", "-c", "touch /scratch/x && echo ok"}, "ok\n", 0},
		{"bind mount", []string{"-v", host + ":/data", "bb", "sh", "-c", "cat /data/in.txt; echo new > /data/out.txt"}, "from host\n", 0},
		{"bind mount ro", []string{"-v", host + ":/data:ro", "bb", "sh", "-c", "cat /data/in.txt; echo x > /data/no.txt 2>/dev/null || echo denied"}, "from host\ndenied\n", 0},
		{"cap-drop", []string{"--cap-drop", "CHOWN", "bb", "sh", "-c", "chown 1000 /tmp 2>/dev/null || echo nochown"}, "nochown\n", 0},
		{"no-new-privileges", []string{"--security-opt", "no-new-privileges", "bb", "grep", "NoNewPrivs", "/proc/self/status"}, "NoNewPrivs:\t1\n", 0},
		{"default caps", []string{"bb", "grep", "CapEff", "/proc/self/status"}, "CapEff:\t00000000a80425fb\n", 0},
		{"privileged", []string{"--privileged", "bb", "sh", "-c", "grep -c Seccomp:.0 /proc/self/status"}, "1\n", 0},
		{"seccomp on by default", []string{"bb", "grep", "^Seccomp:", "/proc/self/status"}, "Seccomp:\t2\n", 0},
		{"init", []string{"--init", "bb", "sh", "-c", "cat /proc/1/cmdline | tr '\\0' ' '"}, "/dev/init -- sh -c cat /proc/1/cmdline | tr '\\0' ' ' ", 0},
		// The supervisor's sentinel descriptor does not reach the command.
		{"no stray descriptor", []string{"bb", "sh", "-c", "test -e /proc/$$/fd/3 && echo leaked || echo none"}, "none\n", 0},
		{"no stray descriptor under --init", []string{"--init", "bb", "sh", "-c", "test -e /proc/$$/fd/3 && echo leaked || echo none"}, "none\n", 0},
		{"network none", []string{"--network", "none", "bb", "sh", "-c", "ls /sys/class/net"}, "lo\n", 0},
		{"masked proc file", []string{"bb", "sh", "-c", "wc -c < /proc/timer_list"}, "0\n", 0},
		{"read-only proc/sys", []string{"bb", "sh", "-c", "echo 1 > /proc/sys/kernel/domainname 2>/dev/null || echo ro"}, "ro\n", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := sb.in(t).Skiff(append([]string{"run", "--rm"}, tt.args...)...)
			if r.Code != tt.code || r.Out != tt.want {
				t.Errorf("got %s\nwant stdout %q", r, tt.want)
			}
		})
	}
	if data, err := os.ReadFile(filepath.Join(host, "out.txt")); err != nil || string(data) != "new\n" {
		t.Errorf("write through bind mount: %q %v", data, err)
	}
	// Host network: the host's interfaces are there.
	if out := sb.OK("run", "--rm", "--network", "host", "bb", "ls", "/sys/class/net").Out; strings.TrimSpace(out) == "lo" {
		t.Errorf("--network host shows only lo")
	}
	bad := []struct {
		args []string
		want string
	}{
		{[]string{"run", "-v", "relative:/x", "bb"}, "must be absolute"},
		{[]string{"run", "-v", "/nonexistent-dir:/x", "bb"}, "no such file"},
		{[]string{"run", "--network", "bridge0", "bb"}, "No such network"},
		{[]string{"run", "--cap-add", "BOGUS", "bb"}, "unknown capability"},
		{[]string{"run", "--pull", "sometimes", "bb"}, "invalid --pull"},
		{[]string{"run", "--pull", "never", "nothere:1"}, "No such image"},
		{[]string{"run", "--stop-signal", "SIGNOPE", "bb"}, "invalid signal"},
		{[]string{"run", "--name", "bad name", "bb"}, "invalid container name"},
		{[]string{"run", "-w", "rel", "bb"}, "absolute"},
		{[]string{"run", "--env-file", "/nonexistent", "bb"}, "/nonexistent: no such file"},
		{[]string{"run", "--tmpfs", "/x:bogus", "bb"}, "unknown option"},
		{[]string{"run", "--security-opt", "seccomp=unconfined", "bb"}, "unsupported --security-opt"},
		{[]string{"run", "--userns", "auto", "bb"}, "needs root"},
		{[]string{"run", "-u", "nosuchuser", "bb", "true"}, "nosuchuser"},
		{[]string{"run"}, "needs an image"},
	}
	for _, b := range bad {
		sb.Fails(b.want, b.args...)
	}
	if out := sb.OK("ps", "-aq").Out; out != "" {
		t.Errorf("bad input left containers: %q", out)
	}
	// create keeps what it made; a failed start of it keeps it too.
	sb.OK("create", "--name", "keep", "-u", "nosuchuser", "bb", "true")
	sb.Fails("nosuchuser", "start", "keep")
	if got := strings.TrimSpace(sb.OK("ps", "-aq", "--filter", "name=keep").Out); got == "" {
		t.Error("a failed start removed a created container")
	}
	sb.OK("rm", "keep")
}

// TestEnvFile: every line of an env file arrives, a long one too, or the
// run is refused; none is dropped silently.
func TestEnvFile(t *testing.T) {
	sb := runSandbox(t)
	long := filepath.Join(sb.Home, "long.env")
	// Past bufio's 64 KiB default, under the kernel's 128 KiB per variable.
	body := "FIRST=1\nBIG=" + strings.Repeat("x", 100*1024) + "\nLAST=yes\n"
	if err := os.WriteFile(long, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	if out := sb.OK("run", "--rm", "--env-file", long, "bb", "sh", "-c", "echo $FIRST ${#BIG} $LAST").Out; out != "1 102400 yes\n" {
		t.Errorf("long line: got %q, want %q", out, "1 102400 yes\n")
	}
	tooLong := filepath.Join(sb.Home, "toolong.env")
	if err := os.WriteFile(tooLong, []byte("FIRST=1\nHUGE="+strings.Repeat("x", 200*1024)+"\nLAST=yes\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(sb.Home, "env.d")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, verb := range []string{"run", "create"} {
		sb.Fails("line 2 is longer than", verb, "--env-file", tooLong, "bb", "true")
		sb.Fails("is a directory", verb, "--env-file", dir, "bb", "true")
	}
	if out := sb.OK("ps", "-aq").Out; out != "" {
		t.Errorf("refused env files left containers: %q", out)
	}
}

// TestPsFilterName: name= is a regular expression, as in Docker.
func TestPsFilterName(t *testing.T) {
	sb := runSandbox(t)
	for _, n := range []string{"web", "web2", "db"} {
		sb.OK("create", "--name", n, "bb", "true")
	}
	for filter, want := range map[string]string{
		"name=^web$":  "web",
		"name=^/web$": "web",
		"name=web":    "web web2",
		"name=^w.*2$": "web2",
	} {
		out := sb.OK("ps", "-a", "--filter", filter, "--format", "{{.Names}}").Out
		if got := strings.Join(strings.Fields(out), " "); !slices.Equal(sortedFields(got), sortedFields(want)) {
			t.Errorf("ps --filter %s: got %q, want %q", filter, got, want)
		}
	}
	sb.Fails("regular expression", "ps", "-a", "--filter", "name=web(")
}

func sortedFields(s string) []string {
	f := strings.Fields(s)
	slices.Sort(f)
	return f
}

func TestNamesAndCidfile(t *testing.T) {
	sb := runSandbox(t)
	cid := filepath.Join(sb.Home, "cid")
	id := strings.TrimSpace(sb.OK("create", "--name", "one", "--cidfile", cid, "-l", "k=v", "bb", "true").Out)
	data, _ := os.ReadFile(cid)
	if string(data) != id {
		t.Errorf("cidfile %q, want %q", data, id)
	}
	sb.Fails("already in use", "create", "--name", "one", "bb")
	sb.Fails("already exists", "create", "--cidfile", cid, "bb")
	// --replace swaps the container.
	id2 := strings.TrimSpace(sb.OK("create", "--name", "one", "--replace", "bb", "true").Out)
	if id2 == id {
		t.Error("--replace kept the old container")
	}
	// Racing creators of one name: exactly one wins.
	var wg sync.WaitGroup
	results := make([]result, 8)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = sb.Skiff("create", "--name", "race", "bb", "true")
		}()
	}
	wg.Wait()
	wins := 0
	for _, r := range results {
		switch {
		case r.Code == 0:
			wins++
		case r.Code != 125 || !strings.Contains(r.Err, "already in use"):
			t.Errorf("loser: %s", r)
		}
	}
	if wins != 1 {
		t.Errorf("%d creators won the name", wins)
	}
	// rename, then the old name is free.
	sb.OK("rename", "race", "raced")
	sb.OK("create", "--name", "race", "bb", "true")
	sb.FailsWith(1, "already in use", "rename", "raced", "race")
	sb.FailsWith(1, "No such container", "rename", "nothere", "x")
}

func TestLifecycleVerbs(t *testing.T) {
	sb := runSandbox(t)
	sb.OK("create", "--name", "c1", "--stop-timeout", "1", "-l", "team=a", "bb", "sh", "-c", "trap 'echo got term; exit 7' TERM; echo started; while true; do sleep 0.1; done")
	if got := strings.TrimSpace(sb.OK("ps", "-a", "--format", "{{.Names}} {{.State}}").Out); got != "c1 created" {
		t.Fatalf("after create: %q", got)
	}
	if out := sb.OK("ps", "-q").Out; out != "" {
		t.Errorf("ps without -a shows a created container: %q", out)
	}
	sb.OK("start", "c1")
	waitLog(t, sb, "c1", "started")
	if got := sb.OK("ps", "--format", "{{.Names}}|{{.Status}}").Out; !strings.HasPrefix(got, "c1|Up ") {
		t.Errorf("ps after start: %q", got)
	}
	var insp []map[string]any
	if err := json.Unmarshal([]byte(sb.OK("inspect", "c1").Out), &insp); err != nil {
		t.Fatal(err)
	}
	state := insp[0]["State"].(map[string]any)
	if state["Status"] != "running" || state["Running"] != true || state["Pid"].(float64) <= 0 {
		t.Errorf("inspect State = %v", state)
	}
	if insp[0]["Name"] != "/c1" || insp[0]["Config"].(map[string]any)["Labels"].(map[string]any)["team"] != "a" {
		t.Errorf("inspect = %v", insp[0])
	}
	// Filters.
	for filter, want := range map[string]string{"status=running": "c1", "name=c": "c1", "label=team=a": "c1", "ancestor=bb": "c1", "status=exited": "", "label=team=b": ""} {
		if got := strings.TrimSpace(sb.OK("ps", "-a", "--filter", filter, "--format", "{{.Names}}").Out); got != want {
			t.Errorf("--filter %s: %q, want %q", filter, got, want)
		}
	}
	sb.Fails("invalid filter", "ps", "--filter", "color=red")
	// stop: SIGTERM is trapped, the container exits 7.
	sb.OK("stop", "c1")
	if got := strings.TrimSpace(sb.OK("wait", "c1").Out); got != "7" {
		t.Errorf("wait = %q, want 7", got)
	}
	waitLog(t, sb, "c1", "got term")
	if got := strings.TrimSpace(sb.OK("inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", "c1").Out); got != "exited 7" {
		t.Errorf("after stop: %q", got)
	}
	// restart runs it again.
	sb.OK("restart", "c1")
	if got := strings.TrimSpace(sb.OK("inspect", "-f", "{{.State.Status}}", "c1").Out); got != "running" {
		t.Errorf("after restart: %q", got)
	}
	sb.FailsWith(1, "is running", "rm", "c1")
	sb.Fails("is running", "start", "-a", "c1")
	// kill with a signal the container's PID 1 traps.
	sb.OK("kill", "-s", "TERM", "c1")
	if got := strings.TrimSpace(sb.OK("wait", "c1").Out); got != "7" {
		t.Errorf("exit after SIGTERM = %q, want 7", got)
	}
	// A PID 1 ignores signals it has no handler for; with --init the
	// command is not PID 1 and dies of them.
	sb.OK("run", "-d", "--init", "--name", "c3", "bb", "sleep", "60")
	sb.OK("kill", "-s", "USR1", "c3")
	if got := strings.TrimSpace(sb.OK("wait", "c3").Out); got != "138" {
		t.Errorf("exit after SIGUSR1 with --init = %q, want 138", got)
	}
	sb.FailsWith(1, "is not running", "kill", "c1")
	sb.Fails("invalid signal", "kill", "-s", "NOPE", "c1")
	sb.Fails("invalid --time", "stop", "-t", "-5", "c1")
	sb.Fails("invalid --last", "ps", "-n", "-2")
	sb.Fails("--config", "--config", "/nonexistent/skiff.toml", "ps")
	// wait on a stopped container returns at once.
	sb.OK("wait", "c1")
	// start -a attaches and passes the exit code on.
	sb.OK("create", "--name", "c2", "bb", "sh", "-c", "echo attached; exit 4")
	if r := sb.Skiff("start", "-a", "c2"); r.Code != 4 || r.Out != "attached\n" {
		t.Errorf("start -a: %s", r)
	}
	// prune removes the stopped ones.
	sb.OK("run", "-d", "--name", "alive", "bb", "sleep", "60")
	pruned := sb.OK("container", "prune", "-f").Out
	if strings.Count(pruned, "\n") != 3 {
		t.Errorf("prune removed %q", pruned)
	}
	if got := strings.TrimSpace(sb.OK("ps", "-a", "--format", "{{.Names}}").Out); got != "alive" {
		t.Errorf("after prune: %q", got)
	}
	sb.OK("rm", "-f", "alive")
	sb.FailsWith(1, "No such container", "rm", "alive")
	sb.FailsWith(1, "No such container", "stop", "alive")
	sb.FailsWith(1, "No such container", "logs", "alive")
}

func waitLog(t *testing.T, sb *sandbox, name, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		r := sb.Skiff("logs", name)
		if strings.Contains(r.Out, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("log of %s never showed %q: %s", name, want, r)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestLogs(t *testing.T) {
	sb := runSandbox(t)
	// stdout and stderr are separate pipes, so their order in the log is
	// only certain with time between them.
	sb.OK("run", "--name", "l1", "bb", "sh", "-c", "for i in 1 2 3 4 5; do echo line $i; done; sleep 0.3; echo oops >&2")
	r := sb.OK("logs", "l1")
	if r.Out != "line 1\nline 2\nline 3\nline 4\nline 5\n" || r.Err != "oops\n" {
		t.Errorf("logs: %s", r)
	}
	if got := sb.OK("logs", "--tail", "2", "l1"); got.Out != "line 5\n" || got.Err != "oops\n" {
		t.Errorf("--tail 2: %s", got)
	}
	if got := sb.OK("logs", "-t", "--tail", "1", "l1").Err; !strings.Contains(got, "T") || !strings.HasSuffix(got, " oops\n") {
		t.Errorf("-t: %q", got)
	}
	if got := sb.OK("logs", "--since", "1h", "l1").Out; !strings.Contains(got, "line 1") {
		t.Errorf("--since 1h: %q", got)
	}
	future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	if got := sb.OK("logs", "--since", future, "l1"); got.Out != "" || got.Err != "" {
		t.Errorf("--since future: %s", got)
	}
	sb.Fails("invalid --tail", "logs", "--tail", "x", "l1")
	sb.Fails("invalid --since", "logs", "--since", "yesterday", "l1")
	// -f follows until the container exits.
	sb.OK("run", "-d", "--name", "l2", "bb", "sh", "-c", "echo first; sleep 1; echo second")
	r = sb.OK("logs", "-f", "l2")
	if r.Out != "first\nsecond\n" {
		t.Errorf("logs -f: %s", r)
	}
	// The log is capped and rotated.
	sb.OK("run", "--name", "l3", "--log-opt", "max-size=2k", "--log-opt", "max-file=2", "bb", "sh", "-c", "i=0; while [ $i -lt 500 ]; do echo line $i; i=$((i+1)); done")
	out := sb.OK("logs", "l3").Out
	if !strings.Contains(out, "line 499") || strings.Contains(out, "line 0\n") {
		t.Errorf("rotated log kept the wrong lines: %d bytes", len(out))
	}
	sb.Fails("invalid --log-opt", "run", "--log-opt", "max-size=lots", "bb")
}

func TestExec(t *testing.T) {
	sb := runSandbox(t)
	sb.OK("run", "-d", "--name", "e1", "-e", "CTR=yes", "bb", "sleep", "60")
	tests := []struct {
		args []string
		want string
		code int
	}{
		{[]string{"e1", "sh", "-c", "echo $CTR; echo $$"}, "yes\n", 0},
		{[]string{"-e", "X=1", "e1", "sh", "-c", "echo $X"}, "1\n", 0},
		{[]string{"-w", "/tmp", "e1", "pwd"}, "/tmp\n", 0},
		{[]string{"-u", "app", "e1", "id", "-un"}, "app\n", 0},
		{[]string{"e1", "sh", "-c", "exit 9"}, "", 9},
		{[]string{"e1", "nosuchcmd"}, "", 127},
	}
	for _, tt := range tests {
		r := sb.Skiff(append([]string{"exec"}, tt.args...)...)
		if r.Code != tt.code || (tt.want != "" && !strings.HasPrefix(r.Out, tt.want)) {
			t.Errorf("exec %v: %s", tt.args, r)
		}
	}
	// stdin with -i.
	r := sb.SkiffIn(strings.NewReader("piped\n"), "exec", "-i", "e1", "cat")
	if r.Out != "piped\n" {
		t.Errorf("exec -i: %s", r)
	}
	// -d returns at once; the process runs on.
	sb.OK("exec", "-d", "e1", "sh", "-c", "sleep 0.2; touch /tmp/detached")
	deadline := time.Now().Add(5 * time.Second)
	for sb.Skiff("exec", "e1", "test", "-e", "/tmp/detached").Code != 0 {
		if time.Now().After(deadline) {
			t.Fatal("exec -d did not run")
		}
		time.Sleep(100 * time.Millisecond)
	}
	sb.OK("stop", "-t", "0", "e1")
	sb.FailsWith(1, "is not running", "exec", "e1", "true")
	sb.Fails("needs a container and a command", "exec", "e1")
}

func TestTTY(t *testing.T) {
	sb := runSandbox(t)
	p := openPty(t, 33, 101)
	cmd := sb.onPty(t, p, "run", "-it", "--name", "tty1", "bb", "sh")
	p.waitFor(t, "/ # ")
	p.send("stty size; tty; echo $TERM\r")
	p.waitFor(t, "33 101")
	p.waitFor(t, "/dev/pts/0")
	p.waitFor(t, "xterm")
	// Ctrl-C reaches the container's process, not skiff.
	p.send("sleep 30\r")
	time.Sleep(300 * time.Millisecond)
	p.send("\x03")
	p.send("echo after-interrupt $?\r")
	p.waitFor(t, "after-interrupt 130")
	// Window resize.
	unix.IoctlSetWinsize(int(p.slave.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 40, Col: 120})
	cmd.Process.Signal(syscall.SIGWINCH)
	time.Sleep(300 * time.Millisecond)
	p.send("stty size\r")
	p.waitFor(t, "40 120")
	p.send("exit 5\r")
	err := cmd.Wait()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 5 {
		t.Fatalf("skiff run -it exit: %v; terminal: %q", err, p.Output())
	}
	// Detach with ctrl-p ctrl-q: skiff returns 0, the container runs on.
	p2 := openPty(t, 24, 80)
	cmd = sb.onPty(t, p2, "run", "-it", "--name", "tty2", "bb", "sh")
	// Type only once the container's shell prompts: before skiff puts the
	// terminal in raw mode, the host's line discipline would take ctrl-q.
	p2.waitFor(t, "/ # ")
	p2.send("echo ready\r")
	p2.waitFor(t, "\nready")
	p2.send("\x10\x11")
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("detach: skiff exited with %v", err)
		}
	case <-time.After(10 * time.Second):
		cmd.Process.Signal(syscall.SIGQUIT)
		time.Sleep(time.Second)
		cmd.Process.Kill()
		t.Fatalf("ctrl-p ctrl-q did not detach: %q", p2.Output())
	}
	if got := strings.TrimSpace(sb.OK("inspect", "-f", "{{.State.Status}}", "tty2").Out); got != "running" {
		t.Errorf("after detach the container is %s", got)
	}
	// The terminal output went to the log too.
	if out := sb.OK("logs", "tty2").Out; !strings.Contains(out, "ready") {
		t.Errorf("tty log: %q", out)
	}
	// exec -it.
	p3 := openPty(t, 24, 80)
	cmd = sb.onPty(t, p3, "exec", "-it", "tty2", "sh", "-c", "tty; exit 6")
	err = cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 6 {
		t.Errorf("exec -it exit: %v", err)
	}
	p3.waitFor(t, "/dev/pts/")
}

// An image containers use is kept unless forced; forcing removes them.
func TestRmiWithContainers(t *testing.T) {
	sb := runSandbox(t)
	sb.OK("run", "-d", "--name", "user1", "bb", "sleep", "60")
	sb.OK("create", "--name", "user2", "bb")
	sb.OK("rmi", "bb") // one of two names: only untagged, as in Docker
	sb.FailsWith(1, "used by container", "rmi", st.busybox)
	r := sb.OK("rmi", "-f", st.busybox)
	if !strings.Contains(r.Out, "Deleted: ") {
		t.Errorf("rmi -f: %s", r)
	}
	if out := sb.OK("ps", "-aq").Out; out != "" {
		t.Errorf("containers of a force-removed image remain: %q", out)
	}
	if n := countLayers(t, sb); n != 0 {
		t.Errorf("%d layers left", n)
	}
	waitNoProcesses(t)
}
