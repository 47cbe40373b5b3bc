package cli

import (
	"errors"
	"fmt"
	"os"

	"github.com/skiff-containers/skiff/internal/container"
	"github.com/skiff-containers/skiff/internal/engine"
	"github.com/skiff-containers/skiff/internal/lifecycle"
)

// What the verbs not yet on the engine share, moved here out of run.go
// and attach.go when run, create, start and exec moved onto the engine;
// it goes when the last of them has.

// manager opens the engine and returns its lifecycle manager.
func (s *session) manager() (*lifecycle.Manager, error) {
	e, err := s.engine()
	if err != nil {
		return nil, err
	}
	return e.Manager(), nil
}

// containerLookupError reports unknown names in Docker's words.
func containerLookupError(ref string, err error) error {
	if errors.Is(err, container.ErrNotFound) {
		return fmt.Errorf("no such container: %s", ref)
	}
	return err
}

// callerStdio are the caller's streams as files, for a passthrough
// container; nil where one is not a file.
func (s *session) callerStdio() [3]*os.File {
	var files [3]*os.File
	for i, st := range []any{s.io.In, s.io.Out, s.io.Err} {
		if f, ok := st.(*os.File); ok {
			files[i] = f
		}
	}
	return files
}

// parseLabels reads KEY=VALUE labels (network create).
func parseLabels(specs []string) (map[string]string, error) {
	labels, err := engine.ParseLabels(specs)
	return labels, createOptionError(err)
}
