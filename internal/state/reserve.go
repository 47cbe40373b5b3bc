package state

import (
	"os"
	"path/filepath"
	"sync"

	"golang.org/x/sys/unix"
)

// A container that fills the disk its store is on must still get its last
// words into the log and its exit state onto the disk, and rm must still
// be able to remove it. Its supervisor therefore sets space aside in the
// container's directory (on the store's file system) before the program
// runs: ReserveLog bytes the log may use once the disk is full, and
// ReserveState bytes freed just before the exit state is written. An exit
// state is one small file written next to the old one (one block or page
// each, as tmpfs and ext4 allocate), so 16 KiB leaves room to spare; 64
// KiB of log keeps a few hundred lines of a program's complaints.
const (
	ReserveLog   int64 = 64 << 10
	ReserveState int64 = 16 << 10
)

const reserveFile = "reserve"

// ReservePath is the reserve of the container whose state file is
// statePath.
func ReservePath(statePath string) string {
	return filepath.Join(filepath.Dir(statePath), reserveFile)
}

// Reserve is the space held back for a container.
type Reserve struct {
	path    string
	mu      sync.Mutex
	logFree bool // the log's share was released
}

// MakeReserve allocates the reserve at path. A disk too full for it gets
// none (and an error): the container runs regardless, as it would have
// without.
func MakeReserve(path string) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	err = unix.Fallocate(int(f.Fd()), 0, 0, ReserveLog+ReserveState)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
	}
	return err
}

// OpenReserve is the reserve MakeReserve made at path, for the process
// that watches the container.
func OpenReserve(path string) *Reserve { return &Reserve{path: path} }

// ReleaseLog gives the log's share back to the file system, once; it
// reports whether there was any to give.
func (r *Reserve) ReleaseLog() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.logFree {
		return false
	}
	r.logFree = true
	fi, err := os.Stat(r.path)
	if err != nil || fi.Size() <= ReserveState {
		return false
	}
	return os.Truncate(r.path, ReserveState) == nil
}

// Release frees all of it, just before the exit state is written.
func (r *Reserve) Release() {
	_ = ReleaseReserve(r.path)
}

// ReleaseReserve frees a reserve by its path; one that is not there is
// not an error.
func ReleaseReserve(path string) error {
	if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
		return err
	}
	return nil
}
