package registry

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/skiff-containers/skiff/pkg/imageref"
)

func TestReadLimited(t *testing.T) {
	tests := []struct {
		name    string
		size    int
		limit   int64
		tooBig  bool
		readMax int // bytes the reader may take from its source
	}{
		{"empty", 0, 10, false, 0},
		{"under", 5, 10, false, 5},
		{"at the limit", 10, 10, false, 10},
		{"one over", 11, 10, true, 11},
		{"far over", 1 << 20, 10, true, 11},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := &countingSource{r: bytes.NewReader(bytes.Repeat([]byte("x"), tt.size))}
			got, err := ReadLimited(src, tt.limit, "thing")
			var tl *TooLargeError
			if tt.tooBig {
				if !errors.As(err, &tl) || tl.Limit != tt.limit || tl.What != "thing" {
					t.Fatalf("err = %v, want a TooLargeError for thing at %d", err, tt.limit)
				}
			} else if err != nil || len(got) != tt.size {
				t.Fatalf("got %d bytes, %v; want %d", len(got), err, tt.size)
			}
			if src.n > tt.readMax {
				t.Errorf("read %d bytes of the source, want at most %d", src.n, tt.readMax)
			}
		})
	}
}

func TestCheckDeclared(t *testing.T) {
	tests := []struct {
		size, limit int64
		ok          bool
	}{
		{-1, 10, true}, // unknown
		{0, 10, true},
		{10, 10, true},
		{11, 10, false},
	}
	for _, tt := range tests {
		err := CheckDeclared(tt.size, tt.limit, "config")
		if (err == nil) != tt.ok {
			t.Errorf("CheckDeclared(%d, %d) = %v, want ok=%v", tt.size, tt.limit, err, tt.ok)
		}
		if err != nil && !strings.Contains(err.Error(), fmt.Sprintf("is %d bytes", tt.size)) {
			t.Errorf("error %q does not give the declared size", err)
		}
	}
}

type countingSource struct {
	r io.Reader
	n int
}

func (c *countingSource) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// fakeRegistry serves one image: a manifest and a config blob, either of
// which may be made too big, and counts what it sent.
type fakeRegistry struct {
	manifest       []byte
	config         []byte
	chunked        bool  // no Content-Length
	declaredConfig int64 // the config size the manifest declares
	configGets     atomic.Int32
	sent           atomic.Int64
}

func (f *fakeRegistry) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body []byte
	switch {
	case r.URL.Path == "/v2/":
		return
	case strings.Contains(r.URL.Path, "/manifests/"):
		w.Header().Set("Content-Type", "application/vnd.oci.image.manifest.v1+json")
		body = f.manifest
	case strings.Contains(r.URL.Path, "/blobs/"):
		f.configGets.Add(1)
		body = f.config
	default:
		http.NotFound(w, r)
		return
	}
	if !f.chunked {
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	}
	for off := 0; off < len(body); off += 32 << 10 {
		n, err := w.Write(body[off:min(off+32<<10, len(body))])
		f.sent.Add(int64(n))
		if err != nil {
			return
		}
		if f.chunked {
			w.(http.Flusher).Flush()
		}
	}
}

func manifestFor(config []byte, declared int64) []byte {
	sum := sha256.Sum256(config)
	m := map[string]any{
		"schemaVersion": 2,
		"mediaType":     "application/vnd.oci.image.manifest.v1+json",
		"config":        map[string]any{"mediaType": "application/vnd.oci.image.config.v1+json", "size": declared, "digest": "sha256:" + hex.EncodeToString(sum[:])},
		"layers":        []any{},
	}
	b, _ := json.Marshal(m)
	return b
}

func configOf(labelSize int) []byte {
	cfg := map[string]any{
		"architecture": "amd64", "os": "linux",
		"rootfs": map[string]any{"type": "layers", "diff_ids": []string{}},
		"config": map[string]any{"Labels": map[string]string{"big": strings.Repeat("x", labelSize)}},
	}
	b, _ := json.Marshal(cfg)
	return b
}

// Resolve refuses manifests and configs over their limits, whether the
// registry announces the size or not, without taking the whole body.
func TestResolveLimits(t *testing.T) {
	small := configOf(10)
	big := configOf(int(MaxConfigSize) + 1)
	huge := configOf(64 << 20)
	padded := func(n int) []byte {
		// A manifest made big by an annotation; JSON all the same.
		var m map[string]any
		_ = json.Unmarshal(manifestFor(small, int64(len(small))), &m)
		m["annotations"] = map[string]string{"pad": strings.Repeat("p", n)}
		b, _ := json.Marshal(m)
		return b
	}
	tests := []struct {
		name      string
		reg       *fakeRegistry
		want      string // "" for success
		noConfig  bool   // the config must not be fetched at all
		sentUnder int64  // the server must not get more than this out
	}{
		{name: "within limits", reg: &fakeRegistry{manifest: manifestFor(small, int64(len(small))), config: small}},
		{name: "config declared too big", reg: &fakeRegistry{manifest: manifestFor(big, int64(len(big))), config: big},
			want: fmt.Sprintf("is %d bytes, larger than the 4 MiB", len(big)), noConfig: true},
		{name: "config bigger than declared", reg: &fakeRegistry{manifest: manifestFor(huge, 100), config: huge},
			want: "image config sha256:", sentUnder: 32 << 20},
		{name: "config bigger than declared, chunked", reg: &fakeRegistry{manifest: manifestFor(huge, 100), config: huge, chunked: true},
			want: "image config sha256:", sentUnder: 32 << 20},
		{name: "manifest with too big a Content-Length", reg: &fakeRegistry{manifest: padded(64 << 20), config: small},
			want: "manifest latest is", noConfig: true, sentUnder: 32 << 20},
		{name: "manifest too big, chunked", reg: &fakeRegistry{manifest: padded(64 << 20), config: small, chunked: true},
			want: "manifest latest is larger than the 4 MiB", noConfig: true, sentUnder: 32 << 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.reg)
			defer srv.Close()
			ref, err := imageref.Parse(strings.TrimPrefix(srv.URL, "http://") + "/test/img:latest")
			if err != nil {
				t.Fatal(err)
			}
			res, err := New(nil).Resolve(t.Context(), ref, HostPlatform(), false)
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(res.Config, tt.reg.config) || res.ConfigFile.OS != "linux" {
					t.Errorf("config not read back whole")
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.want)
			}
			t.Log(err)
			if _, ok := asTooLarge(err); !ok {
				t.Errorf("err %v is no TooLargeError", err)
			}
			if tt.noConfig && tt.reg.configGets.Load() != 0 {
				t.Errorf("the config was fetched %d times", tt.reg.configGets.Load())
			}
			// Close waits for the handler, so its count is final.
			srv.CloseClientConnections()
			srv.Close()
			if tt.sentUnder > 0 && tt.reg.sent.Load() >= tt.sentUnder {
				t.Errorf("the registry got %d bytes out; the read did not stop at the limit", tt.reg.sent.Load())
			}
		})
	}
}
