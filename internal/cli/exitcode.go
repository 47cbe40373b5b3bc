package cli

import (
	"context"
	"errors"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/engine"
)

// errReported fails a command whose errors were printed already, one per
// target; the command exits with its verb's failure code.
var errReported = errors.New("failed")

// ExitFailed is what Docker's CLI exits with when a verb other than run
// and create fails: docker/cli maps every error without a status to 1.
const ExitFailed = 1

// failureCode is the exit code of a verb's failure that is not a usage
// error (those, and options refused, are 125 everywhere, as Docker's flag
// errors are), as
// docs/exit-codes.md tabulates it. run and create are Docker's 125 verbs;
// start and exec keep 125 for a container skiff could not start or enter,
// but a container that is not there (or, for exec, not running) is
// Docker's 1, as for every other verb.
func failureCode(verb string, err error) int {
	if errors.Is(err, engine.ErrInvalid) {
		// An option's value refused is wrong use, as a flag Docker
		// cannot parse is.
		return ExitSkiff
	}
	switch verb {
	case "run", "create":
		return ExitSkiff
	case "start", "exec":
		if errors.Is(err, engine.ErrNotFound) || (verb == "exec" && errors.Is(err, engine.ErrNotRunning)) {
			return ExitFailed
		}
		return ExitSkiff
	}
	return ExitFailed
}

// withFailureCode gives a command's error its verb's exit code; errors
// that carry a code of their own (a container's exit status, 126, 127,
// usage errors) keep it.
func withFailureCode(verb string, err error) error {
	var ee *ExitError
	var ue *usageError
	switch {
	case err == nil, errors.As(err, &ee), errors.As(err, &ue), errors.Is(err, context.Canceled):
		return err
	case errors.Is(err, errReported):
		return &ExitError{Code: failureCode(verb, err)}
	}
	return &ExitError{Code: failureCode(verb, err), Err: err}
}

// reportedFailure is errReported for a verb over several targets whose
// first failure decides the code (start's and exec's depend on the kind).
type reportedFailure struct{ first error }

func (e *reportedFailure) Error() string { return errReported.Error() }
func (e *reportedFailure) Is(target error) bool {
	return target == errReported || errors.Is(e.first, target)
}

// wireExitCodes wraps every command's action so that its failures exit
// with the verb's code.
func wireExitCodes(cmds []*cli.Command) {
	for _, c := range cmds {
		if len(c.Subcommands) > 0 {
			wireExitCodes(c.Subcommands)
			continue
		}
		if c.Action == nil {
			continue
		}
		act, verb := c.Action, c.Name
		c.Action = func(ctx *cli.Context) error { return withFailureCode(verb, act(ctx)) }
	}
}

// interruptedCode is the exit code of a command stopped by SIGINT or
// SIGTERM, 128 plus the signal as Docker's CLI exits; cause is the
// cancelled context's (signal.NotifyContext words it "interrupt signal
// received"). A cancel for another reason is skiff's 125.
func interruptedCode(cause error) int {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		if cause != nil && cause.Error() == sig.String()+" signal received" {
			return 128 + int(sig)
		}
	}
	return ExitSkiff
}
