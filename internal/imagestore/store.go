// Package imagestore keeps images and their layers on disk. It is a thin
// layer over go.podman.io/storage that speaks in image references and OCI
// image configs.
package imagestore

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	digest "github.com/opencontainers/go-digest"
	"go.podman.io/storage"
	"go.podman.io/storage/pkg/idtools"
	"golang.org/x/sys/unix"

	"github.com/skiff-containers/skiff/internal/state"
	"github.com/skiff-containers/skiff/pkg/imageref"
)

// Big-data keys, chosen as containers/image chooses them so that other
// tools reading a storage tree find what they expect.
const (
	keyManifest = "manifest"
)

func keyManifestDigest(d digest.Digest) string { return "manifest-" + d.String() }

// ErrNotFound is returned for an image that is not in the store.
var ErrNotFound = errors.New("image not known")

// ErrAmbiguous is returned for an id prefix matching several images.
var ErrAmbiguous = errors.New("ambiguous image id prefix")

// Options configure Open.
type Options struct {
	GraphRoot string
	RunRoot   string
	// Driver forces "overlay" or "vfs"; empty tries overlay, then vfs.
	Driver string
	// SingleMapping tells the store that only one id is mapped, so
	// chowning layer files to their owners in the image must be skipped.
	SingleMapping bool
	// Rootless: the store is used from a rootless skiff's namespace.
	Rootless bool
	// AutoUserNsUser owns the subordinate ids --userns=auto hands out
	// (as root); empty is DefaultAutoUserNsUser.
	AutoUserNsUser string
}

// DefaultAutoUserNsUser owns the subordinate ids that --userns=auto hands
// out unless configured otherwise, as in podman.
const DefaultAutoUserNsUser = "containers"

// Store is an open image store. Close it when done: it holds no daemon,
// but the driver may hold mounts.
type Store struct {
	s        storage.Store
	autoUser string
}

// Open opens (creating if needed) the store.
func Open(o Options) (*Store, error) {
	opts := storage.StoreOptions{
		GraphRoot:           o.GraphRoot,
		RunRoot:             o.RunRoot,
		GraphDriverName:     o.Driver,
		GraphDriverPriority: []string{"overlay", "vfs"},
	}
	if o.SingleMapping {
		opts.GraphDriverOptions = []string{"overlay.ignore_chown_errors=true", "vfs.ignore_chown_errors=true"}
	}
	autoUser := o.AutoUserNsUser
	if autoUser == "" {
		autoUser = DefaultAutoUserNsUser
	}
	if os.Geteuid() == 0 && !o.Rootless {
		// --userns=auto takes ranges from this user's /etc/subuid and
		// /etc/subgid entries, as podman does.
		opts.RootAutoNsUser = autoUser
		opts.AutoNsMinSize = 1024
		opts.AutoNsMaxSize = 65536
	}
	s, err := storage.GetStore(opts)
	if err != nil {
		return nil, fmt.Errorf("open image store %s: %w", o.GraphRoot, err)
	}
	st := &Store{s: s, autoUser: autoUser}
	st.cleanTemp()
	if !o.Rootless {
		restorePrivate(o.GraphRoot)
	}
	return st, nil
}

// restorePrivate closes the graph root again where an earlier skiff opened
// it to other users' search (mode 0701) for --userns=auto containers, and
// with it the container and layer directories it opened below. Containers
// with their own user namespace now reach their root file system through
// the run root instead (container.Store.MappedRoot).
func restorePrivate(graphRoot string) {
	fi, err := os.Stat(graphRoot)
	if err != nil || fi.Mode().Perm()&0o001 == 0 {
		return
	}
	_ = os.Chmod(graphRoot, fi.Mode().Perm()&^0o001)
	for _, dir := range []string{"overlay", "vfs", "overlay-containers"} {
		ents, _ := os.ReadDir(filepath.Join(graphRoot, dir))
		for _, e := range ents {
			p := filepath.Join(graphRoot, dir, e.Name())
			if fi, err := os.Lstat(p); err == nil && fi.IsDir() && fi.Mode().Perm() == 0o701 {
				_ = os.Chmod(p, 0o700)
			}
		}
	}
	if fi, err := os.Lstat(filepath.Join(graphRoot, "overlay-containers")); err == nil && fi.Mode().Perm() == 0o701 {
		_ = os.Chmod(filepath.Join(graphRoot, "overlay-containers"), 0o700)
	}
}

// CheckAutoUserNs tells whether --userns=auto has ids to hand out. It runs
// before anything is made: containers/storage, asked for a container
// without them, logs its own error line and fails with a vague one.
func (s *Store) CheckAutoUserNs() error {
	if _, err := idtools.NewIDMappings(s.autoUser, s.autoUser); err != nil {
		return fmt.Errorf("--userns=auto: %v: give the user %q ranges there and in /etc/subgid, or name another user in config.toml's [storage] auto_userns_user", err, s.autoUser)
	}
	return nil
}

