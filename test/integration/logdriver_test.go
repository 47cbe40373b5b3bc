package integration

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/skiff-containers/skiff/internal/journal"
)

// ctrFiles lists the files in a container's directory.
func ctrFiles(t *testing.T, sb *sandbox, name string) []string {
	t.Helper()
	dir := filepath.Join(sb.GraphRoot(), "overlay-containers", strings.TrimSpace(sb.OK("inspect", "-f", "{{.Id}}", name).Out), "userdata")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}

// Bad --log-driver and --log-opt values fail before anything is made.
func TestLogDriverBadValues(t *testing.T) {
	sb := runSandbox(t)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--log-driver", "syslog"}, `invalid --log-driver "syslog": use json-file, journald, passthrough or none`},
		{[]string{"--log-driver", "k8s-file"}, "invalid --log-driver"},
		{[]string{"--log-opt", "tag=x"}, "unsupported --log-opt \"tag=x\" for log driver json-file: use max-size, max-file"},
		{[]string{"--log-opt", "max-size"}, "use KEY=VALUE"},
		{[]string{"--log-opt", "max-file=0"}, "invalid --log-opt"},
		{[]string{"--log-driver", "journald", "--log-opt", "max-size=1m"}, "for log driver journald: use tag"},
		{[]string{"--log-driver", "journald", "--log-opt", "tag={{.Bogus}}"}, "invalid --log-opt"},
		{[]string{"--log-driver", "journald", "--log-opt", "tag={{.Name"}, "bad template"},
		{[]string{"--log-driver", "none", "--log-opt", "max-file=2"}, "log driver none takes no options"},
		{[]string{"--log-driver", "passthrough", "--log-opt", "tag=x"}, "log driver passthrough takes no options"},
		{[]string{"--log-driver", "passthrough", "-t"}, "--log-driver=passthrough cannot be used with -t"},
	}
	for _, tt := range tests {
		for _, verb := range []string{"run", "create"} {
			t.Run(verb+" "+strings.Join(tt.args, " "), func(t *testing.T) {
				args := append(append([]string{verb, "--name", "bad"}, tt.args...), "bb", "true")
				sb.in(t).Fails(tt.want, args...)
			})
		}
	}
	if ids := sb.OK("ps", "-aq").Out; ids != "" {
		t.Errorf("bad values left containers: %q", ids)
	}
}

// none keeps nothing, yet an attached caller still sees the output.
func TestLogDriverNone(t *testing.T) {
	sb := runSandbox(t)
	if r := sb.OK("run", "--rm", "--log-driver", "none", "--network", "none", "bb", "sh", "-c", "echo out; echo err >&2"); r.Out != "out\n" || r.Err != "err\n" {
		t.Errorf("attached: %s", r)
	}
	for _, ctr := range []struct{ name, driver string }{{"kept", "json-file"}, {"none", "none"}} {
		sb.OK("run", "--name", ctr.name, "--log-driver", ctr.driver, "--network", "none", "bb", "sh", "-c", "echo out; echo err >&2")
	}
	want := []string{"hostname", "hosts", "resolv.conf", "state.json"}
	if got := ctrFiles(t, sb, "none"); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("files of a none container: %v, want %v", got, want)
	}
	if got := ctrFiles(t, sb, "kept"); !strings.Contains(strings.Join(got, " "), "ctr.log") {
		t.Errorf("files of a json-file container: %v", got)
	}
	sb.FailsWith(1, `container none has log driver "none", which keeps no log`, "logs", "none")
	sb.FailsWith(1, `log driver "none"`, "logs", "-f", "none")
	if got := sb.OK("inspect", "-f", "{{json .HostConfig.LogConfig}} [{{.LogPath}}]", "none").Out; got != `{"Config":{},"Type":"none"} []`+"\n" {
		t.Errorf("inspect: %s", got)
	}
	if got := sb.OK("inspect", "-f", "{{json .HostConfig.LogConfig}}", "kept").Out; got != `{"Config":{},"Type":"json-file"}`+"\n" {
		t.Errorf("inspect json-file: %s", got)
	}
}

