package cli

import (
	"errors"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/engine"
	"github.com/skiff-containers/skiff/internal/format"
)

func (s *session) containerInspectAction(c *cli.Context) error {
	return s.inspectAny(c, "container")
}

func (s *session) inspectAction(c *cli.Context) error {
	switch t := c.String("type"); t {
	case "", "container", "image":
		return s.inspectAny(c, t)
	default:
		return usagef("invalid --type %q: use container or image", t)
	}
}

// inspectAny inspects each name as a container, then (unless kind
// restricts it) as an image.
func (s *session) inspectAny(c *cli.Context, kind string) error {
	o := engine.InspectOptions{Size: c.Bool("size")}
	return s.inspectRefs(c, func(e *engine.Engine, ref string) (any, error) {
		return s.inspectOne(e, ref, kind, o)
	})
}

func (s *session) inspectOne(e *engine.Engine, ref, kind string, o engine.InspectOptions) (any, error) {
	if kind != "image" {
		ci, err := e.InspectContainer(s.ctx, ref, o)
		if err == nil {
			return *ci, nil
		}
		if !errors.Is(err, engine.ErrNotFound) || kind == "container" {
			return nil, err
		}
	}
	ii, err := e.InspectImage(s.ctx, ref)
	if err != nil {
		// A name that is neither, looked for as either, is Docker's
		// "no such object".
		if kind == "" && errors.Is(err, engine.ErrNotFound) {
			return nil, fmt.Errorf("No such object: %s", ref)
		}
		return nil, err
	}
	// An image's Size is always there; Docker says so.
	if o.Size {
		fmt.Fprintln(s.io.Err, "WARNING: --size ignored for image")
	}
	return *ii, nil
}

// printInspected prints what inspect found: a JSON array, or the template
// applied to each; it fails the command if any name was not found.
func (s *session) printInspected(spec string, results []any, failed bool) error {
	if spec == "" || spec == "json" {
		if results == nil {
			results = []any{}
		}
		if err := format.Object(s.io.Out, spec, results); err != nil {
			return err
		}
	} else {
		for _, r := range results {
			if err := format.Object(s.io.Out, spec, r); err != nil {
				return usagef("%v", err)
			}
		}
	}
	if failed {
		return errReported
	}
	return nil
}
