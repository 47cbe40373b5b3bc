package sdnotify

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// systemd is a listener playing systemd's notify socket.
func systemd(t *testing.T, name string) *net.UnixConn {
	t.Helper()
	addr := &net.UnixAddr{Name: name, Net: "unixgram"}
	if strings.HasPrefix(name, "@") {
		addr.Name = "\x00" + name[1:]
	}
	l, err := net.ListenUnixgram("unixgram", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// next is the next notification, or "" when none comes in time.
func next(l *net.UnixConn, wait time.Duration) string {
	buf := make([]byte, 4096)
	l.SetReadDeadline(time.Now().Add(wait))
	n, err := l.Read(buf)
	if err != nil {
		return ""
	}
	return string(buf[:n])
}

func TestSend(t *testing.T) {
	for _, name := range []string{filepath.Join(t.TempDir(), "notify.sock"), "@skiff-test-" + strings.ReplaceAll(t.Name(), "/", "-")} {
		l := systemd(t, name)
		if err := Send(name, "MAINPID=42", "READY=1"); err != nil {
			t.Fatal(err)
		}
		if got := next(l, 2*time.Second); got != "MAINPID=42\nREADY=1\n" {
			t.Errorf("%s: got %q", name, got)
		}
	}
	if err := Send(filepath.Join(t.TempDir(), "none.sock"), "READY=1"); err == nil {
		t.Error("sent to a socket nobody listens on")
	}
}

func TestParseMode(t *testing.T) {
	for in, want := range map[string]string{"": ModeSupervisor, "supervisor": ModeSupervisor, "container": ModeContainer, "ignore": ModeIgnore} {
		if got, err := ParseMode(in); err != nil || got != want {
			t.Errorf("ParseMode(%q) = %q, %v", in, got, err)
		}
	}
	for _, bad := range []string{"conmon", "always", "Container"} {
		if _, err := ParseMode(bad); err == nil {
			t.Errorf("ParseMode(%q) passed", bad)
		}
	}
}

func TestFilter(t *testing.T) {
	tests := []struct{ in, want string }{
		{"READY=1", "READY=1\n"},
		{"READY=1\n", "READY=1\n"},
		{"MAINPID=1\nREADY=1\nSTATUS=serving\n", "READY=1\nSTATUS=serving\n"},
		{"MAINPID=7", ""},
		{"FDSTORE=1\nFDNAME=sock\nWATCHDOG=1", "WATCHDOG=1\n"},
		{"BARRIER=1\n", ""},
		{"\n\nSTOPPING=1\n\n", "STOPPING=1\n"},
		{"STATUS=a=b", "STATUS=a=b\n"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := string(Filter([]byte(tt.in))); got != tt.want {
			t.Errorf("Filter(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// A container's notifications reach systemd without its MAINPID, through
// a socket at a path longer than a socket address holds.
func TestListenAndRelay(t *testing.T) {
	unit := filepath.Join(t.TempDir(), "systemd.sock")
	l := systemd(t, unit)
	dir := filepath.Join(t.TempDir(), strings.Repeat("d", 100))
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, SocketName)
	// A socket left by an earlier start is replaced.
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	src, err := Listen(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	fi, err := os.Stat(path)
	if err != nil || fi.Mode()&os.ModeSocket == 0 || fi.Mode().Perm() != 0o777 {
		t.Fatalf("socket %v: %v", fi.Mode(), err)
	}
	go Relay(src, unit)

	// The container's side, by the path as it knows it (here through
	// the directory, as the path is too long to name).
	d, err := os.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	container := func(msg string) {
		t.Helper()
		c, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: "/proc/self/fd/" + strconv.Itoa(int(d.Fd())) + "/" + SocketName, Net: "unixgram"})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := c.Write([]byte(msg)); err != nil {
			t.Fatal(err)
		}
	}
	container("")
	container("MAINPID=1")
	container("MAINPID=1\nREADY=1\nSTATUS=serving")
	if got := next(l, 2*time.Second); got != "READY=1\nSTATUS=serving\n" {
		t.Errorf("relayed %q", got)
	}
	if got := next(l, 200*time.Millisecond); got != "" {
		t.Errorf("relayed more: %q", got)
	}
}
