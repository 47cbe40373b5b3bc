package copier

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// copyCtx is a build context for the Copy tests; its files are owned by
// 1234:1234 so that the default owner rule can be seen.
func copyCtx(t *testing.T) string {
	requireRoot(t)
	ctx := t.TempDir()
	write(t, ctx, "a.txt", "A", 0o640)
	write(t, ctx, "b.txt", "B", 0o644)
	write(t, ctx, "run.sh", "#!/bin/sh\n", 0o755)
	write(t, ctx, "dir/x.go", "X", 0o644)
	write(t, ctx, "dir/sub/y.go", "Y", 0o600)
	write(t, ctx, "dir/sub/skip.log", "L", 0o600)
	mkdir(t, ctx, "dir/sub", 0o750)
	symlink(t, ctx, "dir/link", "x.go")
	symlink(t, ctx, "alink", "a.txt")
	symlink(t, ctx, "dirlink", "dir")
	if err := os.Link(filepath.Join(ctx, "dir/x.go"), filepath.Join(ctx, "dir/hard.go")); err != nil {
		t.Fatal(err)
	}
	old := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	for _, p := range []string{"a.txt", "dir/x.go", "dir/sub"} {
		if err := os.Chtimes(filepath.Join(ctx, p), old, old); err != nil {
			t.Fatal(err)
		}
	}
	filepath.Walk(ctx, func(p string, _ os.FileInfo, err error) error {
		if err == nil && p != ctx {
			os.Lchown(p, 1234, 1234)
		}
		return nil
	})
	return ctx
}

// destRoot is an image root file system with /etc/passwd and /etc/group
// and an /app directory.
func destRoot(t *testing.T) string {
	root := t.TempDir()
	write(t, root, "etc/passwd", "root:x:0:0:root:/root:/bin/sh\napp:x:1001:1002::/home/app:/bin/sh\n", 0o644)
	write(t, root, "etc/group", "root:x:0:\nappgrp:x:1002:\nstaff:x:1003:\n", 0o644)
	mkdir(t, root, "app", 0o711)
	return root
}

func src(ctx string, rels ...string) []Source {
	var out []Source
	for _, r := range rels {
		out = append(out, Source{Root: ctx, Rel: r})
	}
	return out
}

func wantFile(t *testing.T, root, rel, content string, mode os.FileMode, uid, gid int) {
	t.Helper()
	fi, st := lstat(t, root, rel)
	if !fi.Mode().IsRegular() {
		t.Fatalf("%s is %s, want a regular file", rel, fi.Mode().Type())
	}
	if got := read(t, root, rel); got != content {
		t.Errorf("%s = %q, want %q", rel, got, content)
	}
	if mode != 0 && fi.Mode()&(os.ModePerm|os.ModeSetuid|os.ModeSetgid|os.ModeSticky) != mode {
		t.Errorf("%s mode %v, want %v", rel, fi.Mode(), mode)
	}
	if int(st.Uid) != uid || int(st.Gid) != gid {
		t.Errorf("%s owned %d:%d, want %d:%d", rel, st.Uid, st.Gid, uid, gid)
	}
}

func wantDir(t *testing.T, root, rel string, mode os.FileMode, uid, gid int) {
	t.Helper()
	fi, st := lstat(t, root, rel)
	if !fi.IsDir() {
		t.Fatalf("%s is %s, want a directory", rel, fi.Mode().Type())
	}
	if fi.Mode().Perm() != mode {
		t.Errorf("%s mode %v, want %v", rel, fi.Mode().Perm(), mode)
	}
	if int(st.Uid) != uid || int(st.Gid) != gid {
		t.Errorf("%s owned %d:%d, want %d:%d", rel, st.Uid, st.Gid, uid, gid)
	}
}

func wantAbsent(t *testing.T, root, rel string) {
	t.Helper()
	if exists(root, rel) {
		t.Errorf("%s exists", rel)
	}
}

