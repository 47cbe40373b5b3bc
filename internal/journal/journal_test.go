package journal

import (
	"bytes"
	"encoding/binary"
	"net"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// listen is journald's socket, as far as the protocol goes.
func listen(t *testing.T) (string, *net.UnixConn) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "socket")
	l, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return path, l
}

// receive reads one entry and decodes it as journald does.
func receive(t *testing.T, l *net.UnixConn) map[string]string {
	t.Helper()
	buf := make([]byte, 128<<10)
	l.SetReadDeadline(time.Now().Add(2 * time.Second))
	n, err := l.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	return decode(t, buf[:n])
}

func decode(t *testing.T, b []byte) map[string]string {
	t.Helper()
	out := map[string]string{}
	for len(b) > 0 {
		nl := bytes.IndexByte(b, '\n')
		if nl < 0 {
			t.Fatalf("field without newline: %q", b)
		}
		line := b[:nl]
		if k, v, ok := bytes.Cut(line, []byte("=")); ok {
			out[string(k)] = string(v)
			b = b[nl+1:]
			continue
		}
		rest := b[nl+1:]
		if len(rest) < 8 {
			t.Fatalf("binary field %q without length", line)
		}
		size := binary.LittleEndian.Uint64(rest)
		rest = rest[8:]
		if uint64(len(rest)) < size+1 || rest[size] != '\n' {
			t.Fatalf("binary field %q: bad length %d for %q", line, size, rest)
		}
		out[string(line)] = string(rest[:size])
		b = rest[size+1:]
	}
	return out
}

func TestWriteLine(t *testing.T) {
	sock, l := listen(t)
	fields := ContainerFields("0123456789abcdef0123", "web", "web-tag", "docker.io/library/busybox:latest")
	w, err := NewWriter(sock, fields)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	common := map[string]string{
		"CONTAINER_ID": "0123456789ab", "CONTAINER_ID_FULL": "0123456789abcdef0123", "CONTAINER_NAME": "web",
		"CONTAINER_TAG": "web-tag", "SYSLOG_IDENTIFIER": "web-tag", "IMAGE_NAME": "docker.io/library/busybox:latest",
	}
	with := func(kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range common {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	long := strings.Repeat("x", 16<<10)
	tests := []struct {
		name   string
		stream string
		line   string
		want   map[string]string
	}{
		{"stdout line", "stdout", "hello\n", with("MESSAGE", "hello", "PRIORITY", "6")},
		{"stderr line", "stderr", "oops\n", with("MESSAGE", "oops", "PRIORITY", "3")},
		{"empty line", "stdout", "\n", with("MESSAGE", "", "PRIORITY", "6")},
		{"partial", "stdout", "no end", with("MESSAGE", "no end", "PRIORITY", "6", "CONTAINER_PARTIAL_MESSAGE", "true")},
		{"carriage return and equals", "stdout", "a=b\rc\n", with("MESSAGE", "a=b\rc", "PRIORITY", "6")},
		{"long", "stdout", long, with("MESSAGE", long, "PRIORITY", "6", "CONTAINER_PARTIAL_MESSAGE", "true")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := w.WriteLine(tt.stream, []byte(tt.line)); err != nil {
				t.Fatal(err)
			}
			if got := receive(t, l); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %q\nwant %q", got, tt.want)
			}
		})
	}
}

// Values with newlines take the binary form; the rest stay KEY=VALUE.
func TestSendBinaryFields(t *testing.T) {
	sock, l := listen(t)
	w, err := NewWriter(sock, []Field{{"CONTAINER_TAG", "two\nlines"}})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := w.Send(Field{"MESSAGE", "a\nb\n"}, Field{"PRIORITY", "6"}); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"CONTAINER_TAG": "two\nlines", "MESSAGE": "a\nb\n", "PRIORITY": "6"}
	if got := receive(t, l); !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	raw := AppendField(nil, "MESSAGE", []byte("a\nb"))
	if wantRaw := "MESSAGE\n\x03\x00\x00\x00\x00\x00\x00\x00a\nb\n"; string(raw) != wantRaw {
		t.Errorf("encoding %q, want %q", raw, wantRaw)
	}
}

func TestCheck(t *testing.T) {
	sock, _ := listen(t)
	if err := Check(sock); err != nil {
		t.Errorf("listening socket: %v", err)
	}
	missing := filepath.Join(t.TempDir(), "socket")
	if err := Check(missing); err == nil || !strings.Contains(err.Error(), "not running") {
		t.Errorf("missing socket: %v", err)
	}
	// A socket file nobody serves any longer, as a stopped journald leaves.
	stale, l := listen(t)
	l.Close()
	if err := Check(stale); err == nil || !strings.Contains(err.Error(), "not running") {
		t.Errorf("stale socket: %v", err)
	}
}

// Close waits for journald to read what was sent, and no longer than its
// bound when it does not.
func TestCloseDrains(t *testing.T) {
	sock, l := listen(t)
	w, err := NewWriter(sock, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WriteLine("stdout", []byte("last words\n")); err != nil {
		t.Fatal(err)
	}
	read := make(chan time.Time, 1)
	go func() {
		time.Sleep(200 * time.Millisecond)
		buf := make([]byte, 4096)
		l.Read(buf)
		read <- time.Now()
	}()
	start := time.Now()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	closed := time.Now()
	if readAt := <-read; closed.Before(readAt) && closed.Sub(start) < 150*time.Millisecond {
		t.Errorf("Close returned after %v, before the entry was read", closed.Sub(start))
	}
	if closed.Sub(start) > 900*time.Millisecond {
		t.Errorf("Close took %v with a reader", closed.Sub(start))
	}

	w, err = NewWriter(sock, nil)
	if err != nil {
		t.Fatal(err)
	}
	w.drain = 100 * time.Millisecond
	if err := w.WriteLine("stdout", []byte("nobody reads this\n")); err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	w.Close()
	if d := time.Since(start); d < 100*time.Millisecond || d > time.Second {
		t.Errorf("Close without a reader took %v, want its bound of 100ms", d)
	}
}
