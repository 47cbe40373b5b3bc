package copier

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func digestTree(t *testing.T) string {
	root := t.TempDir()
	write(t, root, "app/main.go", "package main\n", 0o644)
	write(t, root, "app/run.sh", "#!/bin/sh\n", 0o755)
	write(t, root, "app/sub/data.bin", strings.Repeat("x", 300<<10), 0o600)
	symlink(t, root, "app/link", "main.go")
	mkdir(t, root, "app/empty", 0o755)
	return root
}

func TestDigest(t *testing.T) {
	requireRoot(t)
	excluded := func(rel string) bool { return strings.HasSuffix(rel, ".ignored") }
	base := func(t *testing.T) string {
		root := digestTree(t)
		d, err := Digest([]Source{{Root: root, Rel: "app"}}, excluded)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	tests := []struct {
		name   string
		change func(t *testing.T, root string)
		same   bool
	}{
		{"nothing", func(*testing.T, string) {}, true},
		{"mtime", func(t *testing.T, root string) {
			old := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
			for _, p := range []string{"app/main.go", "app/sub", "app"} {
				if err := os.Chtimes(filepath.Join(root, p), old, old); err != nil {
					t.Fatal(err)
				}
			}
		}, true},
		{"excluded file added", func(t *testing.T, root string) { write(t, root, "app/x.ignored", "z", 0o644) }, true},
		{"one byte", func(t *testing.T, root string) { write(t, root, "app/main.go", "package mainX", 0o644) }, false},
		{"one byte in a big file", func(t *testing.T, root string) {
			write(t, root, "app/sub/data.bin", strings.Repeat("x", 300<<10-1)+"y", 0o600)
		}, false},
		{"mode", func(t *testing.T, root string) {
			if err := os.Chmod(filepath.Join(root, "app/main.go"), 0o640); err != nil {
				t.Fatal(err)
			}
		}, false},
		{"dir mode", func(t *testing.T, root string) {
			if err := os.Chmod(filepath.Join(root, "app/empty"), 0o700); err != nil {
				t.Fatal(err)
			}
		}, false},
		{"owner", func(t *testing.T, root string) { lchown(t, root, "app/run.sh", 1000, 0) }, false},
		{"group", func(t *testing.T, root string) { lchown(t, root, "app/run.sh", 0, 1000) }, false},
		{"symlink owner", func(t *testing.T, root string) { lchown(t, root, "app/link", 7, 7) }, false},
		{"symlink target", func(t *testing.T, root string) {
			os.Remove(filepath.Join(root, "app/link"))
			symlink(t, root, "app/link", "run.sh")
		}, false},
		{"file added", func(t *testing.T, root string) { write(t, root, "app/new", "", 0o644) }, false},
		{"empty dir added", func(t *testing.T, root string) { mkdir(t, root, "app/empty/more", 0o755) }, false},
		{"renamed", func(t *testing.T, root string) {
			if err := os.Rename(filepath.Join(root, "app/run.sh"), filepath.Join(root, "app/run2.sh")); err != nil {
				t.Fatal(err)
			}
		}, false},
		{"moved between dirs", func(t *testing.T, root string) {
			if err := os.Rename(filepath.Join(root, "app/main.go"), filepath.Join(root, "app/sub/main.go")); err != nil {
				t.Fatal(err)
			}
		}, false},
	}
	want := base(t)
	if !strings.HasPrefix(want, "sha256:") || len(want) != len("sha256:")+64 {
		t.Fatalf("digest %q", want)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := digestTree(t)
			tt.change(t, root)
			got, err := Digest([]Source{{Root: root, Rel: "app"}}, excluded)
			if err != nil {
				t.Fatal(err)
			}
			if (got == want) != tt.same {
				t.Fatalf("digest %s vs %s: same = %v, want %v", got, want, got == want, tt.same)
			}
		})
	}
}

func TestDigestSources(t *testing.T) {
	root := t.TempDir()
	write(t, root, "a", "same", 0o644)
	write(t, root, "b", "same", 0o644)
	symlink(t, root, "la", "a")
	d := func(rels ...string) string {
		var srcs []Source
		for _, r := range rels {
			srcs = append(srcs, Source{Root: root, Rel: r})
		}
		s, err := Digest(srcs, nil)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if d("a") == d("b") {
		t.Error("sources with other names have the same digest")
	}
	if d("a", "b") == d("b", "a") {
		t.Error("the order of sources does not count")
	}
	if d("a") != d("a") {
		t.Error("digest is not stable")
	}
	// A source that is a symlink is followed, as Copy follows it: its
	// digest changes with the target's content.
	before := d("la")
	write(t, root, "a", "changed", 0o644)
	if d("la") == before {
		t.Error("digest of a symlinked source does not follow the link")
	}
	if _, err := Digest([]Source{{Root: root, Rel: "missing"}}, nil); err == nil {
		t.Error("no error for a missing source")
	}
}