func TestCopy(t *testing.T) {
	outside := t.TempDir() // must stay empty
	tests := []struct {
		name  string
		srcs  []string // relative to the context
		glob  []string // patterns for Resolve instead of srcs
		opts  Options  // Root is filled in
		setup func(t *testing.T, root string)
		err   string
		check func(t *testing.T, root string)
	}{
		{
			name: "file into dir/",
			srcs: []string{"a.txt"}, opts: Options{Dest: "/dst/"},
			check: func(t *testing.T, root string) {
				wantFile(t, root, "dst/a.txt", "A", 0o640, 0, 0)
				wantDir(t, root, "dst", 0o755, 0, 0)
				_, st := lstat(t, root, "dst/a.txt")
				if got := time.Unix(st.Mtim.Sec, st.Mtim.Nsec); !got.Equal(time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)) {
					t.Errorf("mtime %v not kept", got)
				}
			},
		},
		{
			name: "file to a new name",
			srcs: []string{"a.txt"}, opts: Options{Dest: "/opt/deep/new.txt"},
			check: func(t *testing.T, root string) {
				wantFile(t, root, "opt/deep/new.txt", "A", 0o640, 0, 0)
				wantDir(t, root, "opt/deep", 0o755, 0, 0)
			},
		},
		{
			name: "file into an existing dir without slash",
			srcs: []string{"a.txt"}, opts: Options{Dest: "/app"},
			check: func(t *testing.T, root string) {
				wantFile(t, root, "app/a.txt", "A", 0o640, 0, 0)
				wantDir(t, root, "app", 0o711, 0, 0) // an existing directory keeps its mode
			},
		},
		{
			name: "relative to the workdir",
			srcs: []string{"b.txt"}, opts: Options{Dest: "rel/", Workdir: "/app"},
			check: func(t *testing.T, root string) { wantFile(t, root, "app/rel/b.txt", "B", 0o644, 0, 0) },
		},
		{
			name: "dot is the workdir",
			srcs: []string{"a.txt", "b.txt"}, opts: Options{Dest: ".", Workdir: "/work"},
			check: func(t *testing.T, root string) {
				wantFile(t, root, "work/a.txt", "A", 0o640, 0, 0)
				wantFile(t, root, "work/b.txt", "B", 0o644, 0, 0)
			},
		},
		{
			name: "replaces a file",
			srcs: []string{"b.txt"}, opts: Options{Dest: "/etc/passwd"},
			check: func(t *testing.T, root string) { wantFile(t, root, "etc/passwd", "B", 0o644, 0, 0) },
		},
		{
			name: "dir copies its contents",
			srcs: []string{"dir"}, opts: Options{Dest: "/out"},
			check: func(t *testing.T, root string) {
				wantFile(t, root, "out/x.go", "X", 0o644, 0, 0)
				wantFile(t, root, "out/sub/y.go", "Y", 0o600, 0, 0)
				wantDir(t, root, "out/sub", 0o750, 0, 0)
				wantDir(t, root, "out", 0o755, 0, 0)
				wantAbsent(t, root, "out/dir")
				fi, st := lstat(t, root, "out/link")
				if fi.Mode()&os.ModeSymlink == 0 {
					t.Fatalf("out/link is not a symlink")
				}
				if l, _ := os.Readlink(filepath.Join(root, "out/link")); l != "x.go" || st.Uid != 0 {
					t.Errorf("out/link -> %q owned %d", l, st.Uid)
				}
				_, h1 := lstat(t, root, "out/x.go")
				_, h2 := lstat(t, root, "out/hard.go")
				if h1.Ino != h2.Ino {
					t.Errorf("hard link not kept")
				}
				_, sub := lstat(t, root, "out/sub")
				if got := time.Unix(sub.Mtim.Sec, 0); !got.Equal(time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)) {
					t.Errorf("directory mtime %v not kept", got)
				}
			},
		},
		{
			name: "dir merges into an existing dir",
			srcs: []string{"dir"}, opts: Options{Dest: "/app/"},
			setup: func(t *testing.T, root string) { write(t, root, "app/keep", "k", 0o644) },
			check: func(t *testing.T, root string) {
				wantFile(t, root, "app/keep", "k", 0o644, 0, 0)
				wantFile(t, root, "app/x.go", "X", 0o644, 0, 0)
				wantDir(t, root, "app", 0o711, 0, 0)
			},
		},
		{
			name: "excluded paths are skipped",
			srcs: []string{"dir"}, opts: Options{Dest: "/out/", Excluded: func(rel string) bool { return strings.HasSuffix(rel, ".log") }},
			check: func(t *testing.T, root string) {
				wantFile(t, root, "out/sub/y.go", "Y", 0o600, 0, 0)
				wantAbsent(t, root, "out/sub/skip.log")
			},
		},
		{
			name: "several sources need a slash",
			srcs: []string{"a.txt", "b.txt"}, opts: Options{Dest: "/app"},
			err: "When using COPY with more than one source file, the destination must be a directory and end with a /",
		},
		{
			name: "several sources into dir/",
			srcs: []string{"a.txt", "b.txt", "dir"}, opts: Options{Dest: "/many/"},
			check: func(t *testing.T, root string) {
				wantFile(t, root, "many/a.txt", "A", 0o640, 0, 0)
				wantFile(t, root, "many/b.txt", "B", 0o644, 0, 0)
				wantFile(t, root, "many/x.go", "X", 0o644, 0, 0)
			},
		},
		{
			name: "wildcard with several matches needs a slash",
			glob: []string{"*.txt"}, opts: Options{Dest: "/w"},
			err: "must be a directory and end with a /",
		},
		{
			name: "wildcard into dir/",
			glob: []string{"*.txt"}, opts: Options{Dest: "/w/"},
			check: func(t *testing.T, root string) {
				wantFile(t, root, "w/a.txt", "A", 0o640, 0, 0)
				wantFile(t, root, "w/b.txt", "B", 0o644, 0, 0)
				wantAbsent(t, root, "w/run.sh")
			},
		},
		{
			name: "wildcard with one match to a file name",
			glob: []string{"r*.sh"}, opts: Options{Dest: "/usr/bin/start"},
			check: func(t *testing.T, root string) { wantFile(t, root, "usr/bin/start", "#!/bin/sh\n", 0o755, 0, 0) },
		},
		{
			name: "top-level symlink is followed",
			srcs: []string{"alink", "dirlink"}, opts: Options{Dest: "/l/"},
			check: func(t *testing.T, root string) {
				wantFile(t, root, "l/alink", "A", 0o640, 0, 0)
				wantFile(t, root, "l/x.go", "X", 0o644, 0, 0)
			},
		},
		{
			name: "chown by name",
			srcs: []string{"a.txt", "dir"}, opts: Options{Dest: "/home/app/", Chown: "app"},
			check: func(t *testing.T, root string) {
				wantFile(t, root, "home/app/a.txt", "A", 0o640, 1001, 1002)
				wantFile(t, root, "home/app/sub/y.go", "Y", 0o600, 1001, 1002)
				wantDir(t, root, "home/app", 0o755, 1001, 1002)
				wantDir(t, root, "home", 0o755, 1001, 1002)
				_, st := lstat(t, root, "home/app/link")
				if st.Uid != 1001 || st.Gid != 1002 {
					t.Errorf("symlink owned %d:%d", st.Uid, st.Gid)
				}
			},
		},
		{
			name: "chown user:group names",
			srcs: []string{"a.txt"}, opts: Options{Dest: "/x/", Chown: "app:staff"},
			check: func(t *testing.T, root string) { wantFile(t, root, "x/a.txt", "A", 0o640, 1001, 1003) },
		},
		{
			name: "chown name with an empty group",
			srcs: []string{"a.txt"}, opts: Options{Dest: "/x/", Chown: "app:"},
			check: func(t *testing.T, root string) { wantFile(t, root, "x/a.txt", "A", 0o640, 1001, 1002) },
		},
		{
			name: "chown numeric uid is also the gid",
			srcs: []string{"a.txt"}, opts: Options{Dest: "/x/", Chown: "1001"},
			check: func(t *testing.T, root string) { wantFile(t, root, "x/a.txt", "A", 0o640, 1001, 1001) },
		},
		{
			name: "chown numbers",
			srcs: []string{"a.txt"}, opts: Options{Dest: "/x/", Chown: "10:staff"},
			check: func(t *testing.T, root string) { wantFile(t, root, "x/a.txt", "A", 0o640, 10, 1003) },
		},
		{
			name: "chown unknown user",
			srcs: []string{"a.txt"}, opts: Options{Dest: "/x/", Chown: "nobody"},
			err: `user "nobody" not found`,
		},
		{
			name: "chown unknown group",
			srcs: []string{"a.txt"}, opts: Options{Dest: "/x/", Chown: "app:nogroup"},
			err: `group "nogroup" not found`,
		},
		{
			name: "passwd symlink pointing out of the root is resolved inside",
			srcs: []string{"a.txt"}, opts: Options{Dest: "/x/", Chown: "root"},
			setup: func(t *testing.T, root string) {
				os.Remove(filepath.Join(root, "etc/passwd"))
				symlink(t, root, "etc/passwd", "/etc/passwd")
			},
			check: func(t *testing.T, root string) { wantFile(t, root, "x/a.txt", "A", 0o640, 0, 0) },
		},
		{
			name: "chmod octal",
			srcs: []string{"a.txt", "dir"}, opts: Options{Dest: "/m/", Chmod: "0751"},
			check: func(t *testing.T, root string) {
				wantFile(t, root, "m/a.txt", "A", 0o751, 0, 0)
				wantFile(t, root, "m/sub/y.go", "Y", 0o751, 0, 0)
				wantDir(t, root, "m/sub", 0o751, 0, 0)
			},
		},
		{
			name: "chmod with setuid",
			srcs: []string{"run.sh"}, opts: Options{Dest: "/m/", Chmod: "4755"},
			check: func(t *testing.T, root string) {
				wantFile(t, root, "m/run.sh", "#!/bin/sh\n", 0o755|os.ModeSetuid, 0, 0)
			},
		},
		{
			name: "chmod symbolic",
			srcs: []string{"a.txt", "run.sh", "dir"}, opts: Options{Dest: "/m/", Chmod: "u=rwX,go=rX"},
			check: func(t *testing.T, root string) {
				wantFile(t, root, "m/a.txt", "A", 0o644, 0, 0)
				wantFile(t, root, "m/run.sh", "#!/bin/sh\n", 0o755, 0, 0)
				wantDir(t, root, "m/sub", 0o755, 0, 0)
			},
		},
		{
			name: "chmod invalid",
			srcs: []string{"a.txt"}, opts: Options{Dest: "/m/", Chmod: "99999"},
			err: "invalid chmod parameter",
		},
		{
			name: "default owner is 0 for context files",
			srcs: []string{"dir"}, opts: Options{Dest: "/o/"},
			check: func(t *testing.T, root string) { wantFile(t, root, "o/x.go", "X", 0o644, 0, 0) },
		},
		{
			name: "KeepOwners keeps the source's owners",
			srcs: []string{"dir"}, opts: Options{Dest: "/o/", KeepOwners: true},
			check: func(t *testing.T, root string) {
				wantFile(t, root, "o/x.go", "X", 0o644, 1234, 1234)
				wantDir(t, root, "o/sub", 0o750, 1234, 1234)
			},
		},
		{
			name: "KeepOwners with chown",
			srcs: []string{"dir"}, opts: Options{Dest: "/o/", KeepOwners: true, Chown: "7:8"},
			check: func(t *testing.T, root string) { wantFile(t, root, "o/x.go", "X", 0o644, 7, 8) },
		},
		{
			name: "symlink to / in the image cannot redirect writes",
			srcs: []string{"a.txt"}, opts: Options{Dest: "/evil/pwned"},
			setup: func(t *testing.T, root string) { symlink(t, root, "evil", "/") },
			check: func(t *testing.T, root string) {
				wantFile(t, root, "pwned", "A", 0o640, 0, 0)
				if _, err := os.Lstat("/pwned"); err == nil {
					t.Fatal("wrote /pwned on the host")
				}
			},
		},
		{
			name: "absolute symlink out of the root is resolved inside",
			srcs: []string{"dir"}, opts: Options{Dest: "/evil/"},
			setup: func(t *testing.T, root string) { symlink(t, root, "evil", outside) },
			check: func(t *testing.T, root string) {
				wantFile(t, root, filepath.Join(outside, "x.go"), "X", 0o644, 0, 0)
			},
		},
		{
			name: "relative symlink climbing out is resolved inside",
			srcs: []string{"a.txt"}, opts: Options{Dest: "/var/run/x/"},
			setup: func(t *testing.T, root string) {
				mkdir(t, root, "var", 0o755)
				symlink(t, root, "var/run", "../../../../../../../../"+outside)
			},
			check: func(t *testing.T, root string) {
				wantFile(t, root, filepath.Join(outside, "x/a.txt"), "A", 0o640, 0, 0)
			},
		},
		{
			name: "symlink inside the tree is not written through",
			srcs: []string{"dir"}, opts: Options{Dest: "/t/"},
			setup: func(t *testing.T, root string) {
				mkdir(t, root, "t", 0o755)
				symlink(t, root, "t/sub", outside)
			},
			err: "non-directory is in the way",
		},
		{
			name: "file replaces a symlink, not its target",
			srcs: []string{"dir"}, opts: Options{Dest: "/t/"},
			setup: func(t *testing.T, root string) {
				write(t, outside, "victim", "v", 0o644)
				mkdir(t, root, "t", 0o755)
				symlink(t, root, "t/x.go", filepath.Join(outside, "victim"))
			},
			check: func(t *testing.T, root string) {
				wantFile(t, root, "t/x.go", "X", 0o644, 0, 0)
				if got := read(t, outside, "victim"); got != "v" {
					t.Fatalf("wrote through the symlink: %q", got)
				}
				os.Remove(filepath.Join(outside, "victim"))
			},
		},
		{
			name: "directory onto a file",
			srcs: []string{"dir"}, opts: Options{Dest: "/etc/passwd"},
			err: "is not a directory",
		},
		{
			name: "file onto a directory inside a tree",
			srcs: []string{"dir"}, opts: Options{Dest: "/t/"},
			setup: func(t *testing.T, root string) { mkdir(t, root, "t/x.go", 0o755) },
			err:   "cannot replace directory /t/x.go with a file",
		},
		{
			name: "missing source",
			srcs: []string{"nope"}, opts: Options{Dest: "/x/"},
			err: "not found",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := copyCtx(t)
			root := destRoot(t)
			if tt.setup != nil {
				tt.setup(t, root)
			}
			srcs := src(ctx, tt.srcs...)
			if tt.glob != nil {
				var err error
				if srcs, err = Resolve(ctx, tt.glob, nil); err != nil {
					t.Fatal(err)
				}
			}
			o := tt.opts
			o.Root = root
			err := Copy(context.Background(), srcs, o)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("Copy error %v, want %q", err, tt.err)
				}
			} else if err != nil {
				t.Fatal(err)
			} else {
				tt.check(t, root)
			}
			if names, _ := os.ReadDir(outside); len(names) != 0 {
				t.Fatalf("wrote outside the root: %v", names)
			}
		})
	}
}

