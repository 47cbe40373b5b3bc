package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/skiff-containers/skiff/internal/sdnotify"
	"github.com/skiff-containers/skiff/internal/supervisor"
)

// containerNotifySocket makes, for --sdnotify=container, the socket the
// container's program notifies, before the container exists: its program
// may say READY at once. Nil when there is nothing to relay to.
func containerNotifySocket(l *supervisor.Launch) (*os.File, error) {
	if l.NotifyDir == "" || l.NotifySocket == "" {
		return nil, nil
	}
	return sdnotify.Listen(filepath.Join(l.NotifyDir, sdnotify.SocketName))
}

// notifyStarted tells systemd that the container runs, naming this
// process, which stays its owner as skiff-monitor, as the service's main
// one; and READY, unless the container's program says that itself.
func notifyStarted(l *supervisor.Launch) {
	if l.NotifySocket == "" {
		return
	}
	lines := []string{fmt.Sprintf("MAINPID=%d", os.Getpid())}
	if l.NotifyDir == "" {
		lines = append(lines, "READY=1")
	}
	if err := sdnotify.Send(l.NotifySocket, lines...); err != nil {
		fmt.Fprintf(os.Stderr, "skiff-supervisor: %v\n", err)
	}
}
