package engine

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"

	"github.com/skiff-containers/skiff/internal/container"
	"github.com/skiff-containers/skiff/internal/report"
	"github.com/skiff-containers/skiff/internal/state"
	"github.com/skiff-containers/skiff/internal/stats"
)

// Top runs the host's ps with psArgs (default -ef), as Docker does, and
// keeps the lines of the container's processes: its first process and
// every descendant.
func (e *Engine) Top(ctx context.Context, ref string, psArgs []string) (*report.ContainerTop, error) {
	_, st, err := e.running(ref, "")
	if err != nil {
		return nil, err
	}
	if len(psArgs) == 0 {
		psArgs = []string{"-ef"}
	}
	args := strings.Join(psArgs, " ")
	out, err := exec.CommandContext(ctx, "ps", psArgs...).Output()
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		// ps says what was wrong with its options on stderr.
		var ee *exec.ExitError
		if errors.As(err, &ee) && len(ee.Stderr) > 0 {
			err = errors.New(strings.SplitN(strings.TrimSpace(string(ee.Stderr)), "\n", 2)[0])
		}
		return nil, Invalid("PsArgs", args, err.Error())
	}
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	col := -1
	for i, h := range strings.Fields(lines[0]) {
		if h == "PID" {
			col = i
		}
	}
	if col < 0 {
		return nil, Invalid("PsArgs", args, "its output has no PID column; keep it in the options")
	}
	pids := stats.ReadTree().Descendants(st.Pid)
	top := &report.ContainerTop{Header: lines[0], Processes: []string{}}
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		if col < len(f) {
			if pid, err := strconv.Atoi(f[col]); err == nil && pids[pid] {
				top.Processes = append(top.Processes, l)
			}
		}
	}
	return top, nil
}

// running looks a container up and refuses one that does not run (with
// ErrNotRunning); why, if given, ends the refusal.
func (e *Engine) running(ref, why string) (*container.Container, state.State, error) {
	c, err := e.lookup(ref)
	if err != nil {
		return nil, state.State{}, err
	}
	st, err := c.State()
	if err != nil {
		return nil, st, err
	}
	if st.Status != container.StatusRunning || st.Pid == 0 {
		return nil, st, &kindError{kinds: []error{ErrConflict, ErrNotRunning}, err: fmt.Errorf("container %s is not running%s", c.Name, why)}
	}
	return c, st, nil
}
