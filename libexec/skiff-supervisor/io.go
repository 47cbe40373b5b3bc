package main

import (
	"os"

	"github.com/opencontainers/runc/libcontainer"
	"github.com/opencontainers/runc/libcontainer/utils"

	"github.com/skiff-containers/skiff/internal/monitor"
	"github.com/skiff-containers/skiff/internal/supervisor"
)

type ioOptions struct {
	tty, stdin, attach bool
	// passthrough: the container gets the caller's own streams.
	passthrough bool
	rows, cols  uint16
}

// stdio prepares a container process's streams: the ends the process gets,
// and ours, which the monitor copies.
type stdio struct {
	o             ioOptions
	childEnds     []*os.File
	consoleParent *os.File
	streams       monitor.Streams
}

func setupIO(p *libcontainer.Process, o ioOptions) (*stdio, error) {
	s := &stdio{o: o}
	st := &s.streams
	st.Tty = o.tty
	if o.passthrough {
		// Descriptors 4-6 are the caller's (stdin is /dev/null without
		// -i): the container writes to them itself, nothing is copied,
		// and they stay the container's alone once it runs.
		in := os.NewFile(supervisor.FdStdin, "caller-stdin")
		out := os.NewFile(supervisor.FdStdout, "caller-stdout")
		errf := os.NewFile(supervisor.FdStderr, "caller-stderr")
		p.Stdin, p.Stdout, p.Stderr = in, out, errf
		s.childEnds = append(s.childEnds, in, out, errf)
		return s, nil
	}
	if o.attach {
		if o.stdin {
			st.AIn = os.NewFile(supervisor.FdStdin, "attach-stdin")
		}
		st.AOut = os.NewFile(supervisor.FdStdout, "attach-stdout")
		if !o.tty {
			st.AErr = os.NewFile(supervisor.FdStderr, "attach-stderr")
		}
		st.ACtl = os.NewFile(supervisor.FdControl, "control")
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
	if o.stdin {
		r, w, err := os.Pipe()
		if err != nil {
			return nil, err
		}
		p.Stdin, st.StdinW = r, w
		s.childEnds = append(s.childEnds, r)
	} else {
		devnull, err := os.Open(os.DevNull)
		if err != nil {
			return nil, err
		}
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
	st.OutR, st.ErrR = outR, errR
	s.childEnds = append(s.childEnds, outW, errW)
	return s, nil
}

// started closes the process's ends in this process and, with a terminal,
// receives the pty master libcontainer's init created.
func (s *stdio) started() error {
	for _, f := range s.childEnds {
		f.Close()
	}
	s.childEnds = nil
	if !s.o.tty {
		return nil
	}
	master, err := utils.RecvFile(s.consoleParent)
	s.consoleParent.Close()
	if err != nil {
		return err
	}
	s.streams.Master = master
	if s.o.rows > 0 && s.o.cols > 0 {
		monitor.Resize(master, s.o.rows, s.o.cols)
	}
	return nil
}

// abort releases everything after a failed start.
func (s *stdio) abort() {
	st := &s.streams
	for _, f := range append(s.childEnds, s.consoleParent, st.StdinW, st.OutR, st.ErrR, st.AIn, st.AOut, st.AErr, st.ACtl) {
		if f != nil {
			f.Close()
		}
	}
}
