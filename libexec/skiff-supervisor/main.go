// Command skiff-supervisor owns one running container, or one process run
// in a container by `skiff exec`. skiff starts it; it starts the container
// with libcontainer, stays its parent (and a child subreaper), copies its
// output to the log and to an attached CLI, forwards signals, records the
// exit status, and exits with it. See internal/supervisor for the protocol.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"strings"

	_ "github.com/opencontainers/cgroups/devices" // device cgroup rules, as root
	"github.com/opencontainers/runc/libcontainer"
	_ "github.com/opencontainers/runc/libcontainer/nsenter"

	"github.com/skiff-containers/skiff/internal/supervisor"
)

func init() {
	// main runs on the main thread, and nothing else ever does. Goroutines
	// of libcontainer (mount sources) and of ours (network namespaces)
	// lock a thread, move it into another namespace and let it die; on the
	// main thread, which cannot die, that would leave /proc/PID/ns/* (what
	// later skiff commands join) pointing into the container.
	runtime.LockOSThread()
	// libcontainer re-executes this binary as the container's first
	// process; nsenter's constructor has already set up the namespaces.
	// A container's first process ("standard", not one `skiff exec`
	// adds) is bound to the supervisor's life first.
	if len(os.Args) > 1 && os.Args[1] == "init" {
		if os.Getenv("_LIBCONTAINER_INITTYPE") == "standard" {
			guardParent(sentinelFd)
		}
		libcontainer.Init()
	}
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "skiff-supervisor is started by skiff: usage: skiff-supervisor run|exec SPEC.json")
		os.Exit(125)
	}
	var code int
	switch os.Args[1] {
	case "run":
		spec := os.Args[2]
		if spec == "-" {
			var ok bool
			if spec, ok = awaitSpec(); !ok {
				// Given up before the container existed: nothing to do.
				os.Exit(125)
			}
		}
		code = runContainer(spec)
	case "exec":
		code = execProcess(os.Args[2])
	default:
		fmt.Fprintf(os.Stderr, "skiff-supervisor: unknown mode %q\n", os.Args[1])
		code = 125
	}
	os.Exit(code)
}

// awaitSpec reads the launch spec's path from FdSpec, where skiff writes
// it once the container is created and mounted (see supervisor.Spawn).
func awaitSpec() (string, bool) {
	f := os.NewFile(supervisor.FdSpec, "spec")
	defer f.Close()
	line, err := bufio.NewReader(f).ReadString('\n')
	if err != nil {
		return "", false
	}
	return strings.TrimSuffix(line, "\n"), true
}

// reporter sends the one Result line on descriptor 3.
type reporter struct{ f *os.File }

func newReporter() *reporter { return &reporter{f: os.NewFile(supervisor.FdResult, "result")} }

func (r *reporter) send(res supervisor.Result) {
	if r.f == nil {
		return
	}
	_ = json.NewEncoder(r.f).Encode(res)
	r.f.Close()
	r.f = nil
}

func (r *reporter) fail(code int, format string, a ...any) int {
	r.send(supervisor.Result{Error: fmt.Sprintf(format, a...), ExitCode: code})
	return code
}

// startErrorCode maps a failure to start the container's process to
// Docker's exit codes: 127 when the command does not exist, 126 when it
// cannot be run, 125 otherwise.
func startErrorCode(err error) int {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "executable file not found"), strings.Contains(msg, "no such file or directory"):
		return 127
	case strings.Contains(msg, "permission denied"), strings.Contains(msg, "is a directory"), strings.Contains(msg, "exec format error"):
		return 126
	}
	return 125
}

// startErrorMessage strips libcontainer's layers of context down to what
// the user can act on.
func startErrorMessage(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, "exec: "); i >= 0 {
		return "cannot run the container's command: " + msg[i+len("exec: "):]
	}
	return "start container: " + msg
}