func TestCopyCanceled(t *testing.T) {
	ctx := copyCtx(t)
	c, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Copy(c, src(ctx, "dir"), Options{Root: destRoot(t), Dest: "/x/"}); err == nil {
		t.Fatal("no error with a canceled context")
	}
}

func tarGz(t *testing.T, files map[string]string) []byte {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, name := range []string{"top/", "top/f.txt", "top/bin/tool", "g.txt"} {
		content, ok := files[name]
		if !ok {
			continue
		}
		hdr := &tar.Header{Name: name, Mode: 0o644, Uid: 55, Gid: 66, ModTime: time.Unix(1e9, 0)}
		if strings.HasSuffix(name, "/") {
			hdr.Typeflag, hdr.Mode = tar.TypeDir, 0o755
		} else {
			hdr.Typeflag, hdr.Size = tar.TypeReg, int64(len(content))
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(content)); err != nil {
			t.Fatal(err)
		}
	}
	tw.Close()
	gz.Close()
	return buf.Bytes()
}

func TestAdd(t *testing.T) {
	requireRoot(t)
	archive := tarGz(t, map[string]string{"top/": "", "top/f.txt": "F", "top/bin/tool": "T", "g.txt": "G"})
	tests := []struct {
		name   string
		unpack bool
		dest   string
		chown  string
		check  func(t *testing.T, root string)
	}{
		{"unpack into dir/", true, "/opt/", "", func(t *testing.T, root string) {
			wantFile(t, root, "opt/top/f.txt", "F", 0o644, 55, 66)
			wantFile(t, root, "opt/top/bin/tool", "T", 0o644, 55, 66)
			wantFile(t, root, "opt/g.txt", "G", 0o644, 55, 66)
			wantAbsent(t, root, "opt/a.tar.gz")
		}},
		{"unpack into a path without slash", true, "/opt", "", func(t *testing.T, root string) {
			wantFile(t, root, "opt/g.txt", "G", 0o644, 55, 66)
		}},
		{"unpack with chown", true, "/opt/", "app", func(t *testing.T, root string) {
			wantFile(t, root, "opt/top/f.txt", "F", 0o644, 1001, 1002)
		}},
		{"no unpack copies the file", false, "/opt/", "", func(t *testing.T, root string) {
			if got := read(t, root, "opt/a.tar.gz"); got != string(archive) {
				t.Fatal("archive not copied as is")
			}
			wantAbsent(t, root, "opt/g.txt")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.TempDir()
			write(t, ctx, "a.tar.gz", string(archive), 0o644)
			write(t, ctx, "fake.tar.gz", "not an archive", 0o644)
			root := destRoot(t)
			err := Add(context.Background(), src(ctx, "a.tar.gz"), AddOptions{
				Options: Options{Root: root, Dest: tt.dest, Chown: tt.chown},
				Unpack:  tt.unpack,
			})
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, root)
		})
	}
	t.Run("a non-archive named .tar.gz is copied", func(t *testing.T) {
		ctx := t.TempDir()
		write(t, ctx, "fake.tar.gz", "not an archive", 0o644)
		root := destRoot(t)
		if err := Add(context.Background(), src(ctx, "fake.tar.gz"), AddOptions{Options: Options{Root: root, Dest: "/opt/"}, Unpack: true}); err != nil {
			t.Fatal(err)
		}
		wantFile(t, root, "opt/fake.tar.gz", "not an archive", 0o644, 0, 0)
	})
	t.Run("an archive cannot escape through a symlink", func(t *testing.T) {
		outside := t.TempDir()
		var buf bytes.Buffer
		tw := tar.NewWriter(&buf)
		tw.WriteHeader(&tar.Header{Name: "esc", Typeflag: tar.TypeSymlink, Linkname: outside})
		tw.WriteHeader(&tar.Header{Name: "esc/pwned", Typeflag: tar.TypeReg, Mode: 0o644, Size: 1})
		tw.Write([]byte("p"))
		tw.Close()
		ctx := t.TempDir()
		write(t, ctx, "evil.tar", buf.String(), 0o644)
		root := destRoot(t)
		err := Add(context.Background(), src(ctx, "evil.tar"), AddOptions{Options: Options{Root: root, Dest: "/x/"}, Unpack: true})
		t.Logf("Add: %v", err)
		if names, _ := os.ReadDir(outside); len(names) != 0 {
			t.Fatalf("archive wrote outside the root: %v", names)
		}
	})
}

