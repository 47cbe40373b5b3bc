package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/skiff-containers/skiff/internal/container"
	"github.com/skiff-containers/skiff/internal/lifecycle"
	"github.com/skiff-containers/skiff/internal/supervisor"
)

// Size is a terminal's window size.
type Size struct{ Rows, Cols uint16 }

// Streams connect a caller to a container's process (run, start, exec).
type Streams struct {
	// Stdin feeds the process's stdin (nil: none); Stdout and Stderr get
	// its output (with a terminal, all of it goes to Stdout).
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// Rows and Cols are the caller's terminal size for a process with a
	// terminal; Resize carries its changes.
	Rows, Cols uint16
	Resize     <-chan Size
	// DetachKeys is the key sequence that detaches from a process with a
	// terminal, as Docker writes it: "ctrl-p,ctrl-q" ("": none).
	DetachKeys string
	// Signals received are sent on to the process (Docker's sig-proxy).
	// A caller that forwards signals ends an attached wait through them:
	// a cancelled context then only interrupts the start. Without
	// Signals, a cancelled context detaches the caller.
	Signals <-chan os.Signal
	// OnAttach, when set, is called once the process runs and the
	// streams are connected, before anything is relayed: a terminal goes
	// into raw mode here (tty says whether the process has one).
	OnAttach func(tty bool)
}

// StartOptions say how a caller is connected to a starting container.
type StartOptions struct {
	// Attach relays the streams until the container exits or the caller
	// detaches. Without it the container runs on its own; a container
	// with the passthrough log driver gets the streams as its own either
	// way, so they must then be files (or nil: /dev/null).
	Attach bool
	Streams
}

// Exit is how a run, start or exec ended for its caller.
type Exit struct {
	ID string // the container's
	// Code is the process's exit status when the caller waited for it.
	Code int
	// Detached: the process runs on (not attached, or the caller
	// detached).
	Detached bool
}

// Start starts a created or stopped container. Not attached, a running
// one is left as it is; attached, it must be stopped.
func (e *Engine) Start(ctx context.Context, ref string, o StartOptions) (Exit, error) {
	keys, err := parseDetachKeys(o.DetachKeys)
	if err != nil {
		return Exit{}, err
	}
	c, err := e.lookup(ref)
	if err != nil {
		return Exit{}, err
	}
	if !o.Attach {
		if st, err := c.State(); err == nil && st.Status == container.StatusRunning {
			return Exit{ID: c.ID, Detached: true}, nil
		}
	}
	return e.start(ctx, c, o, keys, false, nil, nil)
}

