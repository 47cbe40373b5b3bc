// Package slirp gives a network namespace outbound access through
// slirp4netns, the user-mode network stack rootless containers use: it
// runs in the host's namespace, with a tap device in the container's.
package slirp

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"time"
)

// Binary is the helper's name, looked up on PATH.
const Binary = "slirp4netns"

// Helper is a running slirp4netns.
type Helper struct {
	cmd *exec.Cmd
	// ExitW ends the helper when closed: whoever holds it last (the
	// container's supervisor) keeps the network alive, and its death,
	// however it comes, stops the helper.
	ExitW *os.File
}

// Usable reports why no helper can run here, or nil: the binary must be
// on PATH and /dev/net/tun openable.
func Usable() (string, error) {
	bin, err := exec.LookPath(Binary)
	if err != nil {
		return "", fmt.Errorf("%s is not installed (install the slirp4netns package)", Binary)
	}
	f, err := os.OpenFile("/dev/net/tun", os.O_RDWR, 0)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return "", fmt.Errorf("/dev/net/tun cannot be opened (%v); make it usable, for example chmod 0666 /dev/net/tun", err)
	}
	f.Close()
	return bin, nil
}

// Options for Start.
type Options struct {
	Binary string
	NetNS  *os.File // the container's network namespace
	MTU    int
	Log    io.Writer // the helper's own output
	// AllowHostLoopback passes connections to 10.0.2.2 on to the host's
	// 127.0.0.1; without it slirp4netns refuses them.
	AllowHostLoopback bool
}

// Start runs slirp4netns on the namespace and returns once its tap device
// is configured (10.0.2.100/24, gateway 10.0.2.2, resolver 10.0.2.3).
func Start(ctx context.Context, o Options) (*Helper, error) {
	readyR, readyW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer readyR.Close()
	exitR, exitW, err := os.Pipe()
	if err != nil {
		readyW.Close()
		return nil, err
	}
	// Descriptors 3, 4 and 5 in the helper.
	args := []string{"--configure", "--mtu=" + strconv.Itoa(o.MTU), "--ready-fd=3", "--exit-fd=4", "--enable-seccomp"}
	if !o.AllowHostLoopback {
		args = append(args, "--disable-host-loopback")
	}
	cmd := exec.Command(o.Binary, append(args, "--netns-type=path", "/proc/self/fd/5", "tap0")...)
	cmd.ExtraFiles = []*os.File{readyW, exitR, o.NetNS}
	cmd.Stdout, cmd.Stderr = o.Log, o.Log
	err = cmd.Start()
	readyW.Close()
	exitR.Close()
	if err != nil {
		exitW.Close()
		return nil, fmt.Errorf("start %s: %w", o.Binary, err)
	}
	h := &Helper{cmd: cmd, ExitW: exitW}
	ready := make(chan error, 1)
	go func() {
		b, err := bufio.NewReader(readyR).ReadByte()
		if err == nil && b != '1' {
			err = fmt.Errorf("unexpected ready byte %q", b)
		}
		ready <- err
	}()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	select {
	case err = <-ready:
	case <-ctx.Done():
		err = ctx.Err()
	}
	if err != nil {
		h.Close()
		if errors.Is(err, io.EOF) {
			err = errors.New("it exited before it was ready")
		}
		return nil, fmt.Errorf("%s: %w (its output is in the container's supervisor.log)", o.Binary, err)
	}
	// The supervisor reaps it (as a subreaper) when it exits; nobody
	// waits on it here.
	return h, nil
}

// Close stops the helper and waits for it.
func (h *Helper) Close() {
	h.ExitW.Close()
	_ = h.cmd.Wait()
}