func TestWriteFile(t *testing.T) {
	requireRoot(t)
	tests := []struct {
		name  string
		opts  Options
		file  string
		mode  os.FileMode
		want  string // path of the written file
		wmode os.FileMode
		uid   int
	}{
		{"to a file path", Options{Dest: "/usr/local/bin/run.sh"}, "EOF", 0o755, "usr/local/bin/run.sh", 0o755, 0},
		{"into dir/", Options{Dest: "/etc/conf.d/"}, "app.conf", 0o644, "etc/conf.d/app.conf", 0o644, 0},
		{"into an existing dir", Options{Dest: "/app"}, "hello", 0o644, "app/hello", 0o644, 0},
		{"missing parents made", Options{Dest: "/new/deep/f.txt"}, "EOF", 0o644, "new/deep/f.txt", 0o644, 0},
		{"relative with chown and chmod", Options{Dest: "./", Workdir: "/app", Chown: "app", Chmod: "600"}, "x", 0o644, "app/x", 0o600, 1001},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := destRoot(t)
			o := tt.opts
			o.Root = root
			if err := WriteFile(context.Background(), o, tt.file, []byte("data\n"), tt.mode); err != nil {
				t.Fatal(err)
			}
			gid := 0
			if tt.uid != 0 {
				gid = 1002
			}
			wantFile(t, root, tt.want, "data\n", tt.wmode, tt.uid, gid)
		})
	}
	t.Run("through a symlink to /", func(t *testing.T) {
		root := destRoot(t)
		symlink(t, root, "evil", "/")
		if err := WriteFile(context.Background(), Options{Root: root, Dest: "/evil/skiff-heredoc-test"}, "EOF", []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		wantFile(t, root, "skiff-heredoc-test", "x", 0o644, 0, 0)
		if _, err := os.Lstat("/skiff-heredoc-test"); err == nil {
			t.Fatal("wrote on the host")
		}
	})
}

