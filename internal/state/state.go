// Package state is the runtime state of a container as its supervisor
// records it: a JSON file replaced atomically, and a lock whose holder is
// the living supervisor. It is shared by the CLI and the supervisor, so it
// depends on nothing heavy.
package state

import (
	"os"
	"path/filepath"
	"strconv"
	"time"

	"golang.org/x/sys/unix"

	"github.com/skiff-containers/skiff/internal/jsonline"
)

// Statuses, as Docker names them.
const (
	StatusCreated = "created"
	StatusRunning = "running"
	StatusExited  = "exited"
)

// State is a container's runtime state.
type State struct {
	Status        string    `json:"status"`
	Pid           int       `json:"pid,omitempty"`
	SupervisorPid int       `json:"supervisorPid,omitempty"`
	StartedAt     time.Time `json:"startedAt,omitzero"`
	FinishedAt    time.Time `json:"finishedAt,omitzero"`
	ExitCode      int       `json:"exitCode"`
	OOMKilled     bool      `json:"oomKilled"`
	Error         string    `json:"error,omitempty"`
	// Ports are the published ports while it runs, as network.Port's
	// Encode writes them.
	Ports []string `json:"ports,omitempty"`
	// RestartCount counts the starts its restart policy made since its
	// user last started it.
	RestartCount int `json:"restartCount,omitempty"`
	// Scopes are the systemd units holding the container and its
	// supervisor (rootless, under the user's manager), which systemd
	// collects a moment after they empty; rm waits for them.
	Scopes []string `json:"scopes,omitempty"`
}

// Write replaces the state file atomically and durably: the exit code of a
// container must survive a crash of the machine right after. A volatile
// container's (--rm: it goes when it exits, and containers/storage does
// not sync its record either) is not waited for on the disk; after a crash
// it may be missing or torn, which readers take for an exited container.
func Write(path string, st State, volatile bool) error {
	return writeFile(path, st.encode(), 0o600, !volatile)
}

// encode writes what encoding/json would for State, without linking it
// into the supervisor's monitor.
func (st State) encode() []byte {
	o := jsonline.New().String("status", st.Status)
	if st.Pid != 0 {
		o.Int("pid", st.Pid)
	}
	if st.SupervisorPid != 0 {
		o.Int("supervisorPid", st.SupervisorPid)
	}
	if !st.StartedAt.IsZero() {
		o.Time("startedAt", st.StartedAt)
	}
	if !st.FinishedAt.IsZero() {
		o.Time("finishedAt", st.FinishedAt)
	}
	o.Int("exitCode", st.ExitCode).Bool("oomKilled", st.OOMKilled)
	if st.Error != "" {
		o.String("error", st.Error)
	}
	if len(st.Ports) > 0 {
		o.Strings("ports", st.Ports)
	}
	if st.RestartCount != 0 {
		o.Int("restartCount", st.RestartCount)
	}
	return o.Bytes()
}

// WriteFileAtomic writes data to a temporary file, fsyncs it, renames it
// over path, and fsyncs the directory.
func WriteFileAtomic(path string, data []byte, mode os.FileMode) error {
	return writeFile(path, data, mode, true)
}

// ReplaceFile is WriteFileAtomic without the sync, for files made again
// at every start: a reader sees the old file or the new, never half.
func ReplaceFile(path string, data []byte, mode os.FileMode) error {
	return writeFile(path, data, mode, false)
}

func writeFile(path string, data []byte, mode os.FileMode, durable bool) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(mode)
	}
	if err == nil && durable {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	if durable {
		_ = SyncDir(dir)
	}
	return nil
}

// SyncDir makes a directory's entries (a rename, a removal) durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// Lock takes the supervisor lock without waiting. The lock lasts as long
// as the returned file is open, which is as long as the process lives.
func Lock(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// SupervisorAlive reports whether some process holds the lock.
func SupervisorAlive(path string) bool {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return false
	}
	defer f.Close()
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		return true
	}
	_ = unix.Flock(int(f.Fd()), unix.LOCK_UN)
	return false
}

// Flock opens (creating) path and takes an exclusive lock on it, waiting
// for it. The lock lasts while the returned file is open.
func Flock(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// Hold registers the calling process (a supervisor) in registry as one that
// keeps its user namespace alive, so that later skiff commands join that
// namespace. The registration lasts while the returned file is open.
func Hold(registry string) (*os.File, error) {
	if err := os.MkdirAll(registry, 0o700); err != nil {
		return nil, err
	}
	return Flock(filepath.Join(registry, strconv.Itoa(os.Getpid())))
}
