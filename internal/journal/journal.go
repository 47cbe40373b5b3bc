// Package journal sends entries to systemd-journald over its native
// protocol: one unix datagram per entry, made of fields. A field is
// KEY=VALUE and a newline, or, where the value holds a newline, the key, a
// newline, the value's length as a little-endian 64-bit number, the value
// and a newline.
//
// It uses plain system calls: skiff-monitor links it, and must stay small
// (no net, no cgo, no encoding/json).
package journal

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// Socket is where systemd-journald takes native entries.
const Socket = "/run/systemd/journal/socket"

// Priorities of a container's streams, as podman and Docker log them.
const (
	PriorityStdout = "6" // info
	PriorityStderr = "3" // err
)

// Field is one field of an entry.
type Field struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// ContainerFields are the fields every line of a container's output
// carries, named as podman and Docker name them, so that their tools and
// journalctl filters (CONTAINER_NAME=web) work on skiff's too.
func ContainerFields(id, name, tag, image string) []Field {
	short := id
	if len(short) > 12 {
		short = short[:12]
	}
	f := []Field{
		{"CONTAINER_ID", short},
		{"CONTAINER_ID_FULL", id},
		{"CONTAINER_NAME", name},
		{"CONTAINER_TAG", tag},
		{"SYSLOG_IDENTIFIER", tag},
	}
	if image != "" {
		f = append(f, Field{"IMAGE_NAME", image})
	}
	return f
}

// Check reports whether journald listens on socket.
func Check(socket string) error {
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("journal socket: %w", err)
	}
	defer unix.Close(fd)
	if err := unix.Connect(fd, &unix.SockaddrUnix{Name: socket}); err != nil {
		if errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ECONNREFUSED) {
			return fmt.Errorf("systemd-journald is not running (nothing listens on %s)", socket)
		}
		return fmt.Errorf("systemd-journald at %s: %w", socket, err)
	}
	return nil
}

// Writer sends entries that share some fields to journald.
type Writer struct {
	fd     int
	addr   unix.SockaddrUnix
	common []byte // the shared fields, encoded
	// drain bounds how long Close waits for journald to take what was
	// sent.
	drain time.Duration
}

// NewWriter prepares entries to socket that all carry fields. The socket
// is not connected: each entry is addressed, so a journald that restarts
// (a new socket at the same path) keeps getting them.
func NewWriter(socket string, fields []Field) (*Writer, error) {
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("journal socket: %w", err)
	}
	w := &Writer{fd: fd, addr: unix.SockaddrUnix{Name: socket}, drain: time.Second}
	for _, f := range fields {
		w.common = AppendField(w.common, f.Key, []byte(f.Value))
	}
	return w, nil
}

// Send sends one entry: the shared fields and these.
func (w *Writer) Send(fields ...Field) error {
	b := append([]byte{}, w.common...)
	for _, f := range fields {
		b = AppendField(b, f.Key, []byte(f.Value))
	}
	return w.send(b)
}

// WriteLine sends one line of a container's stream ("stdout" or
// "stderr") as an entry. A line without its newline is a part of a longer
// one (or the output's unterminated end), marked as Docker marks it.
func (w *Writer) WriteLine(stream string, line []byte) error {
	prio := PriorityStdout
	if stream == "stderr" {
		prio = PriorityStderr
	}
	b := make([]byte, 0, len(w.common)+len(line)+64)
	b = append(b, w.common...)
	if n := len(line); n > 0 && line[n-1] == '\n' {
		b = AppendField(b, "MESSAGE", line[:n-1])
	} else {
		b = AppendField(b, "MESSAGE", line)
		b = AppendField(b, "CONTAINER_PARTIAL_MESSAGE", []byte("true"))
	}
	b = AppendField(b, "PRIORITY", []byte(prio))
	return w.send(b)
}

func (w *Writer) send(b []byte) error {
	for {
		err := unix.Sendto(w.fd, b, 0, &w.addr)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return fmt.Errorf("send to journal %s: %w", w.addr.Name, err)
		}
		return nil
	}
}

// Close waits (a little) until journald has read every entry sent, so
// that the entries of a container that just exited are there when its
// logs are read, then closes the socket.
func (w *Writer) Close() error {
	deadline := time.Now().Add(w.drain)
	for time.Now().Before(deadline) {
		// What journald has not read yet still counts against our
		// socket's send buffer.
		n, err := unix.IoctlGetInt(w.fd, unix.SIOCOUTQ)
		if err != nil || n == 0 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	return os.NewSyscallError("close", unix.Close(w.fd))
}

// AppendField appends one field in the native protocol's encoding.
func AppendField(b []byte, key string, value []byte) []byte {
	b = append(b, key...)
	if bytes.IndexByte(value, '\n') < 0 {
		b = append(b, '=')
		b = append(b, value...)
		return append(b, '\n')
	}
	b = append(b, '\n')
	b = binary.LittleEndian.AppendUint64(b, uint64(len(value)))
	b = append(b, value...)
	return append(b, '\n')
}
