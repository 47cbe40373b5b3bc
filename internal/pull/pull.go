// Package pull copies an image from a registry into the image store.
package pull

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"go.podman.io/storage/pkg/archive"
	"golang.org/x/sync/errgroup"

	"github.com/skiff-containers/skiff/internal/imagestore"
	"github.com/skiff-containers/skiff/internal/registry"
	"github.com/skiff-containers/skiff/pkg/imageref"
)

// Layer states reported to a Progress.
const (
	StateWaiting     = "Waiting"
	StateExists      = "Already exists"
	StateDownloading = "Downloading"
	StateDownloaded  = "Download complete"
	StateExtracting  = "Extracting"
	StateComplete    = "Pull complete"
)

// Progress receives what a pull is doing. Calls may come from several
// goroutines.
type Progress interface {
	Layers(digests []v1.Hash, sizes []int64)
	State(layer int, state string)
	Bytes(layer int, done int64)
}

// Options tune a pull.
type Options struct {
	Platform         v1.Platform
	ExplicitPlatform bool
	Progress         Progress // nil for none
	// Jobs is how many layers download at once.
	Jobs int
}

// Pull fetches ref into store and returns the stored image. Nothing of the
// image is visible until every layer is stored and verified.
func Pull(ctx context.Context, client *registry.Client, store *imagestore.Store, ref imageref.Reference, o Options) (imagestore.Image, error) {
	img, err := pull(ctx, client, store, ref, o)
	if err != nil {
		return imagestore.Image{}, fmt.Errorf("pull %s: %w", ref, err)
	}
	return img, nil
}

func pull(ctx context.Context, client *registry.Client, store *imagestore.Store, ref imageref.Reference, o Options) (imagestore.Image, error) {
	res, err := client.Resolve(ctx, ref, o.Platform, o.ExplicitPlatform)
	if err != nil {
		return imagestore.Image{}, err
	}
	cf := res.ConfigFile
	layers, err := res.Image.Layers()
	if err != nil {
		return imagestore.Image{}, registry.Explain(ref.Domain, err)
	}
	diffIDs := cf.RootFS.DiffIDs
	if len(layers) != len(diffIDs) {
		return imagestore.Image{}, fmt.Errorf("manifest has %d layers but config lists %d", len(layers), len(diffIDs))
	}
	ids := imagestore.ChainIDs(diffIDs)
	prog := o.Progress
	if prog == nil {
		prog = nopProgress{}
	}
	digests := make([]v1.Hash, len(layers))
	sizes := make([]int64, len(layers))
	for i, l := range layers {
		if digests[i], err = l.Digest(); err != nil {
			return imagestore.Image{}, err
		}
		if sizes[i], err = l.Size(); err != nil {
			return imagestore.Image{}, err
		}
	}
	prog.Layers(digests, sizes)

	// From the look for stored layers to the image record, so that an
	// image prune does not take the layers this pull builds on.
	release, err := store.HoldLayers()
	if err != nil {
		return imagestore.Image{}, err
	}
	defer release()
	f := &layerFetch{store: store, ref: ref, layers: layers, digests: digests, sizes: sizes, diffIDs: diffIDs, ids: ids, prog: prog, jobs: o.Jobs}
	if err := f.fetch(ctx); err != nil {
		return imagestore.Image{}, err
	}
	top := ""
	if len(ids) > 0 {
		top = ids[len(ids)-1]
	}
	return store.CommitImage(imagestore.NewImage{
		Config:         res.Config,
		Manifest:       res.Manifest,
		ManifestDigest: res.ManifestDigest,
		TopLayer:       top,
		Names:          []string{ref.String()},
		Created:        cf.Created.Time,
	})
}

// layerFetch is the layers of one image to fetch: the slices are indexed
// by layer, bottom first.
type layerFetch struct {
	store   *imagestore.Store
	ref     imageref.Reference
	layers  []v1.Layer
	digests []v1.Hash // of the blobs as the registry serves them
	sizes   []int64
	diffIDs []v1.Hash
	ids     []string // chain ids: the layers' ids in the store
	missing []bool   // not in the store yet (set by fetch)
	prog    Progress
	jobs    int // downloads at once
}