// Close releases the store.
func (s *Store) Close() error {
	_, err := s.s.Shutdown(false)
	return err
}

// Storage exposes the underlying store to packages that manage containers.
func (s *Store) Storage() storage.Store { return s.s }

// Driver is the name of the storage driver in use.
func (s *Store) Driver() string { return s.s.GraphDriverName() }

// GraphRoot is where the store keeps its data.
func (s *Store) GraphRoot() string { return s.s.GraphRoot() }

// Status is the driver's own description of itself.
func (s *Store) Status() [][2]string {
	st, _ := s.s.Status()
	return st
}

// TempDir is a directory on the store's file system for downloads in
// progress. The caller must call the returned release function. While it
// runs the directory is flock'ed, so the next Open can tell the directories
// of killed processes (lock free) from those of running pulls.
func (s *Store) TempDir() (string, func(), error) {
	base := filepath.Join(s.s.GraphRoot(), "skiff-tmp")
	if err := os.MkdirAll(base, 0o700); err != nil {
		return "", nil, err
	}
	dir, err := os.MkdirTemp(base, "pull-")
	if err != nil {
		return "", nil, err
	}
	lock, err := state.Flock(filepath.Join(dir, ".lock"))
	if err != nil {
		os.RemoveAll(dir)
		return "", nil, fmt.Errorf("lock download directory: %w", err)
	}
	return dir, func() {
		os.RemoveAll(dir)
		lock.Close()
	}, nil
}

// cleanTemp removes download directories left by killed processes.
func (s *Store) cleanTemp() {
	base := filepath.Join(s.s.GraphRoot(), "skiff-tmp")
	entries, err := os.ReadDir(base)
	if err != nil {
		return
	}
	for _, e := range entries {
		dir := filepath.Join(base, e.Name())
		lock, err := os.OpenFile(filepath.Join(dir, ".lock"), os.O_RDWR, 0)
		if err != nil {
			// Created but not yet locked, or never locked: only remove
			// when old enough that no live process can be between the
			// two steps.
			if fi, err := e.Info(); err == nil && time.Since(fi.ModTime()) > time.Minute {
				os.RemoveAll(dir)
			}
			continue
		}
		if unix.Flock(int(lock.Fd()), unix.LOCK_EX|unix.LOCK_NB) == nil {
			os.RemoveAll(dir)
		}
		lock.Close()
	}
}

// Image describes a stored image.
type Image struct {
	ID       string
	Names    []string // canonical references, "docker.io/library/busybox:latest"
	Digest   string   // manifest digest, empty for imported images without one
	Digests  []string
	Created  time.Time
	TopLayer string
	Size     int64 // unpacked size of all layers
	// Intermediate: a build step's image (see NewImage).
	Intermediate bool
}

func (s *Store) convert(img *storage.Image) Image {
	out := Image{
		ID:       img.ID,
		Names:    append([]string(nil), img.Names...),
		Digest:   img.Digest.String(),
		Created:  img.Created,
		TopLayer: img.TopLayer,
		// Named, it is an image like any other.
		Intermediate: img.Metadata == intermediateMetadata && len(img.Names) == 0,
	}
	for _, d := range img.Digests {
		out.Digests = append(out.Digests, d.String())
	}
	if size, err := s.s.ImageSize(img.ID); err == nil {
		out.Size = size
	}
	return out
}

// Images lists every complete image, newest first.
func (s *Store) Images() ([]Image, error) {
	imgs, err := s.s.Images()
	if err != nil {
		return nil, fmt.Errorf("list images: %w", err)
	}
	out := make([]Image, 0, len(imgs))
	for i := range imgs {
		out = append(out, s.convert(&imgs[i]))
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Created.After(out[j].Created) })
	return out, nil
}

// Lookup finds an image by reference ("busybox", "localhost:5000/a:v1",
// "repo@sha256:..."), by full or short id, or by "sha256:<id>".
func (s *Store) Lookup(nameOrID string) (Image, error) {
	if ref, err := imageref.Parse(nameOrID); err == nil {
		if img, err := s.s.Image(ref.String()); err == nil {
			return s.convert(img), nil
		}
		if ref.Digest != "" {
			if img, ok := s.byRepoDigest(ref); ok {
				return s.convert(img), nil
			}
		}
	}
	id := strings.TrimPrefix(nameOrID, "sha256:")
	if isHex(id) && len(id) >= 3 {
		img, err := s.s.Image(id)
		if err == nil {
			return s.convert(img), nil
		}
		if strings.Contains(err.Error(), "ambiguous") {
			return Image{}, fmt.Errorf("%s: %w", nameOrID, ErrAmbiguous)
		}
	}
	return Image{}, fmt.Errorf("%s: %w", nameOrID, ErrNotFound)
}

// ErrOtherPlatform marks a local image of another platform than the one
// asked for.
var ErrOtherPlatform = errors.New("image is for another platform")

