package cli

// TRANSITIONAL: the helpers here reach below the engine. They served the
// container verbs that now call the engine, and stay only for the code
// that has not moved yet (start, exec, generate, network, image inspect);
// this file goes when the last of them does.

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/container"
	"github.com/skiff-containers/skiff/internal/lifecycle"
)

// lookupContainer opens the stores and finds one container.
func (s *session) lookupContainer(ref string) (*lifecycle.Manager, *container.Container, error) {
	m, err := s.manager()
	if err != nil {
		return nil, nil, err
	}
	ctr, err := m.Containers.Lookup(ref)
	if err != nil {
		return nil, nil, containerLookupError(ref, err)
	}
	return m, ctr, nil
}

// eachContainer runs fn on every named container, printing each name done
// (as Docker does) and errors as they come; it fails the command if any
// failed.
func (s *session) eachContainer(c *cli.Context, fn func(m *lifecycle.Manager, ctr *container.Container) error) error {
	m, err := s.manager()
	if err != nil {
		return err
	}
	var failed bool
	for _, ref := range c.Args().Slice() {
		ctr, err := m.Containers.Lookup(ref)
		if err == nil {
			err = fn(m, ctr)
		} else {
			err = containerLookupError(ref, err)
		}
		if err != nil {
			fmt.Fprintf(s.io.Err, "Error: %s\n", oneLine(err.Error()))
			failed = true
			continue
		}
		fmt.Fprintln(s.io.Out, ref)
	}
	if failed {
		return &ExitError{Code: ExitSkiff}
	}
	return nil
}
