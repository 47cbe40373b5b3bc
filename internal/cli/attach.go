package cli

import (
	"os"
	"os/signal"

	"golang.org/x/sys/unix"

	"github.com/skiff-containers/skiff/internal/engine"
)

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

// attachment is the caller's side of an attached run, start or exec: the
// streams, and the terminal or the signals that go with them. The engine
// relays; close undoes what the attachment did to the terminal.
type attachment struct {
	streams engine.Streams
	term    *terminal
	stops   []func()
}

// attachment connects skiff's own streams (stdin only when asked for)
// to a process. With a terminal it goes raw and passes on window size
// changes; without, signals sent to skiff go to the process, as with
// Docker's sig-proxy.
func (s *session) attachment(detachKeys string, stdin bool) *attachment {
	a := &attachment{streams: engine.Streams{Stdout: s.io.Out, Stderr: s.io.Err, DetachKeys: detachKeys}}
	if stdin {
		a.streams.Stdin = s.io.In
	}
	term := newTerminal(s.io)
	a.streams.Rows, a.streams.Cols = term.size()
	// Also with a terminal, which sends none: skiff's own SIGINT or
	// SIGTERM must not end the wait.
	sigs := make(chan os.Signal, 8)
	resize := make(chan engine.Size, 8)
	a.streams.Signals, a.streams.Resize = sigs, resize
	a.streams.OnAttach = func(tty bool) {
		if !tty {
			signal.Notify(sigs, unix.SIGINT, unix.SIGTERM, unix.SIGHUP, unix.SIGQUIT, unix.SIGUSR1, unix.SIGUSR2)
			a.stops = append(a.stops, func() { signal.Stop(sigs) })
			return
		}
		term.raw()
		a.term = term
		winch := make(chan os.Signal, 1)
		signal.Notify(winch, unix.SIGWINCH)
		a.stops = append(a.stops, func() { signal.Stop(winch) })
		go func() {
			for range winch {
				if r, c := term.size(); r > 0 {
					select {
					case resize <- engine.Size{Rows: r, Cols: c}:
					default:
					}
				}
			}
		}()
	}
	return a
}

func (a *attachment) close() {
	for _, stop := range a.stops {
		stop()
	}
	if a.term != nil {
		a.term.restore()
	}
}
