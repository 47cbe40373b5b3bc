package supervisor

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
)

// BinaryName is the helper's file name.
const BinaryName = "skiff-supervisor"

// Helper finds one of skiff's helper programs: in $SKIFF_LIBEXEC_DIR,
// beside the skiff binary, or in the usual libexec directories relative to
// it and on the system.
func Helper(name string) (string, error) {
	var dirs []string
	if d := os.Getenv("SKIFF_LIBEXEC_DIR"); d != "" {
		dirs = append(dirs, d)
	}
	if self, err := os.Executable(); err == nil {
		d := filepath.Dir(self)
		dirs = append(dirs, d, filepath.Join(d, "..", "libexec", "skiff"))
	}
	dirs = append(dirs, "/usr/local/libexec/skiff", "/usr/libexec/skiff")
	for _, d := range dirs {
		p := filepath.Join(d, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s not found beside skiff or in /usr/libexec/skiff: reinstall skiff (make build puts it in bin/)", name)
}

// Attachment is the CLI's end of an attached supervisor's streams.
type Attachment struct {
	Stdin   io.WriteCloser // nil without stdin
	Stdout  io.ReadCloser
	Stderr  io.ReadCloser // nil with a tty
	Control io.WriteCloser
}

// Process is a started supervisor.
type Process struct {
	Cmd    *exec.Cmd
	Result Result
	Attach *Attachment
}

// Options for Start.
type Options struct {
	Mode   string // "run" or "exec"
	Spec   string // path of the Launch or Exec JSON
	Attach bool
	Stdin  bool
	Tty    bool
	// Foreground keeps the supervisor killable by the CLI's death: for
	// exec without -d. A run's supervisor always outlives the CLI.
	Foreground bool
	// Passthrough are the caller's stdin (nil: none), stdout and stderr,
	// for a container with the passthrough log driver (not attached).
	Passthrough [3]*os.File
	// Diagnostics is the file an exec supervisor's own stderr goes to (a
	// run supervisor opens the one its launch spec names). It must not be
	// the CLI's: whoever reads the CLI's output to its end would wait for
	// the container.
	Diagnostics string
}

// Start starts the supervisor and waits for its report on the start.
func Start(o Options) (*Process, error) {
	pd, err := spawn(o, o.Spec)
	if err != nil {
		return nil, err
	}
	return pd.report()
}

// Pending is a supervisor started before its container is ready (Spawn):
// its program starts up while skiff creates and mounts the container,
// and waits for the path of its launch spec.
type Pending struct {
	p    *Process
	res  *os.File
	spec *os.File // write end of the supervisor's FdSpec; nil once used
}

// Spawn starts a run supervisor ahead of its launch spec; Options.Spec and
// Diagnostics are unused (the spec names the diagnostics file). Launch or
// Abandon it.
func Spawn(o Options) (*Pending, error) {
	o.Mode, o.Diagnostics = "run", ""
	return spawn(o, "-")
}

// Launch gives the supervisor its spec and waits for its report on the
// start.
func (pd *Pending) Launch(specPath string) (*Process, error) {
	if pd.spec == nil {
		return nil, errors.New("supervisor already launched or abandoned")
	}
	_, err := pd.spec.WriteString(specPath + "\n")
	pd.spec.Close()
	pd.spec = nil
	if err != nil {
		pd.res.Close()
		if pd.p.Attach != nil {
			closeAttachment(pd.p.Attach)
		}
		_ = pd.p.Cmd.Wait()
		return nil, fmt.Errorf("hand the launch spec to the supervisor: %w", err)
	}
	return pd.report()
}

// Abandon ends a supervisor that will not be launched: it exits on the
// closed pipe, having done nothing.
func (pd *Pending) Abandon() {
	if pd == nil || pd.spec == nil {
		return
	}
	pd.spec.Close()
	pd.spec = nil
	pd.res.Close()
	if pd.p.Attach != nil {
		closeAttachment(pd.p.Attach)
	}
	_ = pd.p.Cmd.Wait()
}

func closeAttachment(a *Attachment) {
	for _, c := range []io.Closer{a.Stdin, a.Stdout, a.Stderr, a.Control} {
		if c != nil {
			c.Close()
		}
	}
}

// spawn starts the supervisor on spec, a path, or "-": the path comes
// later on FdSpec.
func spawn(o Options, spec string) (*Pending, error) {
	bin, err := Helper(BinaryName)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, o.Mode, spec)
	devnull, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		return nil, err
	}
	defer devnull.Close()
	cmd.Stdin, cmd.Stdout, cmd.Stderr = devnull, devnull, devnull
	if o.Diagnostics != "" {
		diag, err := os.OpenFile(o.Diagnostics, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			return nil, err
		}
		defer diag.Close()
		cmd.Stderr = diag
	}
	resR, resW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	extra := []*os.File{resW, devnull, devnull, devnull, devnull}
	closeAfter := []*os.File{resW}
	pd := &Pending{res: resR}
	p := &Process{Cmd: cmd}
	pd.p = p
	// abort closes everything opened so far: a pipe that cannot be made
	// must not leak the ones before it.
	abort := func(err error) (*Pending, error) {
		resR.Close()
		for _, f := range closeAfter {
			f.Close()
		}
		if pd.spec != nil {
			pd.spec.Close()
		}
		if p.Attach != nil {
			closeAttachment(p.Attach)
		}
		return nil, err
	}
	if spec == "-" {
		r, w, err := os.Pipe()
		if err != nil {
			return abort(err)
		}
		extra = append(extra, r)
		closeAfter = append(closeAfter, r)
		pd.spec = w
	}
	for i, f := range o.Passthrough {
		if f != nil {
			extra[1+i] = f
		}
	}
	if o.Attach {
		a := &Attachment{}
		p.Attach = a
		if o.Stdin {
			r, w, err := os.Pipe()
			if err != nil {
				return abort(err)
			}
			extra[1], a.Stdin = r, w
			closeAfter = append(closeAfter, r)
		}
		r, w, err := os.Pipe()
		if err != nil {
			return abort(err)
		}
		extra[2], a.Stdout = w, r
		closeAfter = append(closeAfter, w)
		if !o.Tty {
			r, w, err := os.Pipe()
			if err != nil {
				return abort(err)
			}
			extra[3], a.Stderr = w, r
			closeAfter = append(closeAfter, w)
		}
		cr, cw, err := os.Pipe()
		if err != nil {
			return abort(err)
		}
		extra[4], a.Control = cr, cw
		closeAfter = append(closeAfter, cr)
	}
	cmd.ExtraFiles = extra
	cmd.SysProcAttr = &syscall.SysProcAttr{}
	if o.Foreground {
		cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	}
	if err := cmd.Start(); err != nil {
		return abort(fmt.Errorf("start %s: %w", bin, err))
	}
	for _, f := range closeAfter {
		f.Close()
	}
	return pd, nil
}

