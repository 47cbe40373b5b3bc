package main

import (
	"bufio"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/opencontainers/runc/libcontainer"
	"github.com/opencontainers/runc/libcontainer/utils"
	"golang.org/x/sys/unix"

	"github.com/skiff-containers/skiff/internal/logfile"
	"github.com/skiff-containers/skiff/internal/supervisor"
)

type ioOptions struct {
	tty, stdin, attach bool
	rows, cols         uint16
	log                *logfile.Writer // nil: output is not logged (exec)
}

// stdio connects a container process to the log and an attached CLI.
type stdio struct {
	o ioOptions
	// Ends the process gets; closed here once it has them.
	childEnds []*os.File
	// Our ends.
	stdinW, outR, errR *os.File
	consoleParent      *os.File
	master             *os.File
	// The attached CLI's descriptors.
	aIn, aOut, aErr, aCtl *os.File
	copies                sync.WaitGroup
}

func setupIO(p *libcontainer.Process, o ioOptions) (*stdio, error) {
	s := &stdio{o: o}
	if o.attach {
		if o.stdin {
			s.aIn = os.NewFile(supervisor.FdStdin, "attach-stdin")
		}
		s.aOut = os.NewFile(supervisor.FdStdout, "attach-stdout")
		if !o.tty {
			s.aErr = os.NewFile(supervisor.FdStderr, "attach-stderr")
		}
		s.aCtl = os.NewFile(supervisor.FdControl, "control")
	}
	if o.tty {
		parent, child, err := utils.NewSockPair("console")
		if err != nil {
			return nil, err
		}
		p.ConsoleSocket = child
		p.ConsoleWidth, p.ConsoleHeight = o.cols, o.rows
		s.consoleParent = parent
		s.childEnds = append(s.childEnds, child)
		return s, nil
	}
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		return nil, err
	}
	if o.stdin {
		r, w, err := os.Pipe()
		if err != nil {
			return nil, err
		}
		p.Stdin, s.stdinW = r, w
		s.childEnds = append(s.childEnds, r)
		devnull.Close()
	} else {
		p.Stdin = devnull
		s.childEnds = append(s.childEnds, devnull)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	p.Stdout, p.Stderr = outW, errW
	s.outR, s.errR = outR, errR
	s.childEnds = append(s.childEnds, outW, errW)
	return s, nil
}

// started closes the child's ends and starts copying.
func (s *stdio) started(p *libcontainer.Process) error {
	for _, f := range s.childEnds {
		f.Close()
	}
	s.childEnds = nil
	if s.o.tty {
		master, err := utils.RecvFile(s.consoleParent)
		s.consoleParent.Close()
		if err != nil {
			return err
		}
		s.master = master
		if s.o.rows > 0 && s.o.cols > 0 {
			resize(master, s.o.rows, s.o.cols)
		}
		s.pump(master, "stdout", s.aOut)
		if s.aIn != nil {
			go copyIn(master, s.aIn, false)
		}
	} else {
		s.pump(s.outR, "stdout", s.aOut)
		s.pump(s.errR, "stderr", s.aErr)
		if s.stdinW != nil {
			if s.aIn != nil {
				go copyIn(s.stdinW, s.aIn, true)
			} else {
				// Kept open with nothing to feed it, as `-i` does
				// when detached: the container waits on its input.
				_ = s.stdinW
			}
		}
	}
	if s.aCtl != nil && s.master != nil {
		go s.control()
	}
	return nil
}

// pump copies a container stream to the log and the attached CLI. If the
// CLI goes away, the log goes on.
func (s *stdio) pump(src *os.File, stream string, attached *os.File) {
	s.copies.Add(1)
	go func() {
		defer s.copies.Done()
		var lw *logfile.StreamWriter
		if s.o.log != nil {
			lw = s.o.log.Stream(stream)
		}
		buf := make([]byte, 32<<10)
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
// container's stdin (not a terminal's, which the CLI may reattach).
func copyIn(dst *os.File, src *os.File, closeAtEOF bool) {
	_, _ = io.Copy(dst, src)
	if closeAtEOF {
		dst.Close()
	}
}

func (s *stdio) control() {
	sc := bufio.NewScanner(s.aCtl)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 3 && f[0] == "resize" {
			r, err1 := strconv.Atoi(f[1])
			c, err2 := strconv.Atoi(f[2])
			if err1 == nil && err2 == nil {
				resize(s.master, uint16(r), uint16(c))
			}
		}
	}
}

func resize(f *os.File, rows, cols uint16) {
	_ = unix.IoctlSetWinsize(int(f.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: rows, Col: cols})
}

// finish waits for the output to drain after the process exited. The pipes
// close when the last process holding them is gone; a pty never reports
// EOF while we hold the master, so it gets a short grace period to drain.
func (s *stdio) finish() {
	done := make(chan struct{})
	go func() { s.copies.Wait(); close(done) }()
	if s.master != nil {
		select {
		case <-done:
		case <-time.After(200 * time.Millisecond):
			s.master.Close()
			<-done
		}
		return
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
	}
}

// abort releases everything after a failed start.
func (s *stdio) abort() {
	for _, f := range s.childEnds {
		f.Close()
	}
	for _, f := range []*os.File{s.stdinW, s.outR, s.errR, s.consoleParent, s.aIn, s.aOut, s.aErr, s.aCtl} {
		if f != nil {
			f.Close()
		}
	}
}
