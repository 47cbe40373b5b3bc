// Package netns makes network namespaces that no process lives in yet: a
// supervisor prepares a container's network (helper, ports) in one before
// the container joins it, so the network is up when the command starts.
package netns

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"runtime"

	"github.com/vishvananda/netlink"
	vnetns "github.com/vishvananda/netns"
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

// Handle is a netlink handle on the namespace held by ns. netlink makes
// one by moving the calling thread into the namespace and back, and
// ignores a failed way back; rootless, moving back into the host's
// namespace is refused. The thread would stay in the namespace, and a
// supervisor whose main thread did would start its helpers (skiff-ports)
// there. So the handle is made on a thread of its own, which ends with it:
// the socket keeps to the namespace it was made in.
func Handle(ns *os.File) (*netlink.Handle, error) {
	type result struct {
		h   *netlink.Handle
		err error
	}
	done := make(chan result, 1)
	go func() {
		// Never unlocked: the thread ends with the goroutine.
		runtime.LockOSThread()
		h, err := netlink.NewHandleAt(vnetns.NsHandle(ns.Fd()))
		done <- result{h, err}
	}()
	r := <-done
	return r.h, r.err
}

// AddLoopbackAddress gives the namespace's loopback device one more
// address, addr/32: the address the container is published at when it
// has no other interface to carry it (slirp4netns could not run).
func AddLoopbackAddress(ns *os.File, addr netip.Addr) error {
	h, err := Handle(ns)
	if err != nil {
		return fmt.Errorf("address %s on loopback: %w", addr, err)
	}
	defer h.Close()
	lo, err := h.LinkByName("lo")
	if err != nil {
		return fmt.Errorf("address %s on loopback: %w", addr, err)
	}
	ipnet := &net.IPNet{IP: addr.AsSlice(), Mask: net.CIDRMask(addr.BitLen(), addr.BitLen())}
	if err := h.AddrAdd(lo, &netlink.Addr{IPNet: ipnet}); err != nil {
		return fmt.Errorf("address %s on loopback: %w", addr, err)
	}
	return nil
}
