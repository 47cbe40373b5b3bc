package engine

import (
	"context"

	"github.com/skiff-containers/skiff/internal/lifecycle"
)

// ExecOptions are a process to run in a running container.
type ExecOptions struct {
	Command []string
	// Env are KEY=VALUE (or KEY: the caller's value, by LookupEnv) over
	// the container's environment.
	Env       []string
	LookupEnv func(string) (string, bool)
	Workdir   string // default: the container's
	User      string // default: the container's
	Tty       bool
	// Detach runs the process in the background: the streams are not
	// used.
	Detach bool
	Streams
}

// Exec runs a process in a running container and, unless detached,
// relays its streams until it exits (Exit.Code) or the caller detaches.
func (e *Engine) Exec(ctx context.Context, ref string, o ExecOptions) (Exit, error) {
	if len(o.Command) == 0 {
		return Exit{}, Invalid("Command", "", "a command is needed")
	}
	keys, err := parseDetachKeys(o.DetachKeys)
	if err != nil {
		return Exit{}, err
	}
	env, err := parseEnv(nil, o.Env, o.LookupEnv)
	if err != nil {
		return Exit{}, err
	}
	c, err := e.lookup(ref)
	if err != nil {
		return Exit{}, err
	}
	lo := lifecycle.ExecOptions{
		Args: o.Command, Env: env, Workdir: o.Workdir, User: o.User,
		Tty: o.Tty, Stdin: o.Stdin != nil, Detach: o.Detach,
	}
	if !o.Detach && o.Tty {
		lo.Rows, lo.Cols = o.Rows, o.Cols
	}
	p, err := e.m.Exec(c, lo)
	if err != nil {
		return Exit{}, classify(err)
	}
	if o.Detach {
		return Exit{ID: c.ID, Detached: true}, nil
	}
	x, err := relay(ctx, p, o.Streams, o.Tty, keys)
	x.ID = c.ID
	return x, err
}
