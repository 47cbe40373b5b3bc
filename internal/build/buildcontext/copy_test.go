package buildcontext

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/skiff-containers/skiff/internal/build/copier"
)

// TestCopyWithIgnoreFile runs the copier with a Context's Excluded, as
// the builder does for "COPY . /app".
func TestCopyWithIgnoreFile(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root (chown)")
	}
	dir := t.TempDir()
	write(t, dir, "Dockerfile", "FROM a\n")
	write(t, dir, ".dockerignore", ".git\n!.git/HEAD\n*.log\nDockerfile\n")
	write(t, dir, "main.go", "package main\n")
	write(t, dir, "debug.log", "x")
	write(t, dir, ".git/HEAD", "ref: main\n")
	write(t, dir, ".git/config", "[core]\n")
	write(t, dir, ".git/objects/aa/bb", "obj")
	c, err := Open(context.Background(), Options{Path: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	srcs, err := copier.Resolve(c.Root, []string{"."}, c.Excluded)
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	if err := copier.Copy(context.Background(), srcs, copier.Options{Root: root, Dest: "/app/", Excluded: c.Excluded}); err != nil {
		t.Fatal(err)
	}
	var got []string
	filepath.Walk(filepath.Join(root, "app"), func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			rel, _ := filepath.Rel(filepath.Join(root, "app"), p)
			got = append(got, filepath.ToSlash(rel))
		}
		return nil
	})
	sort.Strings(got)
	want := []string{".dockerignore", ".git/HEAD", "main.go"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("copied %v, want %v", got, want)
	}

	_, err = copier.Resolve(c.Root, []string{"debug.log"}, c.Excluded)
	if !errors.Is(err, copier.ErrNotFound) || !strings.Contains(err.Error(), "excluded by .dockerignore") {
		t.Fatalf("Resolve of an excluded file: %v", err)
	}
	a, err := copier.Digest(srcs, c.Excluded)
	if err != nil {
		t.Fatal(err)
	}
	write(t, dir, "more.log", "ignored")
	b, err := copier.Digest(srcs, c.Excluded)
	if err != nil {
		t.Fatal(err)
	}
	if a != b {
		t.Error("an excluded file changed the digest")
	}
}
