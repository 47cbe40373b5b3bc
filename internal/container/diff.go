package container

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"go.podman.io/storage"
	"go.podman.io/storage/pkg/archive"
)

// Diff streams what the container changed in its root file system against
// its image, as an uncompressed tar (whiteouts as in Docker's layer
// diffs). Left out are the mount points the run made: the paths in
// omit that are new to the image and empty (an empty file or directory,
// as the runtime creates them to mount over), and directories the diff
// holds only for those. Docker's init layer keeps them out of its commits
// the same way.
//
// The store's layers stay locked until the stream is read to its end or
// closed: read it to the end before storing a layer.
func (cs *Store) Diff(c *Container, omit []string) (io.ReadCloser, error) {
	changes, err := cs.s.Changes("", c.LayerID)
	if err != nil {
		return nil, fmt.Errorf("changes of %s: %w", c.Name, err)
	}
	drop := newMountPoints(omit, changes)
	uncompressed := archive.Uncompressed
	rc, err := cs.s.Diff("", c.LayerID, &storage.DiffOptions{Compression: &uncompressed})
	if err != nil {
		return nil, fmt.Errorf("diff of %s: %w", c.Name, err)
	}
	pr, pw := io.Pipe()
	go func() {
		var err error
		if drop.none() {
			_, err = io.Copy(pw, rc)
		} else {
			err = drop.filter(rc, pw)
		}
		// The lock goes before the reader sees the end.
		if cerr := rc.Close(); err == nil {
			err = cerr
		}
		pw.CloseWithError(err)
	}()
	return pr, nil
}

// mountPoints are the paths a diff may leave out, with the directories
// above them.
type mountPoints struct {
	// added are the omitted paths the container added (not in the image).
	added map[string]bool
	// above are the directories above those.
	above map[string]bool
}

// newMountPoints keeps those of omit that changes add.
func newMountPoints(omit []string, changes []archive.Change) mountPoints {
	m := mountPoints{added: map[string]bool{}, above: map[string]bool{}}
	want := map[string]bool{}
	for _, p := range omit {
		want[path.Clean("/"+p)] = true
	}
	for _, ch := range changes {
		p := path.Clean("/" + ch.Path)
		if ch.Kind != archive.ChangeAdd || !want[p] {
			continue
		}
		m.added[p] = true
		for d := path.Dir(p); d != "/"; d = path.Dir(d) {
			m.above[d] = true
		}
	}
	return m
}

func (m mountPoints) none() bool { return len(m.added) == 0 }

// filter copies the tar stream in to out without the mount points and
// without the directories that are in it only for them. A directory above
// a mount point is held back until something kept comes below it.
func (m mountPoints) filter(in io.Reader, out io.Writer) error {
	tr := tar.NewReader(in)
	tw := tar.NewWriter(out)
	var held []*tar.Header // outermost first
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		p := path.Clean("/" + hdr.Name)
		empty := hdr.Typeflag == tar.TypeDir || (hdr.Typeflag == tar.TypeReg && hdr.Size == 0)
		switch {
		case m.added[p] && empty:
			if hdr.Typeflag == tar.TypeDir {
				held = append(held, hdr)
			}
			continue
		case m.above[p] && hdr.Typeflag == tar.TypeDir:
			held = append(held, hdr)
			continue
		}
		// What is kept needs the held directories above it.
		var still []*tar.Header
		for _, h := range held {
			if d := path.Clean("/" + h.Name); strings.HasPrefix(p, d+"/") {
				if err := tw.WriteHeader(h); err != nil {
					return err
				}
			} else {
				still = append(still, h)
			}
		}
		held = still
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if _, err := io.Copy(tw, tr); err != nil {
			return err
		}
	}
	return tw.Close()
}