func TestParseChmod(t *testing.T) {
	tests := []struct {
		spec  string
		in    os.FileMode
		dir   bool
		want  os.FileMode
		isErr bool
	}{
		{"755", 0o600, false, 0o755, false},
		{"0644", 0o777, true, 0o644, false},
		{"2755", 0, true, 0o755 | os.ModeSetgid, false},
		{"+x", 0o644, false, 0o755, false},
		{"a-w", 0o666, false, 0o444, false},
		{"u=rwX,go=rX", 0o600, false, 0o644, false},
		{"u=rwX,go=rX", 0o700, false, 0o755, false},
		{"u=rwX,go=rX", 0o600, true, 0o755, false},
		{"g=u", 0o640, false, 0o660, false},
		{"o+t", 0o777, true, 0o777 | os.ModeSticky, false},
		{"u+s", 0o755, false, 0o755 | os.ModeSetuid, false},
		{"go-rwx", 0o777, false, 0o700, false},
		{"=r", 0o777, false, 0o444, false},
		{"8", 0, false, 0, true},
		{"17777", 0, false, 0, true},
		{"u", 0, false, 0, true},
		{"u+z", 0, false, 0, true},
		{"u+x,", 0, false, 0, true},
	}
	for _, tt := range tests {
		f, err := parseChmod(tt.spec)
		if tt.isErr {
			if err == nil {
				t.Errorf("parseChmod(%q): no error", tt.spec)
			}
			continue
		}
		if err != nil {
			t.Errorf("parseChmod(%q): %v", tt.spec, err)
			continue
		}
		if got := f(tt.in, tt.dir); got != tt.want {
			t.Errorf("parseChmod(%q)(%v, dir=%v) = %v, want %v", tt.spec, tt.in, tt.dir, got, tt.want)
		}
	}
}
