package engine

import (
	"errors"
	"fmt"

	"github.com/skiff-containers/skiff/internal/container"
	"github.com/skiff-containers/skiff/internal/imagestore"
	"github.com/skiff-containers/skiff/internal/lifecycle"
	"github.com/skiff-containers/skiff/internal/network"
	"github.com/skiff-containers/skiff/internal/supervisor"
)

// The kinds of failure, for front ends to map to their own codes (the
// CLI's exit 125 or Docker's per-verb codes, an HTTP handler's 404, 409,
// 400) with errors.Is, without reading messages.
var (
	// ErrNotFound: no such container, image or network.
	ErrNotFound = errors.New("not found")
	// ErrConflict: the name is in use, the object is in use, or it is in
	// the wrong state for the verb (running, not running).
	ErrConflict = errors.New("conflict")
	// ErrInvalid: an option is wrong; InvalidOptionError names it.
	ErrInvalid = errors.New("invalid option")
	// ErrNotRunning is the conflict of a verb that needs a running
	// container (also ErrConflict).
	ErrNotRunning = errors.New("not running")
	// ErrRunning is the conflict of a verb that needs a stopped one (also
	// ErrConflict).
	ErrRunning = errors.New("running")
)

// InvalidOptionError is an option (a field of the verb's options) whose
// value cannot be used. Field is the option's name in the engine's terms
// (CreateOptions.Memory is "Memory"); a front end words it its own way
// (the CLI as --memory). A Reason that involves another option names it
// by its field name too ("needs Name").
type InvalidOptionError struct {
	Field  string
	Value  string
	Reason string
}

func (e *InvalidOptionError) Error() string {
	if e.Value == "" {
		return fmt.Sprintf("invalid %s: %s", e.Field, e.Reason)
	}
	return fmt.Sprintf("invalid %s %q: %s", e.Field, e.Value, e.Reason)
}

// Is makes every invalid option an ErrInvalid.
func (e *InvalidOptionError) Is(target error) bool { return target == ErrInvalid }

// Invalid is an InvalidOptionError.
func Invalid(field, value, reason string) error {
	return &InvalidOptionError{Field: field, Value: value, Reason: reason}
}

// StartError is a container that could not be started because of its
// command: Code is 126 (cannot be run) or 127 (not found), as Docker
// exits.
type StartError struct {
	Code int
	Msg  string
}

func (e *StartError) Error() string { return e.Msg }

// kindError gives an error of a lower package its kind.
type kindError struct {
	kinds []error
	err   error
}

func (e *kindError) Error() string { return e.err.Error() }
func (e *kindError) Unwrap() error { return e.err }
func (e *kindError) Is(target error) bool {
	for _, k := range e.kinds {
		if k == target {
			return true
		}
	}
	return false
}

// classify wraps err from the packages below with its kind, so that front
// ends need only this package's errors. The message is kept.
func classify(err error) error {
	if err == nil {
		return nil
	}
	var se *supervisor.StartError
	if errors.As(err, &se) {
		return &StartError{Code: se.Code, Msg: se.Msg}
	}
	var kinds []error
	switch {
	case errors.Is(err, container.ErrNotFound), errors.Is(err, imagestore.ErrNotFound), errors.Is(err, network.ErrNotFound):
		kinds = append(kinds, ErrNotFound)
	case errors.Is(err, container.ErrNameInUse), errors.Is(err, imagestore.ErrInUse):
		kinds = append(kinds, ErrConflict)
	case errors.Is(err, lifecycle.ErrRunning):
		kinds = append(kinds, ErrConflict, ErrRunning)
	case errors.Is(err, lifecycle.ErrNotRunning):
		kinds = append(kinds, ErrConflict, ErrNotRunning)
	}
	if len(kinds) == 0 {
		return err
	}
	return &kindError{kinds: kinds, err: err}
}
