package engine

import (
	"context"
	"time"

	"github.com/skiff-containers/skiff/internal/lifecycle"
)

// Run creates a container and starts it: attached, until it exits (the
// exit status in Exit.Code) or the caller detaches. A container that
// cannot start is removed again; a --rm one is gone when an attached Run
// returns (its monitor removes it, also when the caller went away).
func (e *Engine) Run(ctx context.Context, co CreateOptions, so StartOptions) (Exit, error) {
	p, err := parseCreate(co, thisCaller())
	if err != nil {
		return Exit{}, err
	}
	keys, err := parseDetachKeys(so.DetachKeys)
	if err != nil {
		return Exit{}, err
	}
	so.Streams = p.attached(so.Streams)
	// Before anything is pulled, replaced or recorded.
	if err := lifecycle.CheckLogDriver(p.cfg); err != nil {
		return Exit{}, invalidBelow("LogDriver", err)
	}
	lo, err := lifecycleStart(&p.cfg, so)
	if err != nil {
		return Exit{}, err
	}
	// The supervisor starts up while the container is created; without
	// it, the start starts one itself.
	pre, _ := lifecycle.Prestart(p.cfg, lo)
	c, err := e.create(ctx, p, co.Progress)
	if err != nil {
		pre.Abandon()
		return Exit{}, err
	}
	return e.start(ctx, c, so, keys, true, pre, nil)
}

// StopContainer and RemoveContainer stop and remove one container, for
// front ends and the engine's own tests. ENGINE-RUN: stand-ins until
// containers.go has Stop and Remove over several containers; then they go.
func (e *Engine) StopContainer(ctx context.Context, ref string, timeout time.Duration) error {
	c, err := e.lookup(ref)
	if err != nil {
		return err
	}
	return classify(e.m.Stop(ctx, c, timeout))
}

// RemoveContainer: see StopContainer. force kills a running one first.
func (e *Engine) RemoveContainer(ctx context.Context, ref string, force bool) error {
	c, err := e.lookup(ref)
	if err != nil {
		return err
	}
	return classify(e.m.Remove(ctx, c, force))
}
