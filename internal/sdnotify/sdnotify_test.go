package sdnotify

import (
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestSend(t *testing.T) {
	for _, name := range []string{filepath.Join(t.TempDir(), "notify.sock"), "@skiff-test-" + strings.ReplaceAll(t.Name(), "/", "-")} {
		addr := &net.UnixAddr{Name: name, Net: "unixgram"}
		if strings.HasPrefix(name, "@") {
			addr.Name = "\x00" + name[1:]
		}
		l, err := net.ListenUnixgram("unixgram", addr)
		if err != nil {
			t.Fatal(err)
		}
		if err := Send(name, "MAINPID=42", "READY=1"); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 256)
		l.SetReadDeadline(time.Now().Add(2 * time.Second))
		n, err := l.Read(buf)
		l.Close()
		if err != nil || string(buf[:n]) != "MAINPID=42\nREADY=1\n" {
			t.Errorf("%s: got %q, %v", name, buf[:n], err)
		}
	}
	if err := Send(filepath.Join(t.TempDir(), "none.sock"), "READY=1"); err == nil {
		t.Error("sent to a socket nobody listens on")
	}
}

func TestParseMode(t *testing.T) {
	for in, want := range map[string]string{"": ModeSupervisor, "supervisor": ModeSupervisor, "ignore": ModeIgnore} {
		if got, err := ParseMode(in); err != nil || got != want {
			t.Errorf("ParseMode(%q) = %q, %v", in, got, err)
		}
	}
	for _, bad := range []string{"container", "conmon"} {
		if _, err := ParseMode(bad); err == nil {
			t.Errorf("ParseMode(%q) passed", bad)
		}
	}
}
