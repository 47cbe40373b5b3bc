package cli

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/engine"
	"github.com/skiff-containers/skiff/internal/fserr"
)

// importOptions maps import's flags and its REPOSITORY[:TAG]; the source
// is opened by the caller.
func importOptions(c *cli.Context, changes []string) engine.ImportOptions {
	return engine.ImportOptions{Ref: c.Args().Get(1), Platform: c.String("platform"), Changes: changes, Message: c.String("message")}
}

func (s *session) importAction(c *cli.Context, changes []string) error {
	if c.NArg() < 1 || c.NArg() > 2 {
		return usagef("'%s' takes FILE|URL|- and an optional REPOSITORY[:TAG]: see '%s --help'", c.Command.HelpName, c.Command.HelpName)
	}
	src := c.Args().First()
	isURL := strings.HasPrefix(src, "http://") || strings.HasPrefix(src, "https://")
	if src != "-" && !isURL {
		if fi, err := os.Stat(src); err != nil {
			return usagef("cannot read %s: %v", src, fserr.Cause(err))
		} else if fi.IsDir() {
			return usagef("%s is a directory: import takes a tarball (make one with tar -C DIR -c .)", src)
		}
	}
	e, err := s.engine()
	if err != nil {
		return err
	}
	in, err := s.openImportSource(src)
	if err != nil {
		return err
	}
	defer in.Close()
	o := importOptions(c, changes)
	o.Source = in
	id, err := e.Import(s.ctx, o)
	var ie *engine.InvalidOptionError
	if errors.As(err, &ie) {
		return optionError(err, imageFlags)
	}
	if err != nil {
		return fmt.Errorf("import %s: %w", src, err)
	}
	fmt.Fprintf(s.io.Out, "sha256:%s\n", id)
	return nil
}

// errorsUnwrapPath is fserr.Cause under the name run.go uses.
var errorsUnwrapPath = fserr.Cause

func (s *session) openImportSource(src string) (io.ReadCloser, error) {
	switch {
	case src == "-":
		return io.NopCloser(s.io.In), nil
	case strings.HasPrefix(src, "http://") || strings.HasPrefix(src, "https://"):
		req, err := http.NewRequestWithContext(s.ctx, http.MethodGet, src, nil)
		if err != nil {
			return nil, usagef("invalid URL %s: %v", src, err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, fmt.Errorf("download %s: %w", src, err)
		}
		if resp.StatusCode != http.StatusOK {
			resp.Body.Close()
			return nil, fmt.Errorf("download %s: %s", src, resp.Status)
		}
		return resp.Body, nil
	default:
		return os.Open(src)
	}
}
