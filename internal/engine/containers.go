package engine

import (
	"context"
	"errors"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/skiff-containers/skiff/internal/container"
	"github.com/skiff-containers/skiff/internal/lifecycle"
	"github.com/skiff-containers/skiff/internal/resources"
)

// lookup finds one container by name or id prefix. An unknown one is
// ErrNotFound in Docker's words; an ambiguous prefix says so.
func (e *Engine) lookup(ref string) (*container.Container, error) {
	c, err := e.m.Containers.Lookup(ref)
	if errors.Is(err, container.ErrNotFound) {
		return nil, &NotFoundError{What: "container", Ref: ref}
	}
	return c, classify(err)
}

// each runs fn on every container named, in order, going on after a
// failure: one Result per ref.
func (e *Engine) each(refs []string, fn func(c *container.Container) error) []Result {
	out := make([]Result, 0, len(refs))
	for _, ref := range refs {
		r := Result{Ref: ref}
		c, err := e.lookup(ref)
		if err == nil {
			r.ID = c.ID
			err = classify(fn(c))
		}
		r.Err = err
		out = append(out, r)
	}
	return out
}

// StopOptions say which signal stop sends first and how long it waits
// for it to work.
type StopOptions struct {
	// Timeout is the wait before SIGKILL; nil means the container's own
	// stop timeout (10 s unless it was created with one).
	Timeout *time.Duration
	// Signal is a name (SIGTERM, TERM, term) or a number; empty means
	// the container's stop signal.
	Signal string
}

// check refuses a bad timeout or signal; it returns the signal (0: the
// container's own).
func (o StopOptions) check() (unix.Signal, error) {
	if o.Timeout != nil && *o.Timeout < 0 {
		return 0, Invalid("Timeout", strconv.FormatFloat(o.Timeout.Seconds(), 'f', -1, 64), "use a number of seconds >= 0")
	}
	if o.Signal == "" {
		return 0, nil
	}
	sig, err := lifecycle.ParseSignal(o.Signal)
	if err != nil {
		return 0, Invalid("Signal", o.Signal, signalReason(o.Signal))
	}
	return sig, nil
}

func (o StopOptions) timeout(c *container.Container) time.Duration {
	if o.Timeout != nil {
		return *o.Timeout
	}
	return c.StopTimeoutOrDefault()
}

// Stop sends each container its stop signal and kills it after the
// timeout. A container that does not run is no error; one with a restart
// policy stays stopped.
func (e *Engine) Stop(ctx context.Context, refs []string, o StopOptions) []Result {
	sig, err := o.check()
	if err != nil {
		return failAll(refs, err)
	}
	return e.each(refs, func(c *container.Container) error {
		return e.m.StopWith(ctx, c, sig, o.timeout(c))
	})
}

// KillOptions name the signal kill sends.
type KillOptions struct {
	// Signal is a name (SIGTERM, TERM, term) or a number; empty means
	// SIGKILL.
	Signal string
}

// Kill sends a signal to each container's first process; the container
// must run.
func (e *Engine) Kill(ctx context.Context, refs []string, o KillOptions) []Result {
	name := o.Signal
	if name == "" {
		name = "SIGKILL"
	}
	sig, err := lifecycle.ParseSignal(name)
	if err != nil {
		return failAll(refs, Invalid("Signal", name, signalReason(name)))
	}
	return e.each(refs, func(c *container.Container) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		return e.m.Signal(c, sig)
	})
}

// signalReason is why name is no signal; a number out of range needs none.
func signalReason(name string) string {
	if _, err := strconv.Atoi(name); err == nil {
		return ""
	}
	return "use a name such as SIGTERM or a number"
}

// RestartOptions are stop's, and the caller's streams, which a container
// with the passthrough log driver writes to.
type RestartOptions struct {
	StopOptions
	Stdin          io.Reader
	Stdout, Stderr io.Writer
}

// Restart stops each container (see Stop) and starts it again, detached.
func (e *Engine) Restart(ctx context.Context, refs []string, o RestartOptions) []Result {
	sig, err := o.check()
	if err != nil {
		return failAll(refs, err)
	}
	caller := streamFiles(o.Stdin, o.Stdout, o.Stderr)
	return e.each(refs, func(c *container.Container) error {
		if err := e.m.StopWith(ctx, c, sig, o.timeout(c)); err != nil {
			return err
		}
		_, err := e.m.Start(ctx, c, lifecycle.StartOptions{Caller: caller})
		return err
	})
}

// streamFiles are the caller's streams that are files: only those can be
// handed to a container.
func streamFiles(in io.Reader, out, errw io.Writer) [3]*os.File {
	var files [3]*os.File
	for i, st := range []any{in, out, errw} {
		if f, ok := st.(*os.File); ok {
			files[i] = f
		}
	}
	return files
}