// passthrough gives the container the caller's own streams: they outlive
// a detached run, and nothing is kept.
func TestLogDriverPassthrough(t *testing.T) {
	sb := runSandbox(t)
	// stdout is a pipe, read to its end: the end comes when the last
	// holder, the detached container, exits.
	outR, outW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer outR.Close()
	errFile, err := os.CreateTemp(st.work, "stderr-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.Remove(errFile.Name())
	defer errFile.Close()
	cmd := sb.Cmd("run", "-d", "--name", "pt", "--log-driver", "passthrough", "--network", "none", "bb", "sh", "-c",
		"sleep 0.5; echo to stdout; echo to stderr >&2")
	cmd.Stdout, cmd.Stderr = outW, errFile
	if err := cmd.Run(); err != nil {
		t.Fatalf("run -d: %v", err)
	}
	outW.Close()
	out := readToEnd(t, outR, 20*time.Second)
	id := strings.TrimSpace(sb.OK("inspect", "-f", "{{.Id}}", "pt").Out)
	if string(out) != id+"\nto stdout\n" {
		t.Errorf("caller's stdout: %q", out)
	}
	sb.OK("wait", "pt")
	if b, _ := os.ReadFile(errFile.Name()); string(b) != "to stderr\n" {
		t.Errorf("caller's stderr: %q", b)
	}
	sb.FailsWith(1, `container pt has log driver "passthrough", which keeps no log`, "logs", "pt")
	if got := ctrFiles(t, sb, "pt"); strings.Contains(strings.Join(got, " "), "ctr.log") {
		t.Errorf("passthrough kept a log: %v", got)
	}
	if got := sb.OK("inspect", "-f", "{{.HostConfig.LogConfig.Type}}", "pt").Out; got != "passthrough\n" {
		t.Errorf("inspect: %q", got)
	}

	// In the foreground skiff waits, with the container's exit code;
	// -i passes the caller's stdin.
	if r := sb.SkiffIn(strings.NewReader("typed\n"), "run", "--rm", "-i", "--log-driver", "passthrough", "--network", "none", "bb", "sh", "-c", "cat; echo err >&2; exit 3"); r.Code != 3 || r.Out != "typed\n" || r.Err != "err\n" {
		t.Errorf("foreground: %s", r)
	}
	// Without -i the container's stdin is empty.
	if r := sb.SkiffIn(strings.NewReader("not for it\n"), "run", "--rm", "--log-driver", "passthrough", "--network", "none", "bb", "cat"); r.Code != 0 || r.Out != "" {
		t.Errorf("stdin without -i: %s", r)
	}
	// start hands its own streams over, as under a unit running
	// `skiff start NAME`.
	sb.OK("create", "--name", "later", "--log-driver", "passthrough", "--network", "none", "bb", "echo", "from start")
	if r := sb.OK("start", "later"); !strings.Contains(r.Out, "from start\n") {
		t.Errorf("start: %s", r)
	}
	if ids := strings.Fields(sb.OK("ps", "-aq").Out); len(ids) != 2 {
		t.Errorf("containers: %v", ids)
	}
}

// journald: each line reaches systemd-journald with the fields podman and
// Docker write, and logs reads them back through journalctl.
func TestLogDriverJournald(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: it starts systemd-journald where none runs, and reads the journal with journalctl")
	}
	sb := runSandbox(t)
	release := lockJournal(t)
	defer release()
	if journal.Check(journal.Socket) != nil {
		// Without journald a journald container does not start, and a
		// run leaves nothing behind.
		sb.Fails("systemd-journald is not running", "run", "--log-driver", "journald", "--network", "none", "bb", "true")
		if ids := sb.OK("ps", "-aq").Out; ids != "" {
			t.Fatalf("a failed start left %q", ids)
		}
		sb.OK("create", "--name", "early", "--log-driver", "journald", "--network", "none", "bb", "true")
		sb.Fails("systemd-journald is not running", "start", "early")
		startJournald(t)
	}
	r := sb.OK("run", "--name", "jd", "--log-driver", "journald", "--log-opt", "tag=web-{{.Name}}", "--network", "none", "bb",
		"sh", "-c", "echo out line; sleep 0.3; echo err line >&2; printf 'no newline'")
	if r.Out != "out line\nno newline" || r.Err != "err line\n" {
		t.Errorf("attached output: %s", r)
	}
	id := strings.TrimSpace(sb.OK("inspect", "-f", "{{.Id}}", "jd").Out)
	entries := journalEntries(t, id, 3)
	common := map[string]string{
		"CONTAINER_ID": id[:12], "CONTAINER_ID_FULL": id, "CONTAINER_NAME": "jd", "CONTAINER_TAG": "web-jd",
		"SYSLOG_IDENTIFIER": "web-jd", "IMAGE_NAME": "bb", "_UID": strconv.Itoa(st.user.UID),
	}
	want := []map[string]string{
		{"MESSAGE": "out line", "PRIORITY": "6"},
		{"MESSAGE": "err line", "PRIORITY": "3"},
		{"MESSAGE": "no newline", "PRIORITY": "6", "CONTAINER_PARTIAL_MESSAGE": "true"},
	}
	for i, e := range entries {
		for k, v := range common {
			want[i][k] = v
		}
		for k, v := range want[i] {
			if e[k] != v {
				t.Errorf("entry %d: %s=%q, want %q", i, k, e[k], v)
			}
		}
	}
	if got := sb.OK("inspect", "-f", "{{json .HostConfig.LogConfig}} [{{.LogPath}}]", "jd").Out; got != `{"Config":{"tag":"web-{{.Name}}"},"Type":"journald"} []`+"\n" {
		t.Errorf("inspect: %s", got)
	}
	if got := ctrFiles(t, sb, "jd"); strings.Contains(strings.Join(got, " "), "ctr.log") {
		t.Errorf("journald kept a log file too: %v", got)
	}

	// Without a tag, the entries are named after the container.
	sb.OK("run", "--name", "plain", "--log-driver", "journald", "--network", "none", "bb", "echo", "hi")
	plainID := strings.TrimSpace(sb.OK("inspect", "-f", "{{.Id}}", "plain").Out)
	if e := journalEntries(t, plainID, 1)[0]; e["SYSLOG_IDENTIFIER"] != "plain" || e["CONTAINER_TAG"] != "plain" {
		t.Errorf("default tag: %v", e)
	}

	// logs reads the journal as the user, who may read the system
	// journal as a member of systemd-journal.
	g, err := user.LookupGroup("systemd-journal")
	if err != nil {
		t.Fatalf("group systemd-journal: %v", err)
	}
	gid, _ := strconv.Atoi(g.Gid)
	reader := sb.in(t)
	reader.groups = []uint32{uint32(gid)}
	if r := reader.OK("logs", "jd"); r.Out != "out line\nno newline" || r.Err != "err line\n" {
		t.Errorf("logs: %s", r)
	}
	if r := reader.OK("logs", "--tail", "1", "jd"); r.Out != "no newline" || r.Err != "" {
		t.Errorf("logs --tail 1: %s", r)
	}
	if r := reader.OK("logs", "-t", "--tail", "2", "jd"); !strings.HasSuffix(r.Err, "Z err line\n") || !strings.Contains(r.Err, "T") {
		t.Errorf("logs -t: %s", r)
	}
	future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	if r := reader.OK("logs", "--since", future, "jd"); r.Out != "" || r.Err != "" {
		t.Errorf("logs --since future: %s", r)
	}
	if r := reader.OK("logs", "--since", "1h", "jd"); !strings.Contains(r.Out, "out line") {
		t.Errorf("logs --since 1h: %s", r)
	}
	// --until is journalctl's: up to the first line's own time, the
	// first line alone (the second came 0.3 s later).
	first, _, _ := strings.Cut(reader.OK("logs", "-t", "jd").Out, " ")
	if r := reader.OK("logs", "--until", first, "jd"); r.Out != "out line\n" || r.Err != "" {
		t.Errorf("logs --until %s: %s", first, r)
	}
	if r := reader.OK("logs", "--until", "1h", "jd"); r.Out != "" || r.Err != "" {
		t.Errorf("logs --until 1h: %s", r)
	}
	// -f follows until the container exits, and shows all it wrote.
	reader.OK("run", "-d", "--name", "jf", "--log-driver", "journald", "--network", "none", "bb", "sh", "-c", "echo first; sleep 1; echo second")
	start := time.Now()
	if r := reader.OK("logs", "-f", "jf"); r.Out != "first\nsecond\n" {
		t.Errorf("logs -f: %s", r)
	}
	if time.Since(start) > 10*time.Second {
		t.Errorf("logs -f took %v after the container's end", time.Since(start))
	}
	// Without journalctl, one clear error. (A running container keeps
	// the user namespace, which skiff joins without the PATH it lacks.)
	reader.OK("run", "-d", "--name", "keep", "--network", "none", "bb", "sleep", "60")
	noJournalctl := reader.in(t)
	noJournalctl.env = append(append([]string{}, reader.env...), "PATH="+t.TempDir())
	noJournalctl.FailsWith(1, "journalctl is not installed", "logs", "jd")
}

