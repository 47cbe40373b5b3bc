package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/skiff-containers/skiff/internal/imagestore"
)

// MutateOptions are an image to make from another, as go-containerregistry's
// mutate.Append makes one: the base's layers and history, optionally one
// layer more, and a config.
type MutateOptions struct {
	// Base is an image id or reference; "" or "scratch" is no image: no
	// layers and an empty config.
	Base string
	// Layer is an uncompressed tar of the layer's changes, whiteouts as in
	// OCI and Docker layer diffs; nil adds no layer. A tar without
	// entries counts as none, as in Docker's commit and build.
	Layer io.Reader
	// Config replaces the base's config; nil keeps it.
	Config *v1.Config
	// History is appended to the base's. The last entry is the new
	// image's own: Mutate sets its EmptyLayer (none: an entry with no
	// fields). Entries before it are a builder's metadata-only steps and
	// are recorded as given, as empty layers. A zero Created is the
	// image's. None adds no entry when no layer is added (a builder's
	// empty base for FROM scratch), an entry with no fields otherwise.
	History []v1.History
	// Author is the new image's author ("" is none, as Docker's commit
	// records it; a builder passes the base's on).
	Author string
	// Platform is OS/ARCH[/VARIANT]; "" is the base's, or the host's for
	// scratch. One other than the base's is refused.
	Platform string
	// Names are REPOSITORY[:TAG] references the image gets; may be empty.
	Names []string
	// Created is the image's creation time; zero is now. With the same
	// inputs and Created, the image (its id) is the same.
	Created time.Time
	// Intermediate marks a build step's image: hidden from image lists
	// and from dangling-image prunes while it has no name.
	Intermediate bool
}

// Mutate makes a new image of a base, a layer and a config, and returns
// its id (the digest of its config). The layer is stored under its chain
// id, so an identical layer on the same base is stored once. On failure
// nothing of it is left.
func (e *Engine) Mutate(ctx context.Context, o MutateOptions) (string, error) {
	names, err := tagNames("Names", o.Names)
	if err != nil {
		return "", err
	}
	want, explicit, err := parsePlatform(o.Platform)
	if err != nil {
		return "", err
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	m := mutation{config: o.Config, history: o.History, author: o.Author, names: names, created: o.Created, platform: want, intermediate: o.Intermediate}
	if o.Base != "" && o.Base != "scratch" {
		img, err := e.lookupImage(o.Base)
		if err != nil {
			return "", err
		}
		cf, err := e.images.Config(img.ID)
		if err != nil {
			return "", classify(err)
		}
		m.baseTop, m.base = img.TopLayer, *cf
		m.platform = v1.Platform{OS: cf.OS, Architecture: cf.Architecture, Variant: cf.Variant}
		if explicit && (want.OS != m.platform.OS || want.Architecture != m.platform.Architecture || (want.Variant != "" && want.Variant != m.platform.Variant)) {
			return "", Invalid("Platform", o.Platform, fmt.Sprintf("the base image %s is for %s", o.Base, m.platform.String()))
		}
	}
	if o.Layer != nil {
		m.layer = contextReader{ctx, o.Layer}
	}
	img, err := mutate(e.images, m)
	if err != nil {
		return "", classify(err)
	}
	return img.ID, nil
}

// tagNames checks REPOSITORY[:TAG] references an image is to get and
// returns their canonical forms.
func tagNames(field string, refs []string) ([]string, error) {
	var names []string
	for _, r := range refs {
		ref, err := parseRef(field, r)
		if err != nil {
			return nil, err
		}
		if ref.Digest != "" {
			return nil, Invalid(field, r, fmt.Sprintf("an image cannot be named by a digest (%s): give a tag instead", r))
		}
		names = append(names, ref.String())
	}
	return names, nil
}

// optionalTag is tagNames of one reference that may be "".
func optionalTag(field, ref string) ([]string, error) {
	if ref == "" {
		return nil, nil
	}
	return tagNames(field, []string{ref})
}

// mutation is a MutateOptions resolved against the store.
type mutation struct {
	// baseTop is the base's top layer and base its config; both zero
	// for scratch.
	baseTop  string
	base     v1.ConfigFile
	layer    io.Reader // uncompressed; nil: none
	config   *v1.Config
	history  []v1.History // see MutateOptions.History
	author   string
	platform v1.Platform
	names    []string
	created  time.Time
	// intermediate: a build step's image.
	intermediate bool
	// check, when set, judges the spooled layer before anything is
	// stored (import's checks of its input).
	check func(f *os.File, size int64) error
}

// emptyLayer is the diff id of a tar without entries (its two zero end
// blocks): Docker's empty layer, which adds nothing.
var emptyLayer = func() v1.Hash {
	sum := sha256.Sum256(make([]byte, 1024))
	return v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(sum[:])}
}()