// fetch downloads the missing layers in parallel and stores each as soon
// as it and every layer below it are in: unpacking overlaps the downloads
// still running.
func (f *layerFetch) fetch(ctx context.Context) error {
	if f.jobs <= 0 {
		f.jobs = 6
	}
	f.missing = make([]bool, len(f.layers))
	anyMissing := false
	for i := range f.layers {
		f.missing[i] = !f.store.HasLayer(f.ids[i])
		if f.missing[i] {
			anyMissing = true
			f.prog.State(i, StateWaiting)
		} else {
			f.prog.State(i, StateExists)
		}
	}
	if !anyMissing {
		return nil
	}
	if f.store.SupportsStaging() {
		return f.stream(ctx)
	}
	return f.spool(ctx)
}

// inOrder runs produce for every missing layer, at most jobs at a time,
// and consume on each result in layer order as soon as it and those before
// it are ready: later layers are fetched while earlier ones are committed.
// Results produced but never consumed (after a failure) go to discard.
func inOrder[T any](ctx context.Context, missing []bool, jobs int, produce func(ctx context.Context, i int) (T, error), consume func(i int, v T) error, discard func(T)) error {
	g, gctx := errgroup.WithContext(ctx)
	ready := make([]chan T, len(missing))
	sem := make(chan struct{}, jobs)
	for i := range missing {
		if !missing[i] {
			continue
		}
		ready[i] = make(chan T, 1)
		g.Go(func() error {
			select {
			case sem <- struct{}{}:
			case <-gctx.Done():
				return gctx.Err()
			}
			defer func() { <-sem }()
			v, err := produce(gctx, i)
			if err != nil {
				return err
			}
			ready[i] <- v
			return nil
		})
	}
	g.Go(func() error {
		for i := range missing {
			if !missing[i] {
				continue
			}
			select {
			case v := <-ready[i]:
				if err := consume(i, v); err != nil {
					return err
				}
			case <-gctx.Done():
				return gctx.Err()
			}
		}
		return nil
	})
	err := g.Wait()
	for _, ch := range ready {
		if ch == nil {
			continue
		}
		select {
		case v := <-ch:
			discard(v)
		default:
		}
	}
	return err
}

// stream unpacks every missing layer straight from the registry into
// a staging directory, all at once, and commits them in order: the
// download, decompression, digest checks and unpacking of all layers share
// the CPUs, and the commits are renames.
func (f *layerFetch) stream(ctx context.Context) error {
	return inOrder(ctx, f.missing, f.jobs,
		func(ctx context.Context, i int) (*imagestore.StagedLayer, error) {
			staged, err := stage(ctx, f.store, f.layers[i], f.digests[i], f.diffIDs[i], f.prog, i)
			if err != nil {
				return nil, layerError(f.ref, f.digests[i], err)
			}
			f.prog.State(i, StateDownloaded)
			return staged, nil
		},
		func(i int, staged *imagestore.StagedLayer) error {
			if err := staged.Commit(f.ids[i], parentOf(f.ids, i)); err != nil {
				return err
			}
			f.prog.State(i, StateComplete)
			return nil
		},
		func(staged *imagestore.StagedLayer) { staged.Discard() })
}

func parentOf(ids []string, i int) string {
	if i == 0 {
		return ""
	}
	return ids[i-1]
}

