// Package sdnotify speaks systemd's notification protocol: one datagram of
// KEY=VALUE lines to the unix socket named by $NOTIFY_SOCKET (a leading
// '@' names an abstract socket).
package sdnotify

import (
	"fmt"
	"net"
	"strings"
)

// Modes of --sdnotify.
const (
	ModeSupervisor = "supervisor" // the supervisor says READY, with itself as MAINPID
	ModeIgnore     = "ignore"     // nothing is said
)

// ParseMode reads --sdnotify.
func ParseMode(s string) (string, error) {
	switch s {
	case "", ModeSupervisor:
		return ModeSupervisor, nil
	case ModeIgnore:
		return s, nil
	case "container":
		return "", fmt.Errorf("--sdnotify=container is not supported yet: use supervisor (READY once the container runs) or ignore")
	}
	return "", fmt.Errorf("invalid --sdnotify %q: use supervisor or ignore", s)
}

// Send writes one notification to socket.
func Send(socket string, lines ...string) error {
	addr := &net.UnixAddr{Name: socket, Net: "unixgram"}
	if strings.HasPrefix(socket, "@") {
		addr.Name = "\x00" + socket[1:]
	}
	c, err := net.DialUnix("unixgram", nil, addr)
	if err != nil {
		return fmt.Errorf("sd_notify %s: %w", socket, err)
	}
	defer c.Close()
	if _, err := c.Write([]byte(strings.Join(lines, "\n") + "\n")); err != nil {
		return fmt.Errorf("sd_notify %s: %w", socket, err)
	}
	return nil
}
