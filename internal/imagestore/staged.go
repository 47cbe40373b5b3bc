package imagestore

import (
	"bufio"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	digest "github.com/opencontainers/go-digest"
	"github.com/vbatts/tar-split/tar/asm"
	tsstorage "github.com/vbatts/tar-split/tar/storage"
	"go.podman.io/storage"
	drivers "go.podman.io/storage/drivers"
	"go.podman.io/storage/pkg/archive"
	"go.podman.io/storage/pkg/chrootarchive"
	"golang.org/x/sys/unix"

	"github.com/skiff-containers/skiff/internal/state"
)

// SupportsStaging reports whether layers can be unpacked side by side into
// staging directories and committed afterwards. containers/storage offers
// this for overlay only; with vfs each layer is a copy of its parent and
// must wait for it.
func (s *Store) SupportsStaging() bool {
	return s.s.GraphDriverName() == "overlay"
}

// StagedLayer is a layer unpacked into a staging directory of the driver,
// not yet part of the store.
type StagedLayer struct {
	s      *Store
	out    *drivers.DriverWithDifferOutput
	diffID v1.Hash
}

// StageLayer unpacks an uncompressed layer stream into a staging directory.
// src must be a Verifier for the layer's diff id: the unpack fails if the
// content does not match, and nothing is left behind.
func (s *Store) StageLayer(src *Verifier, compressed v1.Hash) (*StagedLayer, error) {
	d := &tarDiffer{src: src, compressed: compressed}
	out, err := s.s.PrepareStagedLayer(nil, d)
	if err != nil {
		if out != nil && out.Target != "" {
			_ = s.s.CleanupStagedLayer(out)
		}
		return nil, fmt.Errorf("unpack layer %s: %w", src.want, err)
	}
	return &StagedLayer{s: s, out: out, diffID: src.want}, nil
}

// Commit moves the staged layer into the store as id on top of parent. A
// layer with that id stored meanwhile by another process wins; the staged
// copy is discarded. skiff processes commit one at a time under a lock of
// their own, because containers/storage would otherwise lay a staged
// directory over an existing layer of the same id.
func (l *StagedLayer) Commit(id, parent string) error {
	unlock, err := l.s.lockCommits()
	if err != nil {
		l.Discard()
		return err
	}
	defer unlock()
	if l.s.HasLayer(id) {
		l.Discard()
		return nil
	}
	_, err = l.s.s.ApplyStagedLayer(storage.ApplyStagedLayerOptions{
		ID:          id,
		ParentLayer: parent,
		DiffOutput:  l.out,
		DiffOptions: &drivers.ApplyDiffWithDifferOpts{},
	})
	if err != nil {
		l.Discard()
		return fmt.Errorf("store layer %s: %w", l.diffID, err)
	}
	return nil
}

// Discard removes the staging directory.
func (l *StagedLayer) Discard() {
	if l.out != nil {
		_ = l.s.s.CleanupStagedLayer(l.out)
		l.out = nil
	}
}

// lockCommits serializes layer commits among skiff processes.
func (s *Store) lockCommits() (func(), error) {
	f, err := state.Flock(filepath.Join(s.s.GraphRoot(), "skiff-commit.lock"))
	if err != nil {
		return nil, fmt.Errorf("commit lock: %w", err)
	}
	return func() { f.Close() }, nil
}

// tarDiffer is a containers/storage Differ that unpacks a plain tar stream
// the way the store's own ApplyDiff does (in a chroot, recording tar-split
// metadata so the layer can be exported byte for byte later).
type tarDiffer struct {
	src        *Verifier
	compressed v1.Hash
}

func (d *tarDiffer) ApplyDiff(dest string, opts *archive.TarOptions, differOpts *drivers.DifferOptions) (drivers.DriverWithDifferOutput, error) {
	var out drivers.DriverWithDifferOutput
	dir := filepath.Dir(dest)
	if differOpts != nil && differOpts.StagingDirectory != "" {
		dir = differOpts.StagingDirectory
	}
	ts, err := os.CreateTemp(dir, "tar-split-")
	if err != nil {
		return out, err
	}
	ok := false
	defer func() {
		if !ok {
			ts.Close()
		}
	}()
	// The file only needs to live as long as its descriptor.
	_ = os.Remove(ts.Name())

	bw := bufio.NewWriterSize(ts, 64<<10)
	packer := &rootWatcher{Packer: tsstorage.NewJSONPacker(bw)}
	payload, done, err := asm.NewInputTarStreamWithDone(d.src, packer, tsstorage.NewDiscardFilePutter())
	if err != nil {
		return out, err
	}
	uerr := chrootarchive.UntarUncompressed(payload, dest, opts)
	if uerr == nil {
		// Trailing padding belongs in tar-split too, and the verifier
		// only judges the digest at the end of the stream.
		_, uerr = io.Copy(io.Discard, payload)
	}
	payload.Close()
	if derr := <-done; uerr == nil {
		uerr = derr
	}
	if uerr == nil {
		uerr = bw.Flush()
	}
	if uerr == nil && !d.src.Verified() {
		uerr = fmt.Errorf("layer stream ended early: %w", ErrDigestMismatch)
	}
	var uids, gids []uint32
	if uerr == nil {
		uids, gids, uerr = owners(dest)
	}
	if uerr != nil {
		return out, uerr
	}
	if packer.sawRoot {
		if fi, err := os.Stat(dest); err == nil {
			m := fi.Mode().Perm()
			out.RootDirMode = &m
		}
	}
	out.TarSplit = ts
	out.Size = d.src.Count()
	out.UncompressedDigest = digest.Digest(d.src.want.String())
	out.CompressedDigest = digest.Digest(d.compressed.String())
	out.UIDs, out.GIDs = uids, gids
	ok = true
	return out, nil
}

func (d *tarDiffer) Close() error { return nil }

// rootWatcher notes whether the layer sets the mode of its root directory;
// if it does not, the store gives the layer its parent's.
type rootWatcher struct {
	tsstorage.Packer
	sawRoot bool
}

func (w *rootWatcher) AddEntry(e tsstorage.Entry) (int, error) {
	if e.Type == tsstorage.FileType {
		switch e.GetName() {
		case "./", ".", "/":
			w.sawRoot = true
		}
	}
	return w.Packer.AddEntry(e)
}

// owners lists the uids and gids of the unpacked files. Reading them back
// costs a stat per file; parsing the tar a second time for its headers
// would cost a pass over every byte.
func owners(root string) (uids, gids []uint32, err error) {
	us, gs := map[uint32]struct{}{}, map[uint32]struct{}{}
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == root {
			return nil
		}
		var st unix.Stat_t
		if err := unix.Lstat(p, &st); err != nil {
			return err
		}
		us[st.Uid] = struct{}{}
		gs[st.Gid] = struct{}{}
		return nil
	})
	return sortedKeys(us), sortedKeys(gs), err
}

func sortedKeys(m map[uint32]struct{}) []uint32 {
	out := make([]uint32, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
