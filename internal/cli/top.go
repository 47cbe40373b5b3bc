package cli

import (
	"bytes"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/container"
	"github.com/skiff-containers/skiff/internal/state"
	"github.com/skiff-containers/skiff/internal/stats"
)

func (s *session) topCommand() *cli.Command {
	return &cli.Command{
		Name: "top", Usage: "list a running container's processes (ps options may follow)",
		ArgsUsage: "CONTAINER [ps OPTIONS]", SkipFlagParsing: true,
		Action: s.topAction,
	}
}

// topAction runs the host's ps, as Docker does, and keeps the lines of the
// container's processes: its first process and every descendant.
func (s *session) topAction(c *cli.Context) error {
	if err := needArgs(c, 1, "a container"); err != nil {
		return err
	}
	_, st, err := s.runningContainer(c.Args().First(), "")
	if err != nil {
		return err
	}
	psArgs := c.Args().Tail()
	if len(psArgs) == 0 {
		psArgs = []string{"-ef"}
	}
	out, err := exec.Command("ps", psArgs...).Output()
	if err != nil {
		// ps says what was wrong with its options on stderr.
		var ee *exec.ExitError
		if errors.As(err, &ee) && len(ee.Stderr) > 0 {
			err = errors.New(strings.SplitN(strings.TrimSpace(string(ee.Stderr)), "\n", 2)[0])
		}
		return usagef("ps %s: %v", strings.Join(psArgs, " "), err)
	}
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	col := -1
	for i, h := range strings.Fields(lines[0]) {
		if h == "PID" {
			col = i
		}
	}
	if col < 0 {
		return usagef("ps %s: its output has no PID column; keep it in the options", strings.Join(psArgs, " "))
	}
	pids := stats.ReadTree().Descendants(st.Pid)
	var b bytes.Buffer
	b.WriteString(lines[0] + "\n")
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		if col < len(f) {
			if pid, err := strconv.Atoi(f[col]); err == nil && pids[pid] {
				b.WriteString(l + "\n")
			}
		}
	}
	_, err = s.io.Out.Write(b.Bytes())
	return err
}

// runningContainer looks a container up and refuses one that does not run;
// why, if given, ends the refusal.
func (s *session) runningContainer(ref, why string) (*container.Container, state.State, error) {
	_, ctr, err := s.lookupContainer(ref)
	if err != nil {
		return nil, state.State{}, err
	}
	st, err := ctr.State()
	if err != nil {
		return nil, st, err
	}
	if st.Status != container.StatusRunning || st.Pid == 0 {
		return nil, st, fmt.Errorf("container %s is not running%s", ctr.Name, why)
	}
	return ctr, st, nil
}
