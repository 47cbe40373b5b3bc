// Package sdnotify speaks systemd's notification protocol: one datagram of
// KEY=VALUE lines to the unix socket named by $NOTIFY_SOCKET (a leading
// '@' names an abstract socket). With --sdnotify=container it also relays
// what the container's own program says.
//
// It uses plain system calls: skiff-monitor, which relays, links it and
// must stay small.
package sdnotify

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// Modes of --sdnotify.
const (
	ModeSupervisor = "supervisor" // the supervisor says READY, with itself as MAINPID
	ModeContainer  = "container"  // the container's program says READY; the supervisor says MAINPID
	ModeIgnore     = "ignore"     // nothing is said
)

// Where a container notifies, inside it (as podman has it): ContainerDir
// is a mount of the directory holding the socket SocketName.
const (
	ContainerDir = "/run/notify"
	SocketName   = "notify.sock"
)

// ParseMode reads --sdnotify.
func ParseMode(s string) (string, error) {
	switch s {
	case "", ModeSupervisor:
		return ModeSupervisor, nil
	case ModeContainer, ModeIgnore:
		return s, nil
	}
	return "", fmt.Errorf("invalid --sdnotify %q: use supervisor, container or ignore", s)
}

// Send writes one notification to socket.
func Send(socket string, lines ...string) error {
	return send(socket, []byte(strings.Join(lines, "\n")+"\n"))
}

func send(socket string, msg []byte) error {
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("sd_notify %s: %w", socket, err)
	}
	defer unix.Close(fd)
	// x/sys/unix turns a leading '@' into the abstract namespace's NUL.
	if err := unix.Sendto(fd, msg, 0, &unix.SockaddrUnix{Name: socket}); err != nil {
		return fmt.Errorf("sd_notify %s: %w", socket, err)
	}
	return nil
}

// Listen makes the socket at path that a container's program notifies,
// open to every user of the container (they are not the user who runs
// skiff), and returns it non-blocking.
func Listen(path string) (*os.File, error) {
	dir, err := unix.Open(filepath.Dir(path), unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("notify socket %s: %w", path, err)
	}
	defer unix.Close(dir)
	// A container's run directory is deeper than the 108 bytes a socket
	// address holds; through the directory's descriptor the name is short.
	short := fmt.Sprintf("/proc/self/fd/%d/%s", dir, filepath.Base(path))
	if err := unix.Unlink(short); err != nil && !errors.Is(err, unix.ENOENT) {
		return nil, fmt.Errorf("remove old notify socket %s: %w", path, err)
	}
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("notify socket %s: %w", path, err)
	}
	if err := unix.Bind(fd, &unix.SockaddrUnix{Name: short}); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("notify socket %s: %w", path, err)
	}
	if err := unix.Fchmodat(dir, filepath.Base(path), 0o777, 0); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("notify socket %s: %w", path, err)
	}
	return os.NewFile(uintptr(fd), path), nil
}

// Relay passes what a container's program says on src (a socket Listen
// made) on to socket, systemd's, until src fails.
func Relay(src *os.File, socket string) error {
	rc, err := src.SyscallConn()
	if err != nil {
		return err
	}
	// Notifications are at most a pipe buffer's worth (systemd's limit).
	buf := make([]byte, 4096)
	for {
		var n int
		var rerr error
		// Read through the runtime's poller, as recvfrom: an empty
		// datagram is not an end of file.
		err := rc.Read(func(fd uintptr) bool {
			n, _, rerr = unix.Recvfrom(int(fd), buf, 0)
			return rerr != unix.EAGAIN
		})
		if err != nil {
			return err
		}
		if rerr == unix.EINTR {
			continue
		}
		if rerr != nil {
			return rerr
		}
		if msg := Filter(buf[:n]); msg != nil {
			// systemd may be gone or restarting; the container goes on.
			_ = send(socket, msg)
		}
	}
}

// Filter keeps of a container's notification what systemd should hear
// from it: not MAINPID (the supervisor, which said it at the start,
// stays the service's main process), nor what refers to file descriptors,
// which are not relayed. It returns nil when nothing is left.
func Filter(msg []byte) []byte {
	var out []byte
	for _, line := range strings.Split(string(msg), "\n") {
		key, _, _ := strings.Cut(line, "=")
		switch key {
		case "", "MAINPID", "FDSTORE", "FDSTOREREMOVE", "FDNAME", "FDPOLL", "BARRIER":
			continue
		}
		out = append(append(out, line...), '\n')
	}
	return out
}
