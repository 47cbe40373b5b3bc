package imagestore

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"slices"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	digest "github.com/opencontainers/go-digest"
	"go.podman.io/storage"
	"go.podman.io/storage/pkg/archive"
)

// ChainIDs returns the storage ids of an image's layers: the OCI chain id of
// each, so that images built on the same base share its layers.
func ChainIDs(diffIDs []v1.Hash) []string {
	ids := make([]string, len(diffIDs))
	var parent string
	for i, d := range diffIDs {
		if i == 0 {
			parent = d.Hex
		} else {
			sum := sha256.Sum256([]byte("sha256:" + parent + " " + d.String()))
			parent = hex.EncodeToString(sum[:])
		}
		ids[i] = parent
	}
	return ids
}

// HasLayer reports whether a complete layer with this id is stored.
func (s *Store) HasLayer(id string) bool {
	_, err := s.s.Layer(id)
	return err == nil
}

// ErrDigestMismatch means content did not hash to the digest it was
// announced under; nothing of it is kept.
var ErrDigestMismatch = errors.New("digest mismatch")

// LayerSource is one layer to store.
type LayerSource struct {
	ID, Parent string
	// Blob is the layer as the registry sent it (any compression
	// containers/storage detects), already checked against Compressed.
	Blob       io.Reader
	Compressed v1.Hash
	Size       int64
	DiffID     v1.Hash // the digest of the uncompressed tar, from the config
}

// PutLayer unpacks a layer. The uncompressed stream is checked against the
// diff id as it goes by; on a mismatch the store discards the layer, so no
// image can ever stand on unverified content. A layer another process
// stored meanwhile counts as success.
func (s *Store) PutLayer(src LayerSource) error {
	plain, err := archive.DecompressStream(src.Blob)
	if err != nil {
		return fmt.Errorf("layer %s: %w", src.Compressed, err)
	}
	defer plain.Close()
	vr := NewVerifier(plain, src.DiffID)
	size := src.Size
	opts := &storage.LayerOptions{
		OriginalDigest:     digest.Digest(src.Compressed.String()),
		OriginalSize:       &size,
		UncompressedDigest: digest.Digest(src.DiffID.String()),
	}
	_, _, err = s.s.PutLayer(src.ID, src.Parent, nil, "", false, opts, vr)
	if errors.Is(err, storage.ErrDuplicateID) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("store layer %s: %w", src.DiffID, err)
	}
	return nil
}

// Verifier passes a stream through and, at its end, fails with
// ErrDigestMismatch if the stream did not hash to the expected digest.
type Verifier struct {
	r        io.Reader
	h        hash.Hash
	want     v1.Hash
	n        int64
	verified bool
}

// NewVerifier checks r against want (sha256 only).
func NewVerifier(r io.Reader, want v1.Hash) *Verifier {
	return &Verifier{r: r, h: sha256.New(), want: want}
}

func (v *Verifier) Read(p []byte) (int, error) {
	n, err := v.r.Read(p)
	v.h.Write(p[:n])
	v.n += int64(n)
	if err == io.EOF {
		if got := hex.EncodeToString(v.h.Sum(nil)); got != v.want.Hex || v.want.Algorithm != "sha256" {
			return n, fmt.Errorf("content is sha256:%s, expected %s: %w", got, v.want, ErrDigestMismatch)
		}
		v.verified = true
	}
	return n, err
}

// Verified reports whether the whole stream was read and matched.
func (v *Verifier) Verified() bool { return v.verified }

// Count is how many bytes went through.
func (v *Verifier) Count() int64 { return v.n }

// NewImage is a complete image whose layers are all stored.
type NewImage struct {
	Config         []byte
	Manifest       []byte
	ManifestDigest v1.Hash // zero when the image has no registry manifest
	TopLayer       string
	Names          []string
	Created        time.Time
	// Intermediate marks a build step's image: build cache, hidden from
	// image lists and dangling-image prunes until it gets a name.
	Intermediate bool
}

