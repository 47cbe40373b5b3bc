// Package netns makes network namespaces that no process lives in yet: a
// supervisor prepares a container's network (helper, ports) in one before
// the container joins it, so the network is up when the command starts.
package netns

import (
	"fmt"
	"os"
	"runtime"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// New makes a network namespace with its loopback up. The namespace lives
// as long as the returned file is open or a process is in it.
func New() (*os.File, error) {
	type result struct {
		f   *os.File
		err error
	}
	done := make(chan result, 1)
	go func() {
		// The thread is left locked and so dies with the goroutine:
		// nothing else runs in the namespace it moved to.
		runtime.LockOSThread()
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			done <- result{err: fmt.Errorf("new network namespace: %w", err)}
			return
		}
		f, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			done <- result{err: err}
			return
		}
		if err := loopbackUp(); err != nil {
			f.Close()
			done <- result{err: err}
			return
		}
		done <- result{f: f}
	}()
	r := <-done
	return r.f, r.err
}

func loopbackUp() error {
	lo, err := netlink.LinkByName("lo")
	if err != nil {
		return fmt.Errorf("loopback: %w", err)
	}
	if err := netlink.LinkSetUp(lo); err != nil {
		return fmt.Errorf("loopback up: %w", err)
	}
	return nil
}

// Path names the namespace held by f for another process (one that does
// not inherit f), such as the container's init joining it.
func Path(f *os.File) string {
	return fmt.Sprintf("/proc/%d/fd/%d", os.Getpid(), f.Fd())
}
