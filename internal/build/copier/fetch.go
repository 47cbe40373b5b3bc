package copier

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"
)

// Fetch downloads ADD's URL into dir, as a file named after the URL's
// last path element (else the Content-Disposition filename, else
// "download"), checks it against checksum ("sha256:HEX", "" for none; a
// mismatch is an error naming both digests and removes the file), and
// returns the file's path and digest ("sha256:HEX"). As Docker does, the
// file has mode 0600 and, when the response has a Last-Modified header,
// that time as its mtime.
//
// The builder then copies it with Copy (Source{Root: dir, Rel: name}),
// which keeps the 0600 and gives it uid/gid 0 unless --chown is set.
func Fetch(ctx context.Context, rawURL, checksum, dir string) (string, string, error) {
	want := ""
	if checksum != "" {
		hexPart, ok := strings.CutPrefix(checksum, "sha256:")
		if !ok || len(hexPart) != sha256.Size*2 {
			return "", "", fmt.Errorf("invalid checksum %q: want sha256:<64 hex digits>", checksum)
		}
		if _, err := hex.DecodeString(hexPart); err != nil {
			return "", "", fmt.Errorf("invalid checksum %q: want sha256:<64 hex digits>", checksum)
		}
		want = "sha256:" + strings.ToLower(hexPart)
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", "", fmt.Errorf("invalid URL %q: %w", rawURL, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", "", fmt.Errorf("unsupported URL %q: only http and https are", rawURL)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return "", "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", "", fmt.Errorf("fetching %s: %w", rawURL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return "", "", fmt.Errorf("fetching %s: the server answered %s", rawURL, resp.Status)
	}
	name := downloadName(u, resp)
	p := filepath.Join(dir, name)
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return "", "", err
	}
	h := sha256.New()
	_, err = io.Copy(io.MultiWriter(f, h), resp.Body)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(p)
		return "", "", fmt.Errorf("fetching %s: %w", rawURL, err)
	}
	got := "sha256:" + hex.EncodeToString(h.Sum(nil))
	if want != "" && got != want {
		os.Remove(p)
		return "", "", fmt.Errorf("checksum mismatch for %s: expected %s, got %s", rawURL, want, got)
	}
	if err := os.Chmod(p, 0o600); err != nil {
		return "", "", err
	}
	if lm := resp.Header.Get("Last-Modified"); lm != "" {
		if t, err := http.ParseTime(lm); err == nil {
			if err := os.Chtimes(p, time.Time{}, t); err != nil {
				return "", "", err
			}
		}
	}
	return p, got, nil
}

// downloadName is the file name for a download: the URL path's last
// element, else the Content-Disposition filename, else "download".
func downloadName(u *url.URL, resp *http.Response) string {
	if u.Path != "" && !strings.HasSuffix(u.Path, "/") {
		if b := path.Base(u.Path); validName(b) {
			return b
		}
	}
	if cd := resp.Header.Get("Content-Disposition"); cd != "" {
		if _, params, err := mime.ParseMediaType(cd); err == nil {
			if fn := params["filename"]; fn != "" && !strings.HasSuffix(fn, "/") {
				if b := path.Base(filepath.ToSlash(fn)); validName(b) {
					return b
				}
			}
		}
	}
	return "download"
}

func validName(b string) bool {
	return b != "" && b != "." && b != ".." && b != "/" && !strings.ContainsRune(b, 0)
}