// CommitImage records an image. Until this call the image is invisible, so
// a pull killed before it leaves only layers that the next pull reuses. The
// image's id is the digest of its config, so two processes committing the
// same image end with one copy carrying both sets of names.
func (s *Store) CommitImage(n NewImage) (Image, error) {
	sum := sha256.Sum256(n.Config)
	id := hex.EncodeToString(sum[:])
	opts := &storage.ImageOptions{
		CreationDate: n.Created,
		BigData: []storage.ImageBigDataOption{
			{Key: configKey(id), Data: n.Config, Digest: digest.Digest(configKey(id))},
			{Key: keyManifest, Data: n.Manifest},
		},
	}
	if n.Intermediate {
		opts.Metadata = intermediateMetadata
	}
	if n.ManifestDigest.Hex != "" {
		md := digest.Digest(n.ManifestDigest.String())
		opts.Digest = md
		opts.Digests = []digest.Digest{md}
		opts.BigData = append(opts.BigData, storage.ImageBigDataOption{Key: keyManifestDigest(md), Data: n.Manifest, Digest: md})
	}
	img, err := s.s.CreateImage(id, n.Names, n.TopLayer, "", opts)
	if errors.Is(err, storage.ErrDuplicateName) {
		// Another image has a name (the tag pulled for another platform,
		// or before the tag moved on): this one is created nameless and
		// takes the names from it, as a pull in Docker does. A crash in
		// between leaves a nameless image and the old one still named.
		if _, err = s.s.CreateImage(id, nil, n.TopLayer, "", opts); err == nil {
			err = storage.ErrDuplicateID
		}
	}
	if errors.Is(err, storage.ErrDuplicateID) {
		img, err = s.name(id, n)
		if err == nil && !n.Intermediate && img.Metadata == intermediateMetadata {
			// A build's result that a step of another build made first.
			if err = s.s.SetMetadata(id, ""); err == nil {
				img.Metadata = ""
			}
		}
	}
	if err != nil {
		return Image{}, fmt.Errorf("create image %s: %w", shortID(id), err)
	}
	return s.convert(img), nil
}

// intermediateMetadata is the storage metadata of an intermediate image.
const intermediateMetadata = `{"skiff.intermediate":true}`

// KeepImage clears an image's intermediate mark: a build's result is an
// image like any other, named or not.
func (s *Store) KeepImage(id string) error {
	img, err := s.s.Image(id)
	if err != nil {
		return fmt.Errorf("image %s: %w", shortID(id), err)
	}
	if img.Metadata != intermediateMetadata {
		return nil
	}
	return s.s.SetMetadata(id, "")
}

// name gives the stored image id the names and manifest of n; names
// other images hold move to it.
func (s *Store) name(id string, n NewImage) (*storage.Image, error) {
	if err := s.s.AddNames(id, n.Names); err != nil {
		return nil, fmt.Errorf("name image %s: %w", shortID(id), err)
	}
	if n.ManifestDigest.Hex != "" {
		md := digest.Digest(n.ManifestDigest.String())
		if err := s.s.SetImageBigData(id, keyManifestDigest(md), n.Manifest, func([]byte) (digest.Digest, error) { return md, nil }); err != nil {
			return nil, fmt.Errorf("record manifest of image %s: %w", shortID(id), err)
		}
	}
	return s.s.Image(id)
}

// DeleteLayer removes a layer no image uses; import calls it on failure.
func (s *Store) DeleteLayer(id string) error { return s.s.DeleteLayer(id) }

// LayerSizes are the uncompressed sizes of the layer top and the layers
// below it, bottom first, as an image's manifest lists them.
func (s *Store) LayerSizes(top string) ([]int64, error) {
	var sizes []int64
	for id := top; id != ""; {
		l, err := s.s.Layer(id)
		if err != nil {
			return nil, fmt.Errorf("layer %s: %w", shortID(id), err)
		}
		sizes = append(sizes, l.UncompressedSize)
		id = l.Parent
	}
	slices.Reverse(sizes)
	return sizes, nil
}
