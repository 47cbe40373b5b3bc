package copier

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func resolveTree(t *testing.T) string {
	root := t.TempDir()
	write(t, root, "a.txt", "a", 0o644)
	write(t, root, "b.txt", "b", 0o644)
	write(t, root, "c.md", "c", 0o644)
	write(t, root, ".hidden.txt", "h", 0o644)
	write(t, root, "dir/x.go", "x", 0o644)
	write(t, root, "dir/sub/y.go", "y", 0o644)
	write(t, root, "other/sub/y.go", "y2", 0o644)
	write(t, root, "secret.txt", "s", 0o600)
	write(t, root, "keys/k1.secret", "k", 0o600)
	write(t, root, "arr[0].txt", "arr", 0o644)
	symlink(t, root, "toroot", "/")
	symlink(t, root, "up", "../../../../../../etc")
	symlink(t, root, "linkdir", "dir")
	return root
}

func TestResolve(t *testing.T) {
	root := resolveTree(t)
	excluded := func(rel string) bool {
		return rel == "secret.txt" || strings.HasSuffix(rel, ".secret") || rel == "keys"
	}
	type want struct {
		rel      string
		wildcard bool
	}
	tests := []struct {
		name     string
		patterns []string
		want     []want
		err      string // substring of the error; "" for none
		notFound bool   // the error wraps ErrNotFound
	}{
		{name: "file", patterns: []string{"a.txt"}, want: []want{{"a.txt", false}}},
		{name: "leading slash", patterns: []string{"/a.txt"}, want: []want{{"a.txt", false}}},
		{name: "dot slash", patterns: []string{"./dir/x.go"}, want: []want{{"dir/x.go", false}}},
		{name: "parent dirs stay inside", patterns: []string{"../../a.txt"}, want: []want{{"a.txt", false}}},
		{name: "trailing slash", patterns: []string{"dir/"}, want: []want{{"dir", false}}},
		{name: "root", patterns: []string{"."}, want: []want{{".", false}}},
		{name: "root by ..", patterns: []string{".."}, want: []want{{".", false}}},
		{name: "star", patterns: []string{"*.txt"}, want: []want{{".hidden.txt", true}, {"a.txt", true}, {"arr[0].txt", true}, {"b.txt", true}}},
		{name: "question", patterns: []string{"d?r"}, want: []want{{"dir", true}}},
		{name: "class", patterns: []string{"[ab].txt"}, want: []want{{"a.txt", true}, {"b.txt", true}}},
		{name: "escaped bracket", patterns: []string{"arr[[]0].txt"}, want: []want{{"arr[0].txt", true}}},
		{name: "wildcard in the middle", patterns: []string{"*/sub/y.go"}, want: []want{{"dir/sub/y.go", true}, {"other/sub/y.go", true}}},
		{name: "wildcard is per element", patterns: []string{"dir/*.go"}, want: []want{{"dir/x.go", true}}},
		{name: "wildcard under a symlinked dir", patterns: []string{"linkdir/*.go"}, want: []want{{"dir/x.go", true}}},
		{name: "several patterns", patterns: []string{"c.md", "dir"}, want: []want{{"c.md", false}, {"dir", false}}},
		{name: "empty wildcard beside a match", patterns: []string{"a.txt", "nomatch*"}, want: []want{{"a.txt", false}}},
		{name: "missing", patterns: []string{"missing.txt"}, err: `"missing.txt": not found`, notFound: true},
		{name: "missing beside a match", patterns: []string{"a.txt", "missing.txt"}, err: `"missing.txt": not found`, notFound: true},
		{name: "wildcard alone matching nothing", patterns: []string{"nomatch*"}, err: `"nomatch*": not found`, notFound: true},
		{name: "excluded", patterns: []string{"secret.txt"}, err: `"secret.txt": not found in the build context (excluded by .dockerignore)`, notFound: true},
		{name: "under an excluded dir", patterns: []string{"keys/k1.secret"}, err: "excluded by .dockerignore", notFound: true},
		{name: "excluded wildcard", patterns: []string{"keys/*"}, err: `"keys/*": not found in the build context (excluded by .dockerignore)`, notFound: true},
		{name: "excluded skipped among matches", patterns: []string{"s*.txt"}, err: "excluded", notFound: true},
		{name: "escape with ..", patterns: []string{"../../etc/passwd"}, err: `"../../etc/passwd": not found`, notFound: true},
		{name: "escape through a symlink to /", patterns: []string{"toroot/etc/passwd"}, err: `not found`, notFound: true},
		{name: "escape through a relative symlink", patterns: []string{"up/passwd"}, err: `not found`, notFound: true},
		{name: "symlink to / is the root", patterns: []string{"toroot/a.txt"}, want: []want{{"toroot/a.txt", false}}},
		{name: "bad pattern", patterns: []string{"a["}, err: "invalid pattern"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Resolve(root, tt.patterns, excluded)
			if tt.err != "" {
				if err == nil {
					t.Fatalf("Resolve(%q) = %v, want an error with %q", tt.patterns, got, tt.err)
				}
				if !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %q, want it to contain %q", err, tt.err)
				}
				if errors.Is(err, ErrNotFound) != tt.notFound {
					t.Fatalf("errors.Is(%v, ErrNotFound) = %v, want %v", err, !tt.notFound, tt.notFound)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var gotW []want
			for _, s := range got {
				if s.Root != root {
					t.Errorf("Root %q, want %q", s.Root, root)
				}
				gotW = append(gotW, want{s.Rel, s.Wildcard})
			}
			if !reflect.DeepEqual(gotW, tt.want) {
				t.Fatalf("Resolve(%q) = %v, want %v", tt.patterns, gotW, tt.want)
			}
		})
	}
}

func TestResolveExcludedMessageExact(t *testing.T) {
	root := t.TempDir()
	write(t, root, "foo.txt", "x", 0o644)
	_, err := Resolve(root, []string{"foo.txt"}, func(rel string) bool { return rel == "foo.txt" })
	if err == nil || err.Error() != `"foo.txt": not found in the build context (excluded by .dockerignore)` {
		t.Fatalf("error %v", err)
	}
	_, err = Resolve(root, []string{"bar.txt"}, nil)
	if err == nil || err.Error() != `"bar.txt": not found` {
		t.Fatalf("error %v", err)
	}
	var nf *NotFoundError
	if !errors.As(err, &nf) || nf.Pattern != "bar.txt" || nf.Excluded {
		t.Fatalf("NotFoundError %+v", nf)
	}
}

func TestSourcePathStaysInRoot(t *testing.T) {
	root := resolveTree(t)
	tests := []struct {
		rel  string
		want string // relative to root
	}{
		{".", "."},
		{"a.txt", "a.txt"},
		{"toroot", "."},
		{"toroot/etc/passwd", "etc/passwd"},
		{"up/passwd", "etc/passwd"},
		{"linkdir/x.go", "dir/x.go"},
	}
	for _, tt := range tests {
		p, err := Source{Root: root, Rel: tt.rel}.Path()
		if err != nil {
			t.Fatal(err)
		}
		want := filepath.Join(root, tt.want)
		if p != want {
			t.Errorf("Path(%q) = %q, want %q", tt.rel, p, want)
		}
	}
	// The symlink to / reads as the context root, not the host's /.
	srcs, err := Resolve(root, []string{"toroot"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := srcs[0].Path()
	if _, err := os.Stat(filepath.Join(p, "a.txt")); err != nil {
		t.Fatalf("toroot does not resolve to the context root: %v", err)
	}
}
