package cli

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/urfave/cli/v2"
	"go.podman.io/storage/pkg/archive"

	"github.com/skiff-containers/skiff/internal/fserr"
	"github.com/skiff-containers/skiff/internal/imageconfig"
	"github.com/skiff-containers/skiff/internal/imagestore"
)

func (s *session) importAction(c *cli.Context, changes []string) error {
	if c.NArg() < 1 || c.NArg() > 2 {
		return usagef("'%s' takes FILE|URL|- and an optional REPOSITORY[:TAG]: see '%s --help'", c.Command.HelpName, c.Command.HelpName)
	}
	src := c.Args().First()
	var names []string
	if c.NArg() == 2 {
		ref, err := parseRef(c.Args().Get(1))
		if err != nil {
			return err
		}
		if ref.Digest != "" {
			return usagef("cannot import under a digest (%s): give a tag instead", c.Args().Get(1))
		}
		names = []string{ref.String()}
	}
	platform, _, err := platformFlag(c)
	if err != nil {
		return err
	}
	var cfg v1.Config
	for _, ch := range changes {
		if err := imageconfig.Apply(&cfg, ch); err != nil {
			return usagef("%v", err)
		}
	}
	if len(cfg.Env) == 0 {
		cfg.Env = []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
	}
	isURL := strings.HasPrefix(src, "http://") || strings.HasPrefix(src, "https://")
	if src != "-" && !isURL {
		if fi, err := os.Stat(src); err != nil {
			return usagef("cannot read %s: %v", src, errorsUnwrapPath(err))
		} else if fi.IsDir() {
			return usagef("%s is a directory: import takes a tarball (make one with tar -C DIR -c .)", src)
		}
	}
	store, err := s.openStore()
	if err != nil {
		return err
	}
	in, err := openImportSource(src, s)
	if err != nil {
		return err
	}
	defer in.Close()
	img, err := importTarball(store, in, cfg, platform, c.String("message"), names)
	if err != nil {
		return fmt.Errorf("import %s: %w", src, err)
	}
	fmt.Fprintf(s.io.Out, "sha256:%s\n", img.ID)
	return nil
}

// errorsUnwrapPath is fserr.Cause under the name run.go uses.
var errorsUnwrapPath = fserr.Cause

func openImportSource(src string, s *session) (io.ReadCloser, error) {
	switch {
	case src == "-":
		return io.NopCloser(s.io.In), nil
	case strings.HasPrefix(src, "http://") || strings.HasPrefix(src, "https://"):
		req, err := http.NewRequestWithContext(s.ctx, http.MethodGet, src, nil)
		if err != nil {
			return nil, usagef("invalid URL %s: %v", src, err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, fmt.Errorf("download %s: %w", src, err)
		}
		if resp.StatusCode != http.StatusOK {
			resp.Body.Close()
			return nil, fmt.Errorf("download %s: %s", src, resp.Status)
		}
		return resp.Body, nil
	default:
		return os.Open(src)
	}
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
