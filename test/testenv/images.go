package testenv

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// BusyboxPath is where Debian's busybox-static installs the binary.
const BusyboxPath = "/bin/busybox"

// Applets linked into the test image's /bin.
var applets = []string{"sh", "ls", "cat", "echo", "true", "false", "sleep", "id", "hostname", "ps", "mount",
	"touch", "mkdir", "rm", "stat", "env", "grep", "wc", "head", "tail", "yes", "dd", "kill", "whoami", "pwd", "test", "[", "nc", "wget", "httpd", "top", "uname", "readlink", "chown", "seq", "date", "tr", "cut", "find", "ip", "nslookup", "sed"}

// File is one extra file for a test layer.
type File struct {
	Path     string
	Body     string
	Mode     int64
	UID, GID int
}

// BusyboxLayer is a root file system with busybox, its applets, and the
// /etc files a container expects.
func BusyboxLayer(extra ...File) (v1.Layer, error) {
	bb, err := os.ReadFile(BusyboxPath)
	if err != nil {
		return nil, fmt.Errorf("read %s (apt-get install busybox-static): %w", BusyboxPath, err)
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	mtime := time.Unix(1700000000, 0)
	dirs := []string{"bin/", "etc/", "tmp/", "root/", "home/", "proc/", "sys/", "dev/", "var/", "usr/", "usr/bin/"}
	for _, d := range dirs {
		mode := int64(0o755)
		if d == "tmp/" {
			mode = 0o1777
		}
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: d, Mode: mode, ModTime: mtime}); err != nil {
			return nil, err
		}
	}
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: "bin/busybox", Mode: 0o755, Size: int64(len(bb)), ModTime: mtime}); err != nil {
		return nil, err
	}
	if _, err := tw.Write(bb); err != nil {
		return nil, err
	}
	for _, a := range applets {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeSymlink, Name: "bin/" + a, Linkname: "busybox", ModTime: mtime}); err != nil {
			return nil, err
		}
	}
	files := []File{
		{Path: "etc/passwd", Body: "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\napp:x:1000:1000:app:/home/app:/bin/sh\n", Mode: 0o644},
		{Path: "etc/group", Body: "root:x:0:\nnogroup:x:65534:\napp:x:1000:\n", Mode: 0o644},
		{Path: "home/app/owned-by-app", Body: "mine\n", Mode: 0o644, UID: 1000, GID: 1000},
	}
	files = append(files, extra...)
	for _, f := range files {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: f.Path, Mode: f.Mode, Size: int64(len(f.Body)), Uid: f.UID, Gid: f.GID, ModTime: mtime}); err != nil {
			return nil, err
		}
		if _, err := io.WriteString(tw, f.Body); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	data := buf.Bytes()
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }, tarball.WithMediaType(types.OCILayer))
}

// FileLayer is a layer holding the given files.
func FileLayer(files ...File) (v1.Layer, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		mode := f.Mode
		if mode == 0 {
			mode = 0o644
		}
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: f.Path, Mode: mode, Size: int64(len(f.Body)), Uid: f.UID, Gid: f.GID, ModTime: time.Unix(1700000000, 0)}); err != nil {
			return nil, err
		}
		if _, err := io.WriteString(tw, f.Body); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	data := buf.Bytes()
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }, tarball.WithMediaType(types.OCILayer))
}

// Image stacks layers into an image for arch with the busybox defaults.
func Image(arch string, layers ...v1.Layer) (v1.Image, error) {
	img, err := mutate.AppendLayers(empty.Image, layers...)
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", arch
	cf.Created = v1.Time{Time: time.Unix(1700000000, 0).UTC()}
	cf.Config.Cmd = []string{"sh"}
	cf.Config.Env = []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		return nil, err
	}
	img = mutate.MediaType(img, types.OCIManifestSchema1)
	return mutate.ConfigMediaType(img, types.OCIConfigJSON), nil
}

// Busybox is the standard test image.
func Busybox(arch string, extra ...File) (v1.Image, error) {
	l, err := BusyboxLayer(extra...)
	if err != nil {
		return nil, err
	}
	return Image(arch, l)
}

// WithRandomLayers is busybox plus n layers of size random bytes each: the
// benchmark's image (random data does not compress, so it is honest work).
func WithRandomLayers(arch string, n int, size int64) (v1.Image, error) {
	base, err := BusyboxLayer()
	if err != nil {
		return nil, err
	}
	layers := []v1.Layer{base}
	for i := 0; i < n; i++ {
		l, err := random.Layer(size, types.OCILayer)
		if err != nil {
			return nil, err
		}
		layers = append(layers, l)
	}
	return Image(arch, layers...)
}

// MultiArch is an index with one image per architecture.
func MultiArch(imgs map[string]v1.Image) (v1.ImageIndex, error) {
	var idx v1.ImageIndex = mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for arch, img := range imgs {
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{
			Add:        img,
			Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: arch}},
		})
	}
	return idx, nil
}

// Push uploads an image or index to ref over plain HTTP.
func Push(ref string, obj any) error {
	return PushAuth(ref, obj, authn.Anonymous)
}

// PushAuth pushes with credentials.
func PushAuth(ref string, obj any, auth authn.Authenticator) error {
	r, err := name.ParseReference(ref, name.Insecure)
	if err != nil {
		return err
	}
	switch v := obj.(type) {
	case v1.Image:
		return remote.Write(r, v, remote.WithAuth(auth))
	case v1.ImageIndex:
		return remote.WriteIndex(r, v, remote.WithAuth(auth))
	}
	return fmt.Errorf("cannot push %T", obj)
}

// GoProgram builds the Go main package in dir as a static binary and
// returns it as a file for a test layer at path.
func GoProgram(dir, path string) (File, error) {
	tmp, err := os.MkdirTemp("", "skiff-goprog-")
	if err != nil {
		return File{}, err
	}
	defer os.RemoveAll(tmp)
	out := filepath.Join(tmp, filepath.Base(path))
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", out, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return File{}, fmt.Errorf("build %s: %v: %s", dir, err, msg)
	}
	body, err := os.ReadFile(out)
	if err != nil {
		return File{}, err
	}
	return File{Path: path, Body: string(body), Mode: 0o755}, nil
}
