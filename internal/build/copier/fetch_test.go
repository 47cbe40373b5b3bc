package copier

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestFetch(t *testing.T) {
	body := "hello from the server\n"
	sum := sha256.Sum256([]byte(body))
	digest := "sha256:" + hex.EncodeToString(sum[:])
	modified := time.Date(2020, 5, 6, 7, 8, 9, 0, time.UTC)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/missing":
			http.NotFound(w, r)
			return
		case "/cd/":
			w.Header().Set("Content-Disposition", `attachment; filename="named.tgz"`)
		case "/files/hello.txt":
			w.Header().Set("Last-Modified", modified.Format(http.TimeFormat))
		}
		w.Write([]byte(body))
	}))
	defer srv.Close()

	tests := []struct {
		name     string
		path     string
		checksum string
		wantName string
		err      string
	}{
		{"right checksum", "/files/hello.txt", digest, "hello.txt", ""},
		{"upper-case algorithm", "/files/hello.txt", strings.ToUpper(digest), "", "invalid checksum"},
		{"upper-case hex", "/files/hello.txt", "sha256:" + strings.ToUpper(digest[7:]), "hello.txt", ""},
		{"no checksum", "/files/hello.txt?x=1", "", "hello.txt", ""},
		{"wrong checksum", "/files/hello.txt", "sha256:" + strings.Repeat("0", 64), "", "checksum mismatch"},
		{"bad checksum", "/files/hello.txt", "md5:abc", "", "invalid checksum"},
		{"no name", "/", "", "download", ""},
		{"content disposition", "/cd/", "", "named.tgz", ""},
		{"404", "/missing", "", "", "404"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			p, d, err := Fetch(context.Background(), srv.URL+tt.path, tt.checksum, dir)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("Fetch error %v, want %q", err, tt.err)
				}
				if tt.err == "checksum mismatch" {
					if !strings.Contains(err.Error(), digest) || !strings.Contains(err.Error(), tt.checksum) {
						t.Errorf("error %q does not name both digests", err)
					}
					if names, _ := os.ReadDir(dir); len(names) != 0 {
						t.Errorf("mismatched download left behind: %v", names)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p != filepath.Join(dir, tt.wantName) {
				t.Errorf("path %q, want %q", p, filepath.Join(dir, tt.wantName))
			}
			if d != digest {
				t.Errorf("digest %q, want %q", d, digest)
			}
			data, err := os.ReadFile(p)
			if err != nil || string(data) != body {
				t.Fatalf("content %q, %v", data, err)
			}
			fi, _ := os.Stat(p)
			if fi.Mode().Perm() != 0o600 {
				t.Errorf("mode %v, want 0600", fi.Mode().Perm())
			}
			if tt.path == "/files/hello.txt" && !fi.ModTime().Equal(modified) {
				t.Errorf("mtime %v, want %v from Last-Modified", fi.ModTime(), modified)
			}
		})
	}
}

func TestFetchCanceled(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, _, err := Fetch(ctx, srv.URL+"/slow", "", t.TempDir()); err == nil {
		t.Fatal("no error when the context ends")
	}
}
