package cli

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/skiff-containers/skiff/internal/engine"
)

// The exit code and error line of each verb given an object that is not
// there, or a bad flag, against an empty store: docs/exit-codes.md.
func TestExitCodes(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("opens a store in a temporary directory, which rootless needs a user namespace for")
	}
	dir := t.TempDir()
	tests := []struct {
		args    []string
		code    int
		wantErr string // the one stderr line; "" for none
		wantOut string
	}{
		{[]string{"rm", "nope"}, 1, "Error: No such container: nope", ""},
		{[]string{"container", "rm", "nope"}, 1, "Error: No such container: nope", ""},
		{[]string{"rm", "-f", "nope"}, 0, "", ""},
		{[]string{"rm", "nope", "-f"}, 0, "", ""},
		{[]string{"rmi", "nope"}, 1, "Error: No such image: nope", ""},
		{[]string{"image", "rm", "nope"}, 1, "Error: No such image: nope", ""},
		{[]string{"network", "rm", "nope"}, 1, "Error: No such network: nope", ""},
		{[]string{"network", "inspect", "nope"}, 1, "Error: No such network: nope (create it with skiff network create)", "[]\n"},
		{[]string{"stop", "nope"}, 1, "Error: No such container: nope", ""},
		{[]string{"kill", "nope"}, 1, "Error: No such container: nope", ""},
		{[]string{"restart", "nope"}, 1, "Error: No such container: nope", ""},
		{[]string{"wait", "nope"}, 1, "Error: No such container: nope", ""},
		{[]string{"logs", "nope"}, 1, "Error: No such container: nope", ""},
		{[]string{"port", "nope"}, 1, "Error: No such container: nope", ""},
		{[]string{"top", "nope"}, 1, "Error: No such container: nope", ""},
		{[]string{"rename", "nope", "new"}, 1, "Error: No such container: nope", ""},
		{[]string{"update", "--memory", "64m", "nope"}, 1, "Error: No such container: nope", ""},
		{[]string{"stats", "--no-stream", "nope"}, 1, "Error: No such container: nope", ""},
		{[]string{"inspect", "nope"}, 1, "Error: No such object: nope", "[]\n"},
		{[]string{"container", "inspect", "nope"}, 1, "Error: No such container: nope", "[]\n"},
		{[]string{"image", "inspect", "nope"}, 1, "Error: No such image: nope", "[]\n"},
		{[]string{"tag", "nope", "x:1"}, 1, "Error: No such image: nope", ""},
		{[]string{"generate", "systemd", "nope"}, 1, "Error: No such container: nope", ""},
		{[]string{"commit", "nope"}, 1, "Error: No such container: nope", ""},
		{[]string{"container", "commit", "-m", "x", "nope", "img:1"}, 1, "Error: No such container: nope", ""},
		// start and exec: a container that is not there is Docker's 1.
		{[]string{"start", "nope"}, 1, "Error: No such container: nope", ""},
		{[]string{"start", "-a", "nope"}, 1, "Error: No such container: nope", ""},
		{[]string{"exec", "nope", "true"}, 1, "Error: No such container: nope", ""},
		// run and create are Docker's 125 verbs.
		{[]string{"run", "--pull", "never", "nope"}, 125, "Error: No such image: nope (not pulled: the pull policy is never)", ""},
		{[]string{"create", "--pull", "never", "nope"}, 125, "Error: No such image: nope (not pulled: the pull policy is never)", ""},
		// Usage errors are 125 on every verb, as Docker's flag errors.
		{[]string{"rm", "--bogus", "nope"}, 125, "Error: unknown flag --bogus: see 'skiff rm --help'", ""},
		{[]string{"stop", "-t", "x", "nope"}, 125, "", ""},
		{[]string{"network", "bogus"}, 125, "Error: 'bogus' is not a 'skiff network' command: see 'skiff network --help'", ""},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var out, errb bytes.Buffer
			args := append([]string{"skiff", "--root", filepath.Join(dir, "root"), "--runroot", filepath.Join(dir, "run"), "--storage-driver", "vfs"}, tt.args...)
			code := Main(args, IO{In: strings.NewReader(""), Out: &out, Err: &errb})
			if code != tt.code {
				t.Errorf("exit %d, want %d (stderr %q)", code, tt.code, errb.String())
			}
			lines := strings.Split(strings.TrimRight(errb.String(), "\n"), "\n")
			switch {
			case tt.code == 0 && errb.Len() != 0:
				t.Errorf("stderr %q, want none", errb.String())
			case tt.code != 0 && len(lines) != 1:
				t.Errorf("stderr %q, want one line", errb.String())
			case tt.wantErr != "" && lines[0] != tt.wantErr:
				t.Errorf("stderr %q, want %q", lines[0], tt.wantErr)
			}
			if out.String() != tt.wantOut {
				t.Errorf("stdout %q, want %q", out.String(), tt.wantOut)
			}
		})
	}
}

// failureCode by verb and kind of failure.
func TestFailureCode(t *testing.T) {
	notFound := &engine.NotFoundError{What: "container", Ref: "c"}
	notRunning := errors.Join(engine.ErrNotRunning, engine.ErrConflict)
	other := errors.New("the supervisor did not report")
	tests := []struct {
		verb string
		err  error
		want int
	}{
		{"run", notFound, 125}, {"create", other, 125},
		{"start", notFound, 1}, {"start", notRunning, 125}, {"start", other, 125},
		{"exec", notFound, 1}, {"exec", notRunning, 1}, {"exec", other, 125},
		{"rm", notFound, 1}, {"stop", other, 1}, {"rmi", other, 1}, {"pull", other, 1},
		{"stop", engine.Invalid("Signal", "x", ""), 125}, {"update", &reportedFailure{first: engine.Invalid("Memory", "x", "")}, 125},
		{"start", &reportedFailure{first: notFound}, 1}, {"start", &reportedFailure{first: other}, 125},
	}
	for _, tt := range tests {
		if got := failureCode(tt.verb, tt.err); got != tt.want {
			t.Errorf("failureCode(%s, %v) = %d, want %d", tt.verb, tt.err, got, tt.want)
		}
	}
}

// A command stopped by a signal exits 128+N, as Docker's CLI.
func TestInterruptedCode(t *testing.T) {
	for sig, want := range map[syscall.Signal]int{syscall.SIGINT: 130, syscall.SIGTERM: 143} {
		ctx, stop := signal.NotifyContext(context.Background(), sig)
		syscall.Kill(os.Getpid(), sig)
		<-ctx.Done()
		if got := interruptedCode(context.Cause(ctx)); got != want {
			t.Errorf("%v: exit %d, want %d", sig, got, want)
		}
		stop()
	}
	if got := interruptedCode(context.Canceled); got != 125 {
		t.Errorf("a cancel of skiff's own: exit %d, want 125", got)
	}
}
