package integration

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"runtime"
	"sort"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

func mkTar(t *testing.T, path string, files map[string]string) {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		body := files[n]
		if err := tw.WriteHeader(&tar.Header{Name: n, Mode: 0o755, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(body))
	}
	tw.Close()
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func gzipFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(data)
	zw.Close()
	return buf.String()
}

func goarch() string { return runtime.GOARCH }

func mustLayers(t *testing.T, img v1.Image) []v1.Layer {
	t.Helper()
	l, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// readToEnd reads r to its end, which must come within the time given: a
// container's stream ends when the last process holding it does.
func readToEnd(t *testing.T, r io.Reader, within time.Duration) []byte {
	t.Helper()
	done := make(chan []byte, 1)
	go func() {
		b, _ := io.ReadAll(r)
		done <- b
	}()
	select {
	case b := <-done:
		return b
	case <-time.After(within):
		t.Fatal("the container's stream never ended")
		return nil
	}
}

// asUserAndRoot runs f in a fresh rootless sandbox and, when the suite runs
// as root, in a root one; each one's containers are removed at the end.
func asUserAndRoot(t *testing.T, f func(t *testing.T, sb *sandbox)) {
	t.Run("rootless", func(t *testing.T) { f(t, removeContainersAtEnd(newSandbox(t))) })
	if os.Geteuid() == 0 {
		t.Run("root", func(t *testing.T) { f(t, removeContainersAtEnd(newRootSandbox(t))) })
	}
}
