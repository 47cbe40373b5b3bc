package imagestore

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"go.podman.io/storage"
	"golang.org/x/sys/unix"
)

// A pull commits its layers one by one and records the image last, so
// while it runs its layers belong to no image; a pull that fails or is
// killed leaves them so for good. To tell the two apart, every process
// that adds layers (pull, import) holds this lock shared from before it
// looks for layers already stored until its image is recorded, and
// PruneLayers takes it exclusively. The kernel drops a killed process's
// lock, so what it left becomes collectable at once.
const layersLockFile = "skiff-layers.lock"

// ErrLayersBusy means a pull or import is adding layers right now.
var ErrLayersBusy = errors.New("a pull or import is in progress")

// HoldLayers keeps PruneLayers from collecting the layers the caller is
// adding, until the returned function is called.
func (s *Store) HoldLayers() (func(), error) {
	f, err := s.layersLock(unix.LOCK_SH)
	if err != nil {
		return nil, err
	}
	return func() { f.Close() }, nil
}

func (s *Store) layersLock(how int) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(s.s.GraphRoot(), layersLockFile), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("layers lock: %w", err)
	}
	if err := unix.Flock(int(f.Fd()), how); err != nil {
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, ErrLayersBusy
		}
		return nil, fmt.Errorf("layers lock: %w", err)
	}
	return f, nil
}

// PruneLayers deletes the image layers that no image and no container
// stands on, and returns their ids. It does not wait for pulls in
// progress: with one running it returns ErrLayersBusy and deletes nothing.
// Containers' own read-write layers are the container store's to collect.
func (s *Store) PruneLayers() ([]string, error) {
	lock, err := s.layersLock(unix.LOCK_EX | unix.LOCK_NB)
	if err != nil {
		return nil, err
	}
	defer lock.Close()
	layers, err := s.s.Layers()
	if err != nil {
		return nil, fmt.Errorf("list layers: %w", err)
	}
	imgs, err := s.s.Images()
	if err != nil {
		return nil, fmt.Errorf("list images: %w", err)
	}
	ctrs, err := s.s.Containers()
	if err != nil {
		return nil, fmt.Errorf("list containers: %w", err)
	}
	var roots []string
	for _, img := range imgs {
		roots = append(roots, img.TopLayer)
		roots = append(roots, img.MappedTopLayers...)
	}
	for _, c := range ctrs {
		roots = append(roots, c.LayerID)
	}
	orphans := unreferenced(layers, roots)
	var deleted []string
	// Children before parents: a layer with children cannot go.
	for progress := true; progress && len(orphans) > 0; {
		progress = false
		var left []string
		for _, id := range orphans {
			if err := s.s.DeleteLayer(id); err != nil {
				if errors.Is(err, storage.ErrLayerHasChildren) {
					left = append(left, id)
					continue
				}
				return deleted, fmt.Errorf("remove layer %s: %w", shortID(id), err)
			}
			deleted = append(deleted, id)
			progress = true
		}
		orphans = left
	}
	return deleted, nil
}

// unreferenced lists the image layers (those with content digests) that
// are neither a root nor below one.
func unreferenced(layers []storage.Layer, roots []string) []string {
	parent := make(map[string]string, len(layers))
	for _, l := range layers {
		parent[l.ID] = l.Parent
	}
	used := map[string]bool{}
	for _, id := range roots {
		for ; id != "" && !used[id]; id = parent[id] {
			used[id] = true
		}
	}
	var out []string
	for _, l := range layers {
		if used[l.ID] || (l.UncompressedDigest == "" && l.CompressedDigest == "") {
			continue
		}
		out = append(out, l.ID)
	}
	return out
}
