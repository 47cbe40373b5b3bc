package monitor

import (
	"fmt"
	"os"
	"syscall"
	"time"

	"github.com/skiff-containers/skiff/internal/restart"
)

// Restart is a restart policy to carry out as the container exits.
type Restart struct {
	Policy restart.Policy
	// Count and Delay are the current start's: how many restarts the
	// policy made before it, and how long it waited for it.
	Count int
	Delay time.Duration
	// Command starts the container again ("--policy-restart COUNT:DELAY
	// ID" appended); Marker exists if the container's user stopped it.
	Command []string
	Marker  string
	// Stdio are the descriptors the new start gets as its stdin, stdout
	// and stderr (a passthrough container's streams), if any.
	Stdio []int
}

// next starts the container again, in the background after the policy's
// delay, if its policy says so. The starter is a skiff of its own in a
// session of its own: it outlives this monitor, which exits now like any
// other, so that whoever waits for the container sees it exit.
func (r Restart) next(id string, code int, ran time.Duration) {
	if !r.Policy.Restarts() || len(r.Command) == 0 {
		return
	}
	_, err := os.Stat(r.Marker)
	if !r.Policy.ShouldRestart(code, r.Count, err == nil) {
		return
	}
	delay := restart.Delay(r.Delay, ran)
	args := append(append([]string{}, r.Command...), "--policy-restart", fmt.Sprintf("%d:%d", r.Count+1, delay.Milliseconds()), id)
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		return
	}
	defer devnull.Close()
	files := []*os.File{devnull, devnull, os.Stderr}
	if len(r.Stdio) == len(files) {
		for i, fd := range r.Stdio {
			files[i] = file(fd, "restart-stdio")
		}
	}
	proc, err := os.StartProcess(args[0], args, &os.ProcAttr{
		Env: cleanEnv(), Files: files, Sys: &syscall.SysProcAttr{Setsid: true},
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "skiff-monitor: restart %s: %v\n", id, err)
		return
	}
	_ = proc.Release()
}