// RemoveOptions say what remove may do.
type RemoveOptions struct {
	// Force kills a running container first.
	Force bool
	// Volumes would remove the container's anonymous volumes; skiff has
	// no volumes yet, so asking for it is refused rather than ignored.
	Volumes bool
}

// Remove deletes each container, its layer, state and logs.
func (e *Engine) Remove(ctx context.Context, refs []string, o RemoveOptions) []Result {
	if o.Volumes {
		return failAll(refs, Invalid("Volumes", "", "skiff has no volumes yet, so there are none to remove"))
	}
	return e.each(refs, func(c *container.Container) error {
		return e.m.Remove(ctx, c, o.Force)
	})
}

// WaitResult is a container waited for, and its exit code.
type WaitResult struct {
	Result
	ExitCode int
}

// Wait waits for each container, in turn, to stop running.
func (e *Engine) Wait(ctx context.Context, refs []string) []WaitResult {
	out := make([]WaitResult, 0, len(refs))
	for _, ref := range refs {
		var code int
		r := e.each([]string{ref}, func(c *container.Container) (err error) {
			code, err = e.m.Wait(ctx, c)
			return err
		})[0]
		out = append(out, WaitResult{Result: r, ExitCode: code})
	}
	return out
}

// Rename gives a container a new name.
func (e *Engine) Rename(ctx context.Context, ref, name string) error {
	given := name
	// Docker stores names as /NAME and takes them so.
	name = strings.TrimPrefix(name, "/")
	if err := container.ValidName(name); err != nil {
		// ValidName's message says what a name may hold; the reason is
		// that advice, without the name it repeats.
		msg := err.Error()
		return Invalid("Name", given, msg[strings.LastIndex(msg, ": ")+2:])
	}
	c, err := e.lookup(ref)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return classify(e.m.Containers.Rename(c, name))
}

// Prune removes every container that does not run and returns their ids,
// those removed before a failure included.
func (e *Engine) Prune(ctx context.Context) ([]string, error) {
	ctrs, err := e.m.Containers.List()
	if err != nil {
		return nil, err
	}
	defer e.m.Containers.CollectOrphans()
	var removed []string
	for _, c := range ctrs {
		// A container still being started is waited for, so that a run
		// killed half-way cannot leave a container without a record.
		st, err := e.m.SettledState(ctx, c)
		if ctx.Err() != nil {
			return removed, ctx.Err()
		}
		if err != nil || st.Status == container.StatusRunning {
			continue
		}
		if err := e.m.Containers.Remove(c); err != nil {
			return removed, err
		}
		removed = append(removed, c.ID)
	}
	return removed, nil
}

// UpdateOptions are the limits to change, in the syntax of CreateOptions'
// (sizes such as "64m", "1.5" CPUs, DEVICE:RATE); empty ones stay as they
// are.
type UpdateOptions struct {
	Memory, MemoryReservation, MemorySwap, CPUs, CPUShares, CpusetCpus, CpusetMems, PidsLimit, BlkioWeight string
	DeviceReadBps, DeviceWriteBps, CgroupConf                                                              []string
}

// Update changes each container's limits for its later starts, and at
// once in the cgroup of a running one; where they cannot apply now, the
// engine's Warn says why.
func (e *Engine) Update(ctx context.Context, refs []string, o UpdateOptions) []Result {
	f := resources.Flags(o)
	if f.Memory == "" && f.MemoryReservation == "" && f.MemorySwap == "" && f.CPUs == "" && f.CPUShares == "" &&
		f.CpusetCpus == "" && f.CpusetMems == "" && f.PidsLimit == "" && f.BlkioWeight == "" &&
		len(f.DeviceReadBps) == 0 && len(f.DeviceWriteBps) == 0 && len(f.CgroupConf) == 0 {
		return failAll(refs, Invalid("UpdateOptions", "", "give at least one limit to change"))
	}
	// Every value is checked before any container changes; the rules
	// between values depend on each container's kept limits, and Merge
	// checks them.
	if err := resources.CheckValues(f); err != nil {
		return failAll(refs, &kindError{kinds: []error{ErrInvalid}, err: err})
	}
	return e.each(refs, func(c *container.Container) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		warning, err := e.m.Update(c, f)
		if warning != "" {
			e.warn(warning)
		}
		return err
	})
}

// Refused is the error of a verb over several targets that was refused
// as a whole, for its options, before any target was touched (every
// result carries it, and none resolved); nil otherwise.
func Refused(rs []Result) error {
	if len(rs) == 0 || rs[0].Err == nil || !errors.Is(rs[0].Err, ErrInvalid) {
		return nil
	}
	for _, r := range rs {
		if r.ID != "" || r.Err != rs[0].Err {
			return nil
		}
	}
	return rs[0].Err
}

// failAll is a refusal of the whole verb, before any target is touched:
// the same error for every target.
func failAll(refs []string, err error) []Result {
	out := make([]Result, len(refs))
	for i, ref := range refs {
		out[i] = Result{Ref: ref, Err: err}
	}
	return out
}
