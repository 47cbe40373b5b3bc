package cli

// The helpers of run.go's image resolution (its pull policy) and network
// lookup, kept with their old callers' signatures until run and create
// call the engine; nothing of images.go, import.go or network.go uses them.

import (
	"errors"
	"fmt"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/imagestore"
	"github.com/skiff-containers/skiff/internal/network"
	"github.com/skiff-containers/skiff/internal/progress"
	"github.com/skiff-containers/skiff/internal/pull"
	"github.com/skiff-containers/skiff/internal/registry"
	"github.com/skiff-containers/skiff/pkg/imageref"
)

func parseRef(arg string) (imageref.Reference, error) {
	ref, err := imageref.Parse(arg)
	if err != nil {
		return imageref.Reference{}, usagef("%v", err)
	}
	return ref, nil
}

func platformFlag(c *cli.Context) (v1.Platform, bool, error) {
	if p := c.String("platform"); p != "" {
		pl, err := registry.ParsePlatform(p)
		if err != nil {
			return v1.Platform{}, false, usagef("%v", err)
		}
		return pl, true, nil
	}
	return registry.HostPlatform(), false, nil
}

// pullImage pulls with the progress display the output allows.
// pullRequest is what pullImage fetches, and how it reports.
type pullRequest struct {
	ref      imageref.Reference
	platform v1.Platform
	explicit bool // the platform was asked for, not the host's
	quiet    bool
	// why, when set, is said before the pull (and taken back with the
	// pull's other lines if it fails).
	why string
}

func (s *session) pullImage(r pullRequest) (imagestore.Image, error) {
	client, err := s.registry()
	if err != nil {
		return imagestore.Image{}, err
	}
	store, err := s.openStore()
	if err != nil {
		return imagestore.Image{}, err
	}
	opts := pull.Options{Platform: r.platform, ExplicitPlatform: r.explicit}
	var prog *progress.Pull
	if !r.quiet {
		prog = progress.NewPull(s.io.Err, isTerminal(s.io.Err))
		opts.Progress = prog
		if r.why != "" {
			prog.Printf("%s", r.why)
		}
		prog.Printf("Pulling %s", r.ref)
	}
	img, err := pull.Pull(s.ctx, client, store, r.ref, opts)
	if prog != nil {
		prog.Close(err)
	}
	return img, err
}

func lookupError(arg string, err error) error {
	if errors.Is(err, imagestore.ErrNotFound) {
		return fmt.Errorf("no such image: %s", arg)
	}
	if errors.Is(err, imagestore.ErrAmbiguous) {
		return fmt.Errorf("%s matches several images: give more of the id", arg)
	}
	return err
}

func networkLookupError(err error) error {
	if errors.Is(err, network.ErrNotFound) {
		return fmt.Errorf("no such network: %s (create it with skiff network create)", strings.TrimSuffix(err.Error(), ": "+network.ErrNotFound.Error()))
	}
	return err
}