// lockJournal keeps two runs of the suite on one machine from starting a
// journald each.
func lockJournal(t *testing.T) func() {
	t.Helper()
	f, err := os.OpenFile("/run/skiff-it-journald.lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	return func() { f.Close() }
}

// startJournald runs systemd-journald where no systemd does, until the
// test ends. It works standalone once its run-time directory exists; its
// journal goes to /run/log/journal, made as systemd-tmpfiles makes it, so
// that members of systemd-journal may read it.
func startJournald(t *testing.T) {
	t.Helper()
	var bin string
	for _, p := range []string{"/lib/systemd/systemd-journald", "/usr/lib/systemd/systemd-journald"} {
		if _, err := os.Stat(p); err == nil {
			bin = p
		}
	}
	if bin == "" {
		t.Fatal("systemd-journald is not installed (Debian: the systemd package)")
	}
	if _, err := exec.LookPath("journalctl"); err != nil {
		t.Fatal("journalctl is not installed")
	}
	g, err := user.LookupGroup("systemd-journal")
	if err != nil {
		t.Fatal(err)
	}
	gid, _ := strconv.Atoi(g.Gid)
	var made []string
	for _, d := range []struct {
		path string
		mode os.FileMode
		gid  int
	}{{"/run/systemd/journal", 0o755, 0}, {"/run/log/journal", 0o755 | os.ModeSetgid, gid}} {
		if _, err := os.Stat(d.path); err == nil {
			continue
		}
		if err := os.MkdirAll(d.path, 0o755); err != nil {
			t.Fatal(err)
		}
		made = append(made, d.path)
		if err := os.Chown(d.path, 0, d.gid); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(d.path, d.mode); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(bin)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
		for _, d := range made {
			os.RemoveAll(d)
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for journal.Check(journal.Socket) != nil {
		if time.Now().After(deadline) {
			t.Fatalf("systemd-journald did not come up: %s", logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// journalEntries waits for n entries of the container in the journal,
// read as root, and returns their fields.
func journalEntries(t *testing.T, id string, n int) []map[string]string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		out, err := exec.Command("journalctl", "-o", "json", "--all", "-q", "--no-pager", "CONTAINER_ID_FULL="+id).Output()
		if err != nil {
			t.Fatalf("journalctl: %v", err)
		}
		var entries []map[string]string
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			if line == "" {
				continue
			}
			var raw map[string]any
			if err := json.Unmarshal([]byte(line), &raw); err != nil {
				t.Fatalf("journalctl output %q: %v", line, err)
			}
			e := map[string]string{}
			for k, v := range raw {
				if s, ok := v.(string); ok {
					e[k] = s
				}
			}
			entries = append(entries, e)
		}
		if len(entries) >= n {
			if len(entries) > n {
				t.Errorf("%d entries, want %d: %v", len(entries), n, entries)
			}
			return entries
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d entries of %s in the journal, want %d", len(entries), id, n)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
