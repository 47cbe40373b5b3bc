package registry

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// The largest manifest and image config a pull reads. A registry can
// otherwise make skiff hold (and store, and re-read on every run) whatever
// it serves. The figures are containers/image's (iolimits
// MaxManifestBodySize and MaxConfigBodySize), which podman, buildah and
// skopeo live with; distribution itself refuses to store bigger manifests.
const (
	MaxManifestSize int64 = 4 << 20
	MaxConfigSize   int64 = 4 << 20
)

// TooLargeError is a manifest or config over its limit. Declared is the
// size the registry announced (a descriptor or Content-Length), or 0 when
// the excess was found while reading.
type TooLargeError struct {
	What     string
	Declared int64
	Limit    int64
}

func (e *TooLargeError) Error() string {
	size := "is larger"
	if e.Declared > 0 {
		size = fmt.Sprintf("is %d bytes, larger", e.Declared)
	}
	return fmt.Sprintf("%s %s than the %s skiff accepts: the registry serves a broken or hostile image, pull another one", e.What, size, humanLimit(e.Limit))
}

func humanLimit(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

// limitedReader fails with a TooLargeError as soon as more than limit
// bytes came through, so that nothing bigger is ever held in memory.
type limitedReader struct {
	r     io.Reader
	n     int64
	limit int64
	what  string
}

func newLimitedReader(r io.Reader, limit int64, what string) *limitedReader {
	return &limitedReader{r: r, limit: limit, what: what}
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.n > l.limit {
		return 0, &TooLargeError{What: l.what, Limit: l.limit}
	}
	// One byte past the limit is enough to tell.
	if room := l.limit + 1 - l.n; int64(len(p)) > room {
		p = p[:room]
	}
	n, err := l.r.Read(p)
	l.n += int64(n)
	if l.n > l.limit {
		return n, &TooLargeError{What: l.what, Limit: l.limit}
	}
	return n, err
}

// ReadLimited reads r to its end, refusing anything over limit bytes
// without reading further; what names the content in the error.
func ReadLimited(r io.Reader, limit int64, what string) ([]byte, error) {
	return io.ReadAll(newLimitedReader(r, limit, what))
}

// CheckDeclared refuses content whose announced size is over limit, before
// a byte of it is fetched.
func CheckDeclared(size, limit int64, what string) error {
	if size > limit {
		return &TooLargeError{What: what, Declared: size, Limit: limit}
	}
	return nil
}

// manifestLimit caps manifest responses at MaxManifestSize:
// go-containerregistry reads them into memory whole, up to 100 MiB of its
// own. A Content-Length over the limit is refused before the body is read.
type manifestLimit struct {
	next http.RoundTripper
}

func (m *manifestLimit) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := m.next.RoundTrip(req)
	_, ref, isManifest := strings.Cut(req.URL.Path, "/manifests/")
	if err != nil || !isManifest || req.Method != http.MethodGet || resp.StatusCode != http.StatusOK {
		return resp, err
	}
	what := "manifest " + ref
	if err := CheckDeclared(resp.ContentLength, MaxManifestSize, what); err != nil {
		resp.Body.Close()
		return nil, err
	}
	resp.Body = &limitedBody{limitedReader: newLimitedReader(resp.Body, MaxManifestSize, what), c: resp.Body}
	return resp, nil
}

type limitedBody struct {
	*limitedReader
	c io.Closer
}

func (b *limitedBody) Close() error { return b.c.Close() }

// asTooLarge finds a TooLargeError in err's chain.
func asTooLarge(err error) (*TooLargeError, bool) {
	var tl *TooLargeError
	return tl, errors.As(err, &tl)
}