// RestartByPolicy is a start by a container's restart policy, its
// count-th, after delay: unless its user stopped or removed it
// meanwhile, which ends the wait at once (and is no error), so that no
// process outlives the container it was for by more than a moment.
func (e *Engine) RestartByPolicy(ctx context.Context, ref string, count int, delay time.Duration, o StartOptions) error {
	c, err := e.m.Containers.Lookup(ref)
	if errors.Is(err, container.ErrNotFound) {
		return nil
	}
	if err != nil {
		return classify(err)
	}
	for deadline := time.Now().Add(delay); time.Now().Before(deadline); {
		if _, err := os.Stat(c.StoppedMarker()); err == nil {
			return nil
		}
		if _, err := os.Stat(c.Dir); err != nil {
			return nil
		}
		select {
		case <-time.After(min(100*time.Millisecond, time.Until(deadline))):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	o.Attach = false
	_, err = e.start(ctx, c, o, nil, false, nil, &lifecycle.PolicyRestart{Count: count, Delay: delay})
	if errors.Is(err, lifecycle.ErrStoppedByUser) || errors.Is(err, lifecycle.ErrRunning) {
		return nil
	}
	return err
}

// lifecycleStart are the options the layer below takes for o.
func lifecycleStart(cfg *container.Config, o StartOptions) (lifecycle.StartOptions, error) {
	lo := lifecycle.StartOptions{Attach: o.Attach, Stdin: o.Stdin != nil}
	if cfg.Tty {
		lo.Rows, lo.Cols = o.Rows, o.Cols
	}
	if cfg.Log.DriverName() != container.LogPassthrough {
		return lo, nil
	}
	// The supervisor hands the container real descriptors.
	for i, st := range []any{o.Stdin, o.Stdout, o.Stderr} {
		if st == nil {
			continue
		}
		f, ok := st.(*os.File)
		if !ok {
			return lo, Invalid([]string{"Stdin", "Stdout", "Stderr"}[i], "", "the passthrough log driver gives the container the caller's own streams, which must be files")
		}
		lo.Caller[i] = f
	}
	return lo, nil
}

// start starts c and, attached, relays its streams until it exits. fresh
// marks a container the caller just created, which a failed start
// removes; pre is its supervisor if it was started ahead.
func (e *Engine) start(ctx context.Context, c *container.Container, o StartOptions, keys []byte, fresh bool, pre *supervisor.Pending, policy *lifecycle.PolicyRestart) (Exit, error) {
	lo, err := lifecycleStart(&c.Config, o)
	if err != nil {
		pre.Abandon()
		return Exit{}, err
	}
	lo.Prestarted, lo.Restart = pre, policy
	p, err := e.m.Start(ctx, c, lo)
	if err != nil {
		// A run that cannot start the container it just made leaves
		// nothing behind; a container started by `start` stays.
		if fresh {
			_ = e.m.Containers.Remove(c)
		}
		return Exit{}, classify(err)
	}
	for _, w := range p.Result.Warnings {
		e.warn(w)
	}
	if !o.Attach {
		return Exit{ID: c.ID, Detached: true}, nil
	}
	x, err := relay(ctx, p, o.Streams, c.Tty, keys)
	x.ID = c.ID
	if err != nil || x.Detached {
		return x, err
	}
	// An attached caller removes a --rm container itself (its monitor
	// does only for a caller that went away, see monitor.Run); one the
	// monitor removed already (passthrough, no attachment to tell by) is
	// not found, which Remove takes for done.
	if c.AutoRemove {
		if err := e.m.Containers.Remove(c); err != nil {
			e.warn(fmt.Sprintf("--rm: %v", err))
		}
	}
	return x, nil
}

// relay connects the caller's streams to an attached supervisor until
// the process exits (Exit.Code) or the caller detaches. Without an
// attachment (the passthrough log driver) it only waits.
func relay(ctx context.Context, p *supervisor.Process, s Streams, tty bool, keys []byte) (Exit, error) {
	if s.OnAttach != nil {
		s.OnAttach(tty)
	}
	done := make(chan struct{})
	defer close(done)
	if s.Signals != nil {
		go func() {
			for {
				select {
				case sig := <-s.Signals:
					if ss, ok := sig.(syscall.Signal); ok {
						_ = syscall.Kill(p.Result.Pid, ss)
					}
				case <-done:
					return
				}
			}
		}()
	}
	a := p.Attach
	detach := make(chan struct{})
	var wg sync.WaitGroup
	if a != nil {
		if a.Control != nil && s.Resize != nil {
			go func() {
				for {
					select {
					case sz, ok := <-s.Resize:
						if !ok {
							return
						}
						if sz.Rows > 0 {
							fmt.Fprintf(a.Control, "resize %d %d\n", sz.Rows, sz.Cols)
						}
					case <-done:
						return
					}
				}
			}()
		}
		if a.Stdin != nil && s.Stdin != nil {
			if !tty {
				keys = nil
			}
			go func() {
				if copyDetaching(a.Stdin, s.Stdin, keys) {
					close(detach)
					return
				}
				a.Stdin.Close()
			}()
		}
		// One writer may take both streams (a terminal, a buffer): the
		// writes go one at a time, and through Write, not a ReadFrom
		// that would hold the buffer across a blocking read.
		var mu sync.Mutex
		copyOut := func(dst io.Writer, src io.Reader) {
			if dst == nil {
				dst = io.Discard
			}
			w := &serialWriter{mu: &mu, w: dst}
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, _ = io.Copy(w, src)
			}()
		}
		copyOut(s.Stdout, a.Stdout)
		if a.Stderr != nil {
			copyOut(s.Stderr, a.Stderr)
		}
	}
	exited := make(chan struct{})
	var code int
	var werr error
	go func() {
		code, werr = p.Wait()
		close(exited)
	}()
	var cancelled <-chan struct{}
	if s.Signals == nil {
		cancelled = ctx.Done()
	}
	select {
	case <-exited:
		wg.Wait()
		return Exit{Code: code}, werr
	case <-detach:
	case <-cancelled:
	}
	// The monitor goes on without the caller: its writes to the closed
	// pipes fail, and the log keeps the output.
	if a != nil {
		for _, c := range []io.Closer{a.Stdout, a.Stderr, a.Control} {
			if c != nil {
				c.Close()
			}
		}
	}
	return Exit{Detached: true}, nil
}

// serialWriter writes to w under mu, shared by the writers of one relay.
type serialWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (s *serialWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
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

// parseDetachKeys reads Docker's format: "ctrl-p,ctrl-q", "a,ctrl-b".
func parseDetachKeys(s string) ([]byte, error) {
	if s == "" {
		return nil, nil
	}
	var out []byte
	for _, k := range strings.Split(s, ",") {
		switch {
		case len(k) == 1:
			out = append(out, k[0])
		case strings.HasPrefix(k, "ctrl-") && len(k) == 6:
			c := k[5]
			switch {
			case c >= 'a' && c <= 'z':
				out = append(out, c-'a'+1)
			case c == '@':
				out = append(out, 0)
			case c >= '[' && c <= '_':
				out = append(out, c-'['+27)
			default:
				return nil, Invalid("DetachKeys", s, fmt.Sprintf("unknown key %q", k))
			}
		default:
			return nil, Invalid("DetachKeys", s, "use keys such as ctrl-p,ctrl-q")
		}
	}
	return out, nil
}
