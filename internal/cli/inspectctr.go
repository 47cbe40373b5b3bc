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
	return s.inspectRefs(c, func(ref string) (any, error) {
		e, err := s.engine()
		if err != nil {
			return nil, err
		}
		return s.inspectOne(e, ref, kind)
	})
}

// inspectRefs looks up every name with lookup and prints the results; a
// name not found is reported and fails the command, after the others.
func (s *session) inspectRefs(c *cli.Context, lookup func(ref string) (any, error)) error {
	spec, err := inspectFormat(c)
	if err != nil {
		return err
	}
	if _, err := s.engine(); err != nil {
		return err
	}
	var results []any
	var failed bool
	for _, ref := range c.Args().Slice() {
		r, err := lookup(ref)
		if err != nil {
			fmt.Fprintf(s.io.Err, "Error: %s\n", oneLine(err.Error()))
			failed = true
			continue
		}
		results = append(results, r)
	}
	return s.printInspected(spec, results, failed)
}

func (s *session) inspectOne(e *engine.Engine, ref, kind string) (any, error) {
	if kind != "image" {
		ci, err := e.InspectContainer(s.ctx, ref)
		if err == nil {
			return *ci, nil
		}
		if !errors.Is(err, engine.ErrNotFound) || kind == "container" {
			return nil, err
		}
	}
	return s.inspectImageRef(ref, kind)
}

// inspectFormat is inspect's --format, checked before anything is looked
// up; the names must be given.
func inspectFormat(c *cli.Context) (string, error) {
	if c.NArg() == 0 {
		return "", usagef("'%s' needs at least one name: see '%s --help'", c.Command.HelpName, c.Command.HelpName)
	}
	spec := c.String("format")
	if spec != "" && spec != "json" {
		if _, err := format.Parse(spec); err != nil {
			return "", usagef("%v", err)
		}
	}
	return spec, nil
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
		return &ExitError{Code: ExitSkiff}
	}
	return nil
}