// mutate stores m's layer and records the image. The layer is spooled
// (uncompressed) first to learn its digest, so it gets its chain id and is
// shared with identical ones; a layer this call stored is removed again if
// the image cannot be recorded.
func mutate(store *imagestore.Store, m mutation) (imagestore.Image, error) {
	created := m.created
	if created.IsZero() {
		created = time.Now()
	}
	created = created.UTC()
	diffIDs := slices.Clone(m.base.RootFS.DiffIDs)
	top := m.baseTop
	var spool *spooledLayer
	if m.layer != nil {
		tmpDir, release, err := store.TempDir()
		if err != nil {
			return imagestore.Image{}, err
		}
		defer release()
		if spool, err = spoolLayer(tmpDir, m.layer); err != nil {
			return imagestore.Image{}, err
		}
		defer spool.f.Close()
		if m.check != nil {
			if err := m.check(spool.f, spool.size); err != nil {
				return imagestore.Image{}, err
			}
		}
		if spool.diffID == emptyLayer {
			spool = nil
		}
	}
	releaseLayers, err := store.HoldLayers()
	if err != nil {
		return imagestore.Image{}, err
	}
	defer releaseLayers()
	var added string // a layer this call stored
	if spool != nil {
		diffIDs = append(diffIDs, spool.diffID)
		id := imagestore.ChainIDs(diffIDs)[len(diffIDs)-1]
		existed := store.HasLayer(id)
		if _, err := spool.f.Seek(0, io.SeekStart); err != nil {
			return imagestore.Image{}, err
		}
		if err := store.PutLayer(imagestore.LayerSource{ID: id, Parent: top, Blob: spool.f, Compressed: spool.diffID, Size: spool.size, DiffID: spool.diffID}); err != nil {
			return imagestore.Image{}, err
		}
		if !existed {
			added = id
		}
		top = id
	}
	img, err := recordImage(store, m, imageParts{top: top, diffIDs: diffIDs, created: created, emptyLayer: spool == nil})
	if err != nil && added != "" {
		_ = store.DeleteLayer(added)
	}
	return img, err
}

// imageParts are what mutate made of the layers.
type imageParts struct {
	top        string
	diffIDs    []v1.Hash
	created    time.Time
	emptyLayer bool
}

// recordImage writes the config and manifest of the image and records it.
func recordImage(store *imagestore.Store, m mutation, p imageParts) (imagestore.Image, error) {
	cf := m.base
	// The base's builder and container say nothing of this image.
	cf.Container, cf.DockerVersion = "", ""
	cf.Architecture, cf.OS, cf.Variant = m.platform.Architecture, m.platform.OS, m.platform.Variant
	cf.Created = v1.Time{Time: p.created}
	cf.Author = m.author
	if m.config != nil {
		cf.Config = *m.config
	}
	cf.RootFS = v1.RootFS{Type: "layers", DiffIDs: p.diffIDs}
	hist := slices.Clone(m.history)
	if len(hist) == 0 && !p.emptyLayer {
		// A layer needs its history entry.
		hist = []v1.History{{}}
	}
	for i := range hist {
		if hist[i].Created.IsZero() {
			hist[i].Created = v1.Time{Time: p.created}
		}
		hist[i].EmptyLayer = true
	}
	if len(hist) > 0 {
		hist[len(hist)-1].EmptyLayer = p.emptyLayer
	}
	cf.History = append(slices.Clone(m.base.History), hist...)
	rawCfg, err := json.Marshal(cf)
	if err != nil {
		return imagestore.Image{}, err
	}
	sizes, err := store.LayerSizes(p.top)
	if err != nil {
		return imagestore.Image{}, err
	}
	if len(sizes) != len(p.diffIDs) {
		return imagestore.Image{}, fmt.Errorf("the base image has %d layers stored for %d in its config", len(sizes), len(p.diffIDs))
	}
	cfgSum := sha256.Sum256(rawCfg)
	manifest := v1.Manifest{
		SchemaVersion: 2,
		MediaType:     types.OCIManifestSchema1,
		Config:        v1.Descriptor{MediaType: types.OCIConfigJSON, Size: int64(len(rawCfg)), Digest: v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(cfgSum[:])}},
		Layers:        []v1.Descriptor{},
	}
	for i, d := range p.diffIDs {
		manifest.Layers = append(manifest.Layers, v1.Descriptor{MediaType: types.OCIUncompressedLayer, Size: sizes[i], Digest: d})
	}
	rawManifest, err := json.Marshal(manifest)
	if err != nil {
		return imagestore.Image{}, err
	}
	return store.CommitImage(imagestore.NewImage{Config: rawCfg, Manifest: rawManifest, TopLayer: p.top, Names: m.names, Created: p.created, Intermediate: m.intermediate})
}

// spooledLayer is a layer's uncompressed tar in a file, with its digest.
type spooledLayer struct {
	f      *os.File
	diffID v1.Hash
	size   int64
}

// spoolLayer copies the layer into dir, hashing it on the way.
func spoolLayer(dir string, r io.Reader) (*spooledLayer, error) {
	f, err := os.Create(dir + "/layer.tar")
	if err != nil {
		return nil, err
	}
	h := sha256.New()
	size, err := io.Copy(io.MultiWriter(f, h), r)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("read the layer: %w", err)
	}
	return &spooledLayer{f: f, diffID: v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(h.Sum(nil))}, size: size}, nil
}
