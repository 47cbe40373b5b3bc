package cli

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/skiff-containers/skiff/internal/container"
	"github.com/skiff-containers/skiff/internal/supervisor"
)

func timeNow() time.Time { return time.Now().UTC() }

// terminal is the caller's terminal while attached to a -t container.
type terminal struct {
	in, out *os.File
	saved   *unix.Termios
}

func newTerminal(streams IO) *terminal {
	t := &terminal{}
	if f, ok := streams.In.(*os.File); ok {
		t.in = f
	}
	if f, ok := streams.Out.(*os.File); ok {
		t.out = f
	}
	return t
}

// size is the caller's window size, or 0x0 when not on a terminal.
func (t *terminal) size() (uint16, uint16) {
	for _, f := range []*os.File{t.out, t.in} {
		if f == nil {
			continue
		}
		if ws, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ); err == nil {
			return ws.Row, ws.Col
		}
	}
	return 0, 0
}

// raw puts the input terminal in raw mode: keys, Ctrl-C included, go to the
// container's terminal, which does its own line discipline.
func (t *terminal) raw() {
	if t.in == nil {
		return
	}
	tio, err := unix.IoctlGetTermios(int(t.in.Fd()), unix.TCGETS)
	if err != nil {
		return
	}
	saved := *tio
	tio.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
	tio.Oflag &^= unix.OPOST
	tio.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	tio.Cflag &^= unix.CSIZE | unix.PARENB
	tio.Cflag |= unix.CS8
	tio.Cc[unix.VMIN] = 1
	tio.Cc[unix.VTIME] = 0
	if err := unix.IoctlSetTermios(int(t.in.Fd()), unix.TCSETS, tio); err == nil {
		t.saved = &saved
	}
}

func (t *terminal) restore() {
	if t.saved != nil {
		_ = unix.IoctlSetTermios(int(t.in.Fd()), unix.TCSETS, t.saved)
		t.saved = nil
	}
}

// attach relays the caller's streams to an attached supervisor until the
// process exits (returning its exit code) or the caller detaches.
func (s *session) attach(p *supervisor.Process, ctr *container.Container, term *terminal, stdin bool, detachKeys []byte) (code int, detached bool, err error) {
	a := p.Attach
	if term != nil {
		term.raw()
		defer term.restore()
		winch := make(chan os.Signal, 1)
		signal.Notify(winch, unix.SIGWINCH)
		defer signal.Stop(winch)
		go func() {
			for range winch {
				if r, c := term.size(); r > 0 {
					fmt.Fprintf(a.Control, "resize %d %d\n", r, c)
				}
			}
		}()
	} else {
		defer proxySignals(p.Result.Pid)()
	}
	detach := make(chan struct{})
	if a.Stdin != nil && stdin {
		keys := detachKeys
		if term == nil {
			keys = nil
		}
		go func() {
			if copyDetaching(a.Stdin, s.io.In, keys) {
				close(detach)
				return
			}
			a.Stdin.Close()
		}()
	}
	var wg sync.WaitGroup
	relay := func(dst io.Writer, src io.Reader) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _ = io.Copy(dst, src)
		}()
	}
	relay(s.io.Out, a.Stdout)
	if a.Stderr != nil {
		relay(s.io.Err, a.Stderr)
	}
	exited := make(chan struct{})
	var werr error
	go func() {
		code, werr = p.Wait()
		close(exited)
	}()
	select {
	case <-exited:
		wg.Wait()
		return code, false, werr
	case <-detach:
		if term != nil {
			term.restore()
		}
		return 0, true, nil
	}
}

// proxySignals passes signals sent to skiff on to the container, as
// Docker's sig-proxy does without a terminal, until the returned function
// is called.
func proxySignals(pid int) (stop func()) {
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, unix.SIGINT, unix.SIGTERM, unix.SIGHUP, unix.SIGQUIT, unix.SIGUSR1, unix.SIGUSR2)
	go func() {
		for sig := range sigs {
			_ = unix.Kill(pid, sig.(unix.Signal))
		}
	}()
	return func() { signal.Stop(sigs) }
}

// waitPassthrough waits for a container that writes to the caller's
// streams itself (passthrough), as attach does without streams to relay.
func waitPassthrough(p *supervisor.Process) (int, error) {
	defer proxySignals(p.Result.Pid)()
	return p.Wait()
}

// callerStdio are the caller's streams as files, for a passthrough
// container; nil where one is not a file.
func (s *session) callerStdio() [3]*os.File {
	var files [3]*os.File
	for i, st := range []any{s.io.In, s.io.Out, s.io.Err} {
		if f, ok := st.(*os.File); ok {
			files[i] = f
		}
	}
	return files
}

// copyDetaching copies src to dst until EOF, or until the detach sequence
// is typed (then it returns true). Keys that begin the sequence are held
// back until it is clear they do not complete it.
func copyDetaching(dst io.Writer, src io.Reader, keys []byte) bool {
	buf := make([]byte, 4096)
	var held []byte
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if len(keys) == 0 {
				if _, werr := dst.Write(buf[:n]); werr != nil {
					return false
				}
			} else {
				var out bytes.Buffer
				for _, b := range buf[:n] {
					held = append(held, b)
					if bytes.Equal(held, keys) {
						return true
					}
					if !bytes.HasPrefix(keys, held) {
						out.Write(held)
						held = held[:0]
					}
				}
				if out.Len() > 0 {
					if _, werr := dst.Write(out.Bytes()); werr != nil {
						return false
					}
				}
			}
		}
		if err != nil {
			return false
		}
	}
}