// PlatformError is a local image found for another platform.
type PlatformError struct {
	Ref        string
	Have, Want v1.Platform
}

func (e *PlatformError) Error() string {
	return fmt.Sprintf("the local image %s is for %s, not %s", e.Ref, e.Have.String(), e.Want.String())
}

func (e *PlatformError) Unwrap() error { return ErrOtherPlatform }

// LookupPlatform is Lookup of an image that must be for platform want; a
// variant counts only where both name one (arm64 images often name none).
func (s *Store) LookupPlatform(nameOrID string, want v1.Platform) (Image, error) {
	img, err := s.Lookup(nameOrID)
	if err != nil {
		return Image{}, err
	}
	cfg, err := s.Config(img.ID)
	if err != nil {
		return Image{}, err
	}
	have := v1.Platform{OS: cfg.OS, Architecture: cfg.Architecture, Variant: cfg.Variant}
	if have.OS != want.OS || have.Architecture != want.Architecture ||
		(have.Variant != "" && want.Variant != "" && have.Variant != want.Variant) {
		return img, &PlatformError{Ref: nameOrID, Have: have, Want: want}
	}
	return img, nil
}

// byRepoDigest finds an image pulled by tag under the same repository whose
// manifest digest matches: "busybox@sha256:x" after "pull busybox".
func (s *Store) byRepoDigest(ref imageref.Reference) (*storage.Image, bool) {
	imgs, err := s.s.ImagesByDigest(digest.Digest(ref.Digest))
	if err != nil {
		return nil, false
	}
	for _, img := range imgs {
		for _, n := range img.Names {
			if r, err := imageref.Parse(n); err == nil && r.Repository() == ref.Repository() {
				return img, true
			}
		}
	}
	return nil, false
}

func isHex(s string) bool {
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return s != ""
}

// Config reads an image's OCI config.
func (s *Store) Config(id string) (*v1.ConfigFile, error) {
	img, err := s.s.Image(id)
	if err != nil {
		return nil, fmt.Errorf("image %s: %w", id, ErrNotFound)
	}
	raw, err := s.s.ImageBigData(img.ID, configKey(img.ID))
	if err != nil {
		return nil, fmt.Errorf("read config of image %s: %w", id, err)
	}
	var cfg v1.ConfigFile
	if err := json.Unmarshal(raw, &cfg); err != nil {
		return nil, fmt.Errorf("parse config of image %s: %w", id, err)
	}
	return &cfg, nil
}

// configKey: the config is stored under its own digest, which is the
// image id; ids are "sha256" digests for every image skiff writes.
func configKey(id string) string {
	return "sha256:" + id
}

// Manifest returns the stored manifest of an image and its digest.
func (s *Store) Manifest(id string) ([]byte, string, error) {
	img, err := s.s.Image(id)
	if err != nil {
		return nil, "", fmt.Errorf("image %s: %w", id, ErrNotFound)
	}
	raw, err := s.s.ImageBigData(img.ID, keyManifest)
	if err != nil {
		return nil, "", fmt.Errorf("read manifest of image %s: %w", id, err)
	}
	return raw, img.Digest.String(), nil
}

// Tag adds a name to an image; the name leaves any image that had it.
func (s *Store) Tag(id string, ref imageref.Reference) error {
	if err := s.s.AddNames(id, []string{ref.String()}); err != nil {
		return fmt.Errorf("tag %s as %s: %w", id, ref, err)
	}
	return nil
}

// Untag removes one name from an image and keeps the image.
func (s *Store) Untag(id, name string) error {
	if err := s.s.RemoveNames(id, []string{name}); err != nil {
		return fmt.Errorf("untag %s: %w", name, err)
	}
	return nil
}

// ContainersUsing lists the storage containers made from an image.
func (s *Store) ContainersUsing(id string) ([]string, error) {
	ctrs, err := s.s.Containers()
	if err != nil {
		return nil, fmt.Errorf("list containers: %w", err)
	}
	var out []string
	for _, c := range ctrs {
		if c.ImageID == id {
			out = append(out, c.ID)
		}
	}
	return out, nil
}

// ErrInUse is returned when removing an image that containers use.
var ErrInUse = errors.New("image is in use by a container")

// Remove deletes an image and the layers no other image or container
// uses. It refuses an image containers were made from.
func (s *Store) Remove(id string) error {
	users, err := s.ContainersUsing(id)
	if err != nil {
		return err
	}
	if len(users) > 0 {
		return fmt.Errorf("image %s is used by container %s: %w", shortID(id), shortID(users[0]), ErrInUse)
	}
	if _, err := s.s.DeleteImage(id, true); err != nil {
		if errors.Is(err, storage.ErrImageUnknown) {
			return fmt.Errorf("%s: %w", id, ErrNotFound)
		}
		return fmt.Errorf("remove image %s: %w", shortID(id), err)
	}
	return nil
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
