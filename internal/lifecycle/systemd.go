package lifecycle

import (
	"fmt"
	"os"

	"github.com/skiff-containers/skiff/internal/container"
	"github.com/skiff-containers/skiff/internal/journal"
	"github.com/skiff-containers/skiff/internal/supervisor"
)

// checkLogDriver refuses to start a container whose output would go
// nowhere: a journald container where journald does not run.
func checkLogDriver(c *container.Container) error {
	if c.Log.DriverName() != container.LogJournald {
		return nil
	}
	if err := journal.Check(journal.Socket); err != nil {
		return fmt.Errorf("container %s has log driver journald, but %v: start systemd-journald or create the container with another --log-driver", c.Name, err)
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
