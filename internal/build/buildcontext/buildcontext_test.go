package buildcontext

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func write(t *testing.T, root, rel, content string) {
	t.Helper()
	p := filepath.Join(root, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// tarOf makes a tar stream of files (name -> content; a name ending in
// "/" is a directory), gzip-compressed if gz.
func tarOf(t *testing.T, gz bool, files ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	var w io.Writer = &buf
	var zw *gzip.Writer
	if gz {
		zw = gzip.NewWriter(&buf)
		w = zw
	}
	tw := tar.NewWriter(w)
	for i := 0; i+1 < len(files); i += 2 {
		name, content := files[i], files[i+1]
		hdr := &tar.Header{Name: name, Mode: 0o644, Size: int64(len(content)), Typeflag: tar.TypeReg}
		if strings.HasSuffix(name, "/") {
			hdr = &tar.Header{Name: name, Mode: 0o755, Typeflag: tar.TypeDir}
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(content)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if zw != nil {
		zw.Close()
	}
	return buf.Bytes()
}

func TestOpen(t *testing.T) {
	base := t.TempDir()
	t.Chdir(base)
	write(t, base, "ctx/Dockerfile", "FROM a\n")
	write(t, base, "ctx/sub/app.Dockerfile", "FROM sub\n")
	write(t, base, "ctx/main.go", "package main\n")
	write(t, base, "cfctx/Containerfile", "FROM c\n")
	write(t, base, "bothctx/Dockerfile", "FROM d\n")
	write(t, base, "bothctx/Containerfile", "FROM c\n")
	write(t, base, "lowerctx/dockerfile", "FROM lower\n")
	write(t, base, "outside.Dockerfile", "FROM outside\n")
	write(t, base, "empty/README", "x")
	write(t, base, "notatar.tar", "just text, no archive here")
	ctxTar := tarOf(t, false, "Dockerfile", "FROM tar\n", "sub/", "", "sub/f.txt", "F", "sub/alt.Dockerfile", "FROM alt\n")
	ctxTgz := tarOf(t, true, "Containerfile", "FROM tgz\n", "g.txt", "G")
	if err := os.WriteFile(filepath.Join(base, "ctx.tar.gz"), ctxTgz, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(base, "ctx.tar"), ctxTar, 0o644); err != nil {
		t.Fatal(err)
	}
	realBase, _ := filepath.EvalSymlinks(base)

	tests := []struct {
		name       string
		opts       Options
		dockerfile string // wanted content
		dfName     string
		root       string // wanted Root relative to base ("" for an unpacked tar)
		file       string // a file the root must have
		err        string // substring of the error
	}{
		{name: "dir", opts: Options{Path: "ctx"}, dockerfile: "FROM a\n", dfName: "Dockerfile", root: "ctx", file: "main.go"},
		{name: "absolute dir", opts: Options{Path: filepath.Join(base, "ctx")}, dockerfile: "FROM a\n", dfName: "Dockerfile", root: "ctx"},
		{name: "Containerfile fallback", opts: Options{Path: "cfctx"}, dockerfile: "FROM c\n", dfName: "Containerfile", root: "cfctx"},
		{name: "Dockerfile before Containerfile", opts: Options{Path: "bothctx"}, dockerfile: "FROM d\n", dfName: "Dockerfile", root: "bothctx"},
		{name: "lower-case dockerfile", opts: Options{Path: "lowerctx"}, dockerfile: "FROM lower\n", dfName: "dockerfile", root: "lowerctx"},
		{name: "-f relative to the current directory", opts: Options{Path: "ctx", Dockerfile: "ctx/sub/app.Dockerfile"}, dockerfile: "FROM sub\n", dfName: "ctx/sub/app.Dockerfile", root: "ctx"},
		{name: "-f is not relative to the context", opts: Options{Path: "ctx", Dockerfile: "sub/app.Dockerfile"}, err: `cannot find Dockerfile "sub/app.Dockerfile"`},
		{name: "-f outside the context", opts: Options{Path: "ctx", Dockerfile: "outside.Dockerfile"}, dockerfile: "FROM outside\n", dfName: "outside.Dockerfile", root: "ctx"},
		{name: "-f -", opts: Options{Path: "ctx", Dockerfile: "-", Stdin: strings.NewReader("FROM stdin\n")}, dockerfile: "FROM stdin\n", dfName: "-", root: "ctx"},
		{name: "-f a directory", opts: Options{Path: "ctx", Dockerfile: "ctx/sub"}, err: "is a directory"},
		{name: "tar on stdin", opts: Options{Path: "-", Stdin: bytes.NewReader(ctxTar)}, dockerfile: "FROM tar\n", dfName: "Dockerfile", file: "sub/f.txt"},
		{name: "gzip tar on stdin", opts: Options{Path: "-", Stdin: bytes.NewReader(ctxTgz)}, dockerfile: "FROM tgz\n", dfName: "Containerfile", file: "g.txt"},
		{name: "tar on stdin with -f inside it", opts: Options{Path: "-", Stdin: bytes.NewReader(ctxTar), Dockerfile: "sub/alt.Dockerfile"}, dockerfile: "FROM alt\n", dfName: "sub/alt.Dockerfile", file: "sub/f.txt"},
		{name: "Dockerfile on stdin", opts: Options{Path: "-", Stdin: strings.NewReader("FROM plain\nRUN true\n")}, dockerfile: "FROM plain\nRUN true\n", dfName: "Dockerfile"},
		{name: "tarball file", opts: Options{Path: "ctx.tar.gz"}, dockerfile: "FROM tgz\n", dfName: "Containerfile", file: "g.txt"},
		{name: "plain tarball file with -f", opts: Options{Path: "ctx.tar", Dockerfile: "sub/alt.Dockerfile"}, dockerfile: "FROM alt\n", dfName: "sub/alt.Dockerfile", file: "sub/f.txt"},
		{name: "tarball with a missing -f", opts: Options{Path: "ctx.tar", Dockerfile: "nope"}, err: `cannot find Dockerfile "nope"`},
		{name: "file that is no tarball", opts: Options{Path: "notatar.tar"}, err: "neither a directory nor a tar archive"},
		{name: "missing dir", opts: Options{Path: "nosuchdir"}, err: `unable to prepare context: path "nosuchdir" not found`},
		{name: "no Dockerfile", opts: Options{Path: "empty"}, err: `cannot find Dockerfile or Containerfile in "empty"`},
		{name: "stdin twice", opts: Options{Path: "-", Dockerfile: "-", Stdin: strings.NewReader("")}, err: "can't use stdin for both"},
		{name: "no path", opts: Options{}, err: "no context path"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.TempDir = t.TempDir()
			c, err := Open(context.Background(), tt.opts)
			if tt.err != "" {
				if err == nil {
					c.Close()
					t.Fatalf("Open: no error, want %q", tt.err)
				}
				if !strings.Contains(err.Error(), tt.err) || !errors.Is(err, ErrInvalid) || strings.Contains(err.Error(), "\n") {
					t.Fatalf("Open error %q, want one line with %q wrapping ErrInvalid", err, tt.err)
				}
				if names, _ := os.ReadDir(tt.opts.TempDir); len(names) != 0 {
					t.Errorf("left %v in the temporary directory", names)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(c.Dockerfile) != tt.dockerfile || c.DockerfileName != tt.dfName {
				t.Errorf("Dockerfile %q named %q, want %q named %q", c.Dockerfile, c.DockerfileName, tt.dockerfile, tt.dfName)
			}
			if tt.root != "" {
				if want := filepath.Join(realBase, tt.root); c.Root != want {
					t.Errorf("Root %q, want %q", c.Root, want)
				}
			} else if !strings.HasPrefix(c.Root, tt.opts.TempDir) {
				t.Errorf("Root %q is not under the temporary directory %q", c.Root, tt.opts.TempDir)
			}
			if tt.file != "" {
				if _, err := os.Stat(filepath.Join(c.Root, tt.file)); err != nil {
					t.Errorf("context lacks %s: %v", tt.file, err)
				}
			}
			root := c.Root
			if err := c.Close(); err != nil {
				t.Fatal(err)
			}
			_, err = os.Stat(root)
			if tt.root == "" && err == nil {
				t.Errorf("Close left the unpacked context %s", root)
			}
			if tt.root != "" && err != nil {
				t.Errorf("Close removed the context directory: %v", err)
			}
		})
	}
}

func TestOpenTarCannotEscape(t *testing.T) {
	outside := t.TempDir()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Name: "Dockerfile", Typeflag: tar.TypeSymlink, Linkname: filepath.Join(outside, "secret")})
	tw.WriteHeader(&tar.Header{Name: "evil", Typeflag: tar.TypeSymlink, Linkname: outside})
	tw.WriteHeader(&tar.Header{Name: "evil/pwned", Typeflag: tar.TypeReg, Mode: 0o644, Size: 1})
	tw.Write([]byte("p"))
	tw.Close()
	write(t, outside, "secret", "FROM secret\n")
	c, err := Open(context.Background(), Options{Path: "-", Stdin: &buf, TempDir: t.TempDir()})
	t.Logf("Open: %v", err)
	if err == nil {
		defer c.Close()
		if strings.Contains(string(c.Dockerfile), "secret") {
			t.Fatal("read a Dockerfile outside the context")
		}
	}
	if _, err := os.Stat(filepath.Join(outside, "pwned")); err == nil {
		t.Fatal("the tar wrote outside the context")
	}
}

func TestIgnoreFilePrecedence(t *testing.T) {
	tests := []struct {
		name       string
		files      []string // name, content pairs
		dockerfile string
		wantFile   string
		excluded   string // a path that must be excluded
		included   string // a path that must not be
	}{
		{
			name:  "Dockerfile-specific beside the Dockerfile wins",
			files: []string{"app.Dockerfile", "FROM a", "app.Dockerfile.dockerignore", "by-name", ".dockerignore", "by-dockerignore", ".containerignore", "by-containerignore"},
			// -f is relative to the current directory, which the test
			// makes the context.
			dockerfile: "app.Dockerfile", wantFile: "app.Dockerfile.dockerignore", excluded: "by-name", included: "by-dockerignore",
		},
		{
			name:       "Dockerfile-specific for a Dockerfile in a subdirectory",
			files:      []string{"docker/app.Dockerfile", "FROM a", "docker/app.Dockerfile.dockerignore", "sub-name", ".dockerignore", "by-dockerignore"},
			dockerfile: "docker/app.Dockerfile", wantFile: "docker/app.Dockerfile.dockerignore", excluded: "sub-name", included: "by-dockerignore",
		},
		{
			name:     "another Dockerfile's ignore file is not used",
			files:    []string{"Dockerfile", "FROM a", "app.Dockerfile.dockerignore", "by-name", ".dockerignore", "by-dockerignore"},
			wantFile: ".dockerignore", excluded: "by-dockerignore", included: "by-name",
		},
		{
			name:     "default Dockerfile.dockerignore",
			files:    []string{"Dockerfile", "FROM a", "Dockerfile.dockerignore", "by-name", ".dockerignore", "by-dockerignore"},
			wantFile: "Dockerfile.dockerignore", excluded: "by-name", included: "by-dockerignore",
		},
		{
			name:     ".dockerignore before .containerignore",
			files:    []string{"Dockerfile", "FROM a", ".dockerignore", "by-dockerignore", ".containerignore", "by-containerignore"},
			wantFile: ".dockerignore", excluded: "by-dockerignore", included: "by-containerignore",
		},
		{
			name:     ".containerignore alone",
			files:    []string{"Containerfile", "FROM a", ".containerignore", "by-containerignore"},
			wantFile: ".containerignore", excluded: "by-containerignore", included: "other",
		},
		{
			name:     "none",
			files:    []string{"Dockerfile", "FROM a"},
			wantFile: "", included: "anything",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for i := 0; i+1 < len(tt.files); i += 2 {
				write(t, dir, tt.files[i], tt.files[i+1]+"\n")
			}
			t.Chdir(dir)
			c, err := Open(context.Background(), Options{Path: ".", Dockerfile: tt.dockerfile})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if c.IgnoreFile != tt.wantFile {
				t.Errorf("IgnoreFile %q, want %q", c.IgnoreFile, tt.wantFile)
			}
			if tt.excluded != "" && !c.Excluded(tt.excluded) {
				t.Errorf("%s is not excluded", tt.excluded)
			}
			if c.Excluded(tt.included) {
				t.Errorf("%s is excluded", tt.included)
			}
		})
	}
}

func TestExcluded(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "Dockerfile", "FROM a\n")
	write(t, dir, ".dockerignore", strings.Join([]string{
		"# a comment",
		"*.log",
		"!keep.log",
		"/build",
		"!build/keep",
		"node_modules",
		"**/*.tmp",
		"docs/*.md",
		"!docs/README.md",
		"./secrets/../.env",
		".git",
		"!.git/HEAD",
		"Dockerfile",
		".dockerignore",
		"",
	}, "\n"))
	write(t, dir, "build/keep", "k")
	write(t, dir, "build/out.o", "o")
	write(t, dir, ".git/HEAD", "ref")
	write(t, dir, ".git/config", "c")
	write(t, dir, "buildfile", "not the build dir")
	c, err := Open(context.Background(), Options{Path: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if string(c.Dockerfile) != "FROM a\n" {
		t.Fatalf("an excluded Dockerfile is still read: got %q", c.Dockerfile)
	}
	tests := []struct {
		rel  string
		want bool
	}{
		{".", false},
		{"", false},
		{"main.go", false},
		{"a.log", true},
		{"keep.log", false},
		{"sub/a.log", false}, // "*.log" is for the root only
		{"build", false},     // a directory an exception re-includes something in
		{"build/out.o", true},
		{"build/keep", false},
		{"buildfile", false},
		{"node_modules", true},
		{"node_modules/x/index.js", true},
		{"src/node_modules", false},
		{"x.tmp", true},
		{"deep/er/x.tmp", true},
		{"docs/guide.md", true},
		{"docs/README.md", false},
		{"docs/sub/guide.md", false},
		{".env", true},
		{"/.env", true},
		{".git", false},
		{".git/config", true},
		{".git/HEAD", false},
		{"Dockerfile", true},
		{".dockerignore", true},
	}
	for _, tt := range tests {
		if got := c.Excluded(tt.rel); got != tt.want {
			t.Errorf("Excluded(%q) = %v, want %v", tt.rel, got, tt.want)
		}
	}
	// A file (not a directory) that matches is excluded even when an
	// exception names a path below that name.
	write(t, dir, "other/.dockerignore", "thing\n!thing/inner\n")
	write(t, dir, "other/thing", "a file")
	write(t, dir, "other/Dockerfile", "FROM a\n")
	c2, err := Open(context.Background(), Options{Path: filepath.Join(dir, "other")})
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if !c2.Excluded("thing") {
		t.Error("the file thing is not excluded")
	}
}

func TestExcludedBadPattern(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "Dockerfile", "FROM a\n")
	write(t, dir, ".dockerignore", "[\n")
	_, err := Open(context.Background(), Options{Path: dir})
	if err == nil || !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), ".dockerignore") {
		t.Fatalf("Open error %v, want one naming .dockerignore", err)
	}
}
