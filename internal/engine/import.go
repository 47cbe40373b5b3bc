package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
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
	var names []string
	if o.Ref != "" {
		ref, err := parseRef("Ref", o.Ref)
		if err != nil {
			return "", err
		}
		if ref.Digest != "" {
			return "", Invalid("Ref", o.Ref, fmt.Sprintf("cannot import under a digest (%s): give a tag instead", o.Ref))
		}
		names = []string{ref.String()}
	}
	platform, _, err := parsePlatform(o.Platform)
	if err != nil {
		return "", err
	}
	var cfg v1.Config
	for _, ch := range o.Changes {
		if err := imageconfig.Apply(&cfg, ch); err != nil {
			return "", Invalid("Changes", ch, err.Error())
		}
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

// importTarball stores a root file system tarball as a one-layer image.
// The tarball is spooled (uncompressed) to learn its digest first, so the
// layer gets its chain id and is shared with identical imports. On any
// failure the layer is removed again.
func importTarball(store *imagestore.Store, in io.Reader, cfg v1.Config, platform v1.Platform, message string, names []string) (imagestore.Image, error) {
	tmpDir, release, err := store.TempDir()
	if err != nil {
		return imagestore.Image{}, err
	}
	defer release()
	plain, err := archive.DecompressStream(in)
	if err != nil {
		return imagestore.Image{}, err
	}
	defer plain.Close()
	spool, err := os.Create(tmpDir + "/layer.tar")
	if err != nil {
		return imagestore.Image{}, err
	}
	defer spool.Close()
	h := sha256.New()
	size, err := io.Copy(io.MultiWriter(spool, h), plain)
	if err != nil {
		return imagestore.Image{}, fmt.Errorf("read tarball: %w", err)
	}
	if size == 0 {
		return imagestore.Image{}, fmt.Errorf("the input is empty: give a tarball of a root file system")
	}
	if err := checkTar(spool); err != nil {
		return imagestore.Image{}, err
	}
	diffID := v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(h.Sum(nil))}
	layerID := imagestore.ChainIDs([]v1.Hash{diffID})[0]
	releaseLayers, err := store.HoldLayers()
	if err != nil {
		return imagestore.Image{}, err
	}
	defer releaseLayers()
	existed := store.HasLayer(layerID)
	if _, err := spool.Seek(0, io.SeekStart); err != nil {
		return imagestore.Image{}, err
	}
	if err := store.PutLayer(imagestore.LayerSource{ID: layerID, Blob: spool, Compressed: diffID, Size: size, DiffID: diffID}); err != nil {
		return imagestore.Image{}, err
	}
	now := time.Now().UTC()
	cf := v1.ConfigFile{
		Architecture: platform.Architecture,
		OS:           platform.OS,
		Variant:      platform.Variant,
		Created:      v1.Time{Time: now},
		Config:       cfg,
		RootFS:       v1.RootFS{Type: "layers", DiffIDs: []v1.Hash{diffID}},
		History:      []v1.History{{Created: v1.Time{Time: now}, CreatedBy: "skiff import", Comment: message}},
	}
	rawCfg, err := json.Marshal(cf)
	if err != nil {
		return imagestore.Image{}, err
	}
	cfgSum := sha256.Sum256(rawCfg)
	manifest := v1.Manifest{
		SchemaVersion: 2,
		MediaType:     types.OCIManifestSchema1,
		Config:        v1.Descriptor{MediaType: types.OCIConfigJSON, Size: int64(len(rawCfg)), Digest: v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(cfgSum[:])}},
		Layers:        []v1.Descriptor{{MediaType: types.OCIUncompressedLayer, Size: size, Digest: diffID}},
	}
	rawManifest, err := json.Marshal(manifest)
	if err != nil {
		return imagestore.Image{}, err
	}
	img, err := store.CommitImage(imagestore.NewImage{Config: rawCfg, Manifest: rawManifest, TopLayer: layerID, Names: names, Created: now})
	if err != nil && !existed {
		_ = store.DeleteLayer(layerID)
	}
	return img, err
}

// checkTar rejects input that is not a tar archive before anything is
// stored, so that a wrong file gives a clear message.
func checkTar(f *os.File) error {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	hdr := make([]byte, 512)
	if _, err := io.ReadFull(f, hdr); err != nil || string(hdr[257:262]) != "ustar" {
		return fmt.Errorf("the input is not a tar archive: give a tarball (optionally compressed) of a root file system")
	}
	return nil
}
