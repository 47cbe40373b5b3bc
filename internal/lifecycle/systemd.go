package lifecycle

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/skiff-containers/skiff/internal/container"
	"github.com/skiff-containers/skiff/internal/journal"
	"github.com/skiff-containers/skiff/internal/runspec"
	"github.com/skiff-containers/skiff/internal/sdnotify"
	"github.com/skiff-containers/skiff/internal/supervisor"
)

// CheckLogDriver refuses a container whose output would go nowhere: a
// journald container where journald does not run. run checks before it
// makes anything; Start checks again, for a container created earlier.
func CheckLogDriver(cfg container.Config) error {
	if cfg.Log.DriverName() != container.LogJournald {
		return nil
	}
	if err := journal.Check(journal.Socket); err != nil {
		return fmt.Errorf("log driver journald, but %v: start systemd-journald or use another --log-driver", err)
	}
	return nil
}

// setLog tells the supervisor where the container's output goes.
func setLog(l *supervisor.Launch, c *container.Container) {
	switch c.Log.DriverName() {
	case container.LogJSONFile:
		l.LogPath, l.LogMaxSize, l.LogMaxFiles = c.LogPath(), c.Log.MaxSize, c.Log.MaxFiles
	case container.LogJournald:
		l.Journal = journal.ContainerFields(c.ID, c.Name, c.LogTag(), c.Image)
	case container.LogPassthrough:
		l.Passthrough = true
	}
}

// relays reports whether the supervisor copies the container's streams
// to the caller: when attached, unless the container writes to the
// caller's streams itself (passthrough).
func relays(c *container.Container, o StartOptions) bool {
	return o.Attach && c.Log.DriverName() != container.LogPassthrough
}

// passthroughFiles are the caller's streams a passthrough container gets:
// stdin only with -i.
func passthroughFiles(c *container.Container, o StartOptions) [3]*os.File {
	if c.Log.DriverName() != container.LogPassthrough {
		return [3]*os.File{}
	}
	files := o.Caller
	if !c.OpenStdin {
		files[0] = nil
	}
	return files
}

// containerNotify prepares --sdnotify=container under a unit that waits
// for READY: the directory the supervisor makes the container's socket
// in, the mount that shows it to the container, and the variable naming
// it there. Without a unit's $NOTIFY_SOCKET there is nothing to relay to,
// and the container gets nothing.
func (m *Manager) containerNotify(c *container.Container) (dir string, mount runspec.Mount, env string, err error) {
	if c.SDNotify != sdnotify.ModeContainer || m.Unit.NotifySocket == "" {
		return "", mount, "", nil
	}
	dir = filepath.Join(c.RunDir, "notify")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", mount, "", fmt.Errorf("notify socket directory: %w", err)
	}
	// Whatever the umask: every user of the container must reach the
	// socket through it. Its parents need no such right: the container
	// sees the directory as a mount, and no path up to it.
	if err := os.Chmod(dir, 0o755); err != nil {
		return "", mount, "", fmt.Errorf("notify socket directory: %w", err)
	}
	mount = runspec.Mount{Source: dir, Destination: sdnotify.ContainerDir, ReadOnly: true}
	return dir, mount, "NOTIFY_SOCKET=" + filepath.Join(sdnotify.ContainerDir, sdnotify.SocketName), nil
}
