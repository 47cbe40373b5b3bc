// Package monitor is what watches a running container: it copies the
// container's output to the log and to an attached CLI, feeds its stdin,
// forwards signals, reaps, and records the exit. The supervisor uses it
// in-process for `exec`; for a container it hands over to skiff-monitor, a
// small program it executes into once the container runs, so that the
// process owning a container for its whole life stays small.
package monitor

import (
	"bufio"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/skiff-containers/skiff/internal/logfile"
)

// Streams connects a container process to the log and an attached CLI.
// Nil files are absent.
type Streams struct {
	Tty bool
	// The container's side: output pipes (or the pty master), stdin pipe.
	OutR, ErrR, StdinW, Master *os.File
	// The attached CLI's side.
	AIn, AOut, AErr, ACtl *os.File
	Log                   logfile.Sink // nil: not kept (exec, log drivers none and passthrough)

	copies sync.WaitGroup
}

// Start begins copying.
func (s *Streams) Start() {
	if s.Tty {
		s.pump(s.Master, "stdout", s.AOut)
		if s.AIn != nil {
			go copyIn(s.Master, s.AIn, false)
		}
		if s.ACtl != nil {
			go s.control()
		}
		return
	}
	s.pump(s.OutR, "stdout", s.AOut)
	s.pump(s.ErrR, "stderr", s.AErr)
	if s.StdinW != nil && s.AIn != nil {
		go copyIn(s.StdinW, s.AIn, true)
	}
	// Without an attached stdin, StdinW stays open and empty: a
	// container run with -i -d waits on its input, as with Docker.
}

// pump copies a container stream to the log and the attached CLI. If the
// CLI goes away, the log goes on.
func (s *Streams) pump(src *os.File, stream string, attached *os.File) {
	if src == nil {
		return
	}
	s.copies.Add(1)
	go func() {
		defer s.copies.Done()
		var lw *logfile.StreamWriter
		if s.Log != nil {
			lw = logfile.NewStream(s.Log, stream)
		}
		buf := make([]byte, 16<<10)
		for {
			n, err := src.Read(buf)
			if n > 0 {
				if lw != nil {
					_, _ = lw.Write(buf[:n])
				}
				if attached != nil {
					if _, werr := attached.Write(buf[:n]); werr != nil {
						attached.Close()
						attached = nil
					}
				}
			}
			if err != nil {
				break
			}
		}
		if lw != nil {
			_ = lw.Flush()
		}
		if attached != nil {
			attached.Close()
		}
	}()
}

// copyIn feeds the attached stdin to the container; its end closes the
// container's stdin (not a terminal's).
func copyIn(dst, src *os.File, closeAtEOF bool) {
	_, _ = io.Copy(dst, src)
	if closeAtEOF {
		dst.Close()
	}
}

func (s *Streams) control() {
	sc := bufio.NewScanner(s.ACtl)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 3 && f[0] == "resize" {
			r, err1 := strconv.Atoi(f[1])
			c, err2 := strconv.Atoi(f[2])
			if err1 == nil && err2 == nil {
				Resize(s.Master, uint16(r), uint16(c))
			}
		}
	}
}

// Resize sets a terminal's window size.
func Resize(f *os.File, rows, cols uint16) {
	_ = unix.IoctlSetWinsize(int(f.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: rows, Col: cols})
}

// Finish waits for the output to drain after the process exited. Pipes
// close when the last process holding them is gone; a pty reports no EOF
// while we hold the master, so it gets a short grace period to drain.
func (s *Streams) Finish() {
	done := make(chan struct{})
	go func() { s.copies.Wait(); close(done) }()
	if s.Master != nil {
		select {
		case <-done:
		case <-time.After(200 * time.Millisecond):
			s.Master.Close()
			<-done
		}
		return
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
	}
}

// ForwardSignals passes what this process receives on to pid.
func ForwardSignals(pid int) {
	ch := make(chan os.Signal, 32)
	signal.Notify(ch, unix.SIGTERM, unix.SIGINT, unix.SIGQUIT, unix.SIGUSR1, unix.SIGUSR2, unix.SIGCONT, unix.SIGTSTP, unix.SIGALRM)
	go func() {
		for s := range ch {
			_ = unix.Kill(pid, s.(syscall.Signal))
		}
	}()
}

// InitReadyFd is the descriptor, in a --init container, on which
// skiff-init says it forwards signals: the supervisor reports the
// container started only then, so that a signal sent at once (run -d,
// then kill) is not lost while skiff-init starts up.
const InitReadyFd = 4

// ReapUntil reaps children (a subreaper gets orphans too) until pid exits,
// and returns its status the way a shell reports it.
func ReapUntil(pid int) int {
	for {
		var ws unix.WaitStatus
		wpid, err := unix.Wait4(-1, &ws, 0, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return 255
		}
		if wpid != pid {
			continue
		}
		if ws.Signaled() {
			return 128 + int(ws.Signal())
		}
		return ws.ExitStatus()
	}
}