// report waits for the supervisor's one line on the start.
func (pd *Pending) report() (*Process, error) {
	p, cmd, resR := pd.p, pd.p.Cmd, pd.res
	line, rerr := bufio.NewReader(resR).ReadBytes('\n')
	resR.Close()
	if len(line) == 0 {
		// It died before reporting: say how.
		werr := cmd.Wait()
		if rerr == nil || errors.Is(rerr, io.EOF) {
			return nil, fmt.Errorf("the supervisor exited before starting the container (%v)", werr)
		}
		return nil, fmt.Errorf("read supervisor report: %w", rerr)
	}
	if err := json.Unmarshal(line, &p.Result); err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return nil, fmt.Errorf("bad supervisor report %q: %w", line, err)
	}
	if p.Result.Error != "" {
		_ = cmd.Wait()
		return p, &StartError{Msg: p.Result.Error, Code: p.Result.ExitCode}
	}
	return p, nil
}

// StartError is a container that could not start.
type StartError struct {
	Msg  string
	Code int
}

func (e *StartError) Error() string { return e.Msg }

// Wait waits for the supervisor and returns the container's exit status.
func (p *Process) Wait() (int, error) {
	err := p.Cmd.Wait()
	if err == nil {
		return 0, nil
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok {
			if ws.Signaled() {
				return 128 + int(ws.Signal()), nil
			}
			return ws.ExitStatus(), nil
		}
	}
	return 0, err
}
