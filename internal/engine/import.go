package engine

import (
	"context"
	"fmt"
	"io"
	"os"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"go.podman.io/storage/pkg/archive"

	"github.com/skiff-containers/skiff/internal/imageconfig"
	"github.com/skiff-containers/skiff/internal/imagestore"
	"github.com/skiff-containers/skiff/internal/runspec"
)

// ImportOptions are what Import makes an image of.
type ImportOptions struct {
	// Source is a tarball of a root file system, optionally compressed.
	Source io.Reader
	// Ref is REPOSITORY[:TAG] for the image; "" leaves it unnamed.
	Ref string
	// Platform is OS/ARCH[/VARIANT] the image is for; "" is the host's.
	Platform string
	// Changes are Dockerfile instructions (CMD, ENV, ...) applied to the
	// image's config, in order.
	Changes []string
	// Message is recorded in the image's history.
	Message string
}

// Import stores a root file system tarball as a one-layer image and
// returns its id.
func (e *Engine) Import(ctx context.Context, o ImportOptions) (string, error) {
	names, err := optionalTag("Ref", o.Ref)
	if err != nil {
		return "", err
	}
	platform, _, err := parsePlatform(o.Platform)
	if err != nil {
		return "", err
	}
	var cfg v1.Config
	if err := applyChanges(&cfg, o.Changes); err != nil {
		return "", err
	}
	if len(cfg.Env) == 0 {
		cfg.Env = []string{"PATH=" + runspec.DefaultPath}
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	img, err := importTarball(e.images, contextReader{ctx, o.Source}, cfg, platform, o.Message, names)
	if err != nil {
		return "", classify(err)
	}
	return img.ID, nil
}

// contextReader stops reading once ctx is done, so that a cancelled import
// stops at its next read.
type contextReader struct {
	ctx context.Context
	r   io.Reader
}

func (c contextReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// importTarball stores a root file system tarball as a one-layer image,
// shared with identical imports.
func importTarball(store *imagestore.Store, in io.Reader, cfg v1.Config, platform v1.Platform, message string, names []string) (imagestore.Image, error) {
	plain, err := archive.DecompressStream(in)
	if err != nil {
		return imagestore.Image{}, err
	}
	defer plain.Close()
	return mutate(store, mutation{
		layer: plain, config: &cfg, platform: platform, names: names,
		history: []v1.History{{CreatedBy: "skiff import", Comment: message}},
		check:   checkTarball,
	})
}

// checkTarball rejects an import input that is empty or not a tar archive
// before anything is stored, so that a wrong file gives a clear message.
func checkTarball(f *os.File, size int64) error {
	if size == 0 {
		return fmt.Errorf("the input is empty: give a tarball of a root file system")
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	hdr := make([]byte, 512)
	if _, err := io.ReadFull(f, hdr); err != nil || string(hdr[257:262]) != "ustar" {
		return fmt.Errorf("the input is not a tar archive: give a tarball (optionally compressed) of a root file system")
	}
	return nil
}

// applyChanges applies Dockerfile instructions (import's and commit's
// --change) to cfg, in order.
func applyChanges(cfg *v1.Config, changes []string) error {
	for _, ch := range changes {
		if err := imageconfig.Apply(cfg, ch); err != nil {
			return Invalid("Changes", ch, err.Error())
		}
	}
	return nil
}
