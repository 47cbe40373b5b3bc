package engine

import (
	"context"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/skiff-containers/skiff/internal/imagestore"
)

// ImageConfig returns the id and config of an image by reference or id;
// one that is not stored is an ErrNotFound.
func (e *Engine) ImageConfig(ctx context.Context, ref string) (string, *v1.ConfigFile, error) {
	if err := ctx.Err(); err != nil {
		return "", nil, err
	}
	img, err := e.lookupImage(ref)
	if err != nil {
		return "", nil, err
	}
	return e.withConfig(img)
}

// withConfig is an image's id and its config.
func (e *Engine) withConfig(img imagestore.Image) (string, *v1.ConfigFile, error) {
	cfg, err := e.images.Config(img.ID)
	if err != nil {
		return "", nil, classify(err)
	}
	return img.ID, cfg, nil
}

// ResolveImageOptions are an image to find, pulling it as Create would.
type ResolveImageOptions struct {
	Ref string // NAME[:TAG|@DIGEST] or an image id
	// Pull is the policy: missing (""), always or never.
	Pull string
	// Platform is OS/ARCH[/VARIANT]; "" is the host's, and not held
	// against a local image.
	Platform string
	Progress PullProgress // nil: none
}

// ResolveImage finds an image (a build's FROM), pulling it as the policy
// says, and returns its id and config.
func (e *Engine) ResolveImage(ctx context.Context, o ResolveImageOptions) (string, *v1.ConfigFile, error) {
	if o.Ref == "" {
		return "", nil, Invalid("Ref", "", "an image is needed")
	}
	ref, err := parseRef("Ref", o.Ref)
	if err != nil {
		return "", nil, err
	}
	platform, explicit, err := parsePlatform(o.Platform)
	if err != nil {
		return "", nil, err
	}
	pull, err := parsePullPolicy(o.Pull)
	if err != nil {
		return "", nil, err
	}
	var prog CreateProgress
	if o.Progress != nil {
		prog = pullOnly{o.Progress}
	}
	img, err := e.findImage(ctx, imageQuery{arg: o.Ref, ref: ref, platform: platform, explicit: explicit, pull: pull}, prog)
	if err != nil {
		return "", nil, err
	}
	return e.withConfig(img)
}

// pullOnly is a PullProgress told about the pull of a lookup, without
// why the image is pulled.
type pullOnly struct{ PullProgress }

func (p pullOnly) Pulling(_, ref string) { p.PullProgress.Pulling(ref) }

// KeepImage makes a build's result an image like any other: one that a
// step of this or another build made is no longer hidden as intermediate.
func (e *Engine) KeepImage(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	img, err := e.lookupImage(id)
	if err != nil {
		return err
	}
	return classify(e.images.KeepImage(img.ID))
}