func stage(ctx context.Context, store *imagestore.Store, l v1.Layer, compressed, diffID v1.Hash, prog Progress, i int) (*imagestore.StagedLayer, error) {
	// go-containerregistry checks the blob's digest and size when the
	// stream reaches its end.
	rc, err := l.Compressed()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	prog.State(i, StateDownloading)
	cr := &countingReader{r: rc, ctx: ctx, report: func(n int64) { prog.Bytes(i, n) }}
	plain, err := archive.DecompressStream(cr)
	if err != nil {
		return nil, err
	}
	staged, err := store.StageLayer(imagestore.NewVerifier(plain, diffID), compressed)
	plain.Close()
	if err != nil {
		// Corrupt bytes usually break decompression before the blob's
		// digest is checked; the digest is the truth worth reporting.
		if _, derr := io.Copy(io.Discard, cr); derr != nil && isDigestError(derr) {
			return nil, blobError(derr)
		}
		return nil, blobError(err)
	}
	// A decompressor may stop before the blob's last bytes; read them so
	// the blob's own digest is checked too.
	if _, err := io.Copy(io.Discard, cr); err != nil {
		staged.Discard()
		return nil, blobError(err)
	}
	return staged, nil
}

// spool downloads the missing layers in parallel to files and stores
// each as soon as it and every layer below it are in: unpacking overlaps the
// downloads still running. It serves drivers without staging (vfs).
func (f *layerFetch) spool(ctx context.Context) error {
	tmp, release, err := f.store.TempDir()
	if err != nil {
		return fmt.Errorf("download directory: %w", err)
	}
	defer release()
	return inOrder(ctx, f.missing, f.jobs,
		func(ctx context.Context, i int) (string, error) {
			path := filepath.Join(tmp, fmt.Sprintf("layer-%d", i))
			if err := download(ctx, f.layers[i], path, func(n int64) { f.prog.Bytes(i, n) }, func() { f.prog.State(i, StateDownloading) }); err != nil {
				return "", layerError(f.ref, f.digests[i], err)
			}
			f.prog.State(i, StateDownloaded)
			return path, nil
		},
		func(i int, path string) error {
			f.prog.State(i, StateExtracting)
			if err := f.storeLayer(path, i); err != nil {
				return err
			}
			_ = os.Remove(path)
			f.prog.State(i, StateComplete)
			return nil
		},
		func(path string) { _ = os.Remove(path) })
}

// storeLayer stores layer i from its downloaded blob at path.
func (f *layerFetch) storeLayer(path string, i int) error {
	blob, err := os.Open(path)
	if err != nil {
		return err
	}
	defer blob.Close()
	return f.store.PutLayer(imagestore.LayerSource{
		ID: f.ids[i], Parent: parentOf(f.ids, i), Blob: blob, Compressed: f.digests[i], Size: f.sizes[i], DiffID: f.diffIDs[i],
	})
}

// download writes a layer blob to path; go-containerregistry checks its
// digest and size as the stream ends. A failed download leaves no file.
func download(ctx context.Context, l v1.Layer, path string, onBytes func(int64), onStart func()) error {
	rc, err := l.Compressed()
	if err != nil {
		return err
	}
	defer rc.Close()
	onStart()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	_, err = io.Copy(f, &countingReader{r: rc, ctx: ctx, report: onBytes})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(path)
		return blobError(err)
	}
	return nil
}

// blobError gives go-containerregistry's digest check, which words its
// mismatch its own way, the store's sentinel error.
func blobError(err error) error {
	if isDigestError(err) {
		return fmt.Errorf("content does not match its digest (corrupt download or registry): %w", imagestore.ErrDigestMismatch)
	}
	return err
}

// layerError words a failed layer: a digest mismatch as it is, anything
// else as a registry problem.
func layerError(ref imageref.Reference, d v1.Hash, err error) error {
	err = fmt.Errorf("layer %s: %w", d, err)
	if errors.Is(err, imagestore.ErrDigestMismatch) || errors.Is(err, context.Canceled) {
		return err
	}
	return registry.Explain(ref.Domain, err)
}

func isDigestError(err error) bool {
	return errors.Is(err, imagestore.ErrDigestMismatch) || strings.Contains(err.Error(), "error verifying")
}

type countingReader struct {
	r      io.Reader
	ctx    context.Context
	n      int64
	report func(int64)
}

func (c *countingReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	c.report(c.n)
	return n, err
}

type nopProgress struct{}

func (nopProgress) Layers([]v1.Hash, []int64) {}
func (nopProgress) State(int, string)         {}
func (nopProgress) Bytes(int, int64)          {}
