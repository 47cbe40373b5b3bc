package copier

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	securejoin "github.com/cyphar/filepath-securejoin"
	"github.com/moby/sys/userns"
	"go.podman.io/storage/pkg/archive"
	"go.podman.io/storage/pkg/idtools"
	"golang.org/x/sys/unix"
)

// Options says where and how Copy writes.
type Options struct {
	// Root is the destination root file system (a mounted directory).
	Root string
	// Dest is COPY's destination as written (variables expanded):
	// absolute, or relative to Workdir. A trailing "/" (or a last
	// element ".") means a directory.
	Dest string
	// Workdir is the stage's working directory ("" is "/").
	Workdir string
	// Chown is the --chown value as written: USER[:GROUP], names or
	// numbers; names are looked up in Root's /etc/passwd and /etc/group.
	// "" keeps Docker's default: uid/gid 0 for files from the build
	// context, the source's owners with KeepOwners.
	Chown string
	// KeepOwners is true for COPY --from: the sources' owners are kept
	// unless Chown is set.
	KeepOwners bool
	// Chmod is the --chmod value: octal ("0755") or chmod(1) symbolic
	// ("u=rwX,go=rX"); "" keeps the sources' modes.
	Chmod string
	// Excluded says that a path of a directory source (slash-separated,
	// relative to the Source's Root) is skipped; nil: none is.
	Excluded func(rel string) bool
}

// AddOptions are the Options of ADD.
type AddOptions struct {
	Options
	// Unpack extracts a local tar archive (plain, gzip, bzip2, xz or
	// zstd, recognised by its content, not its name) into the
	// destination directory instead of copying the file. True for ADD's
	// local sources unless --unpack=false.
	Unpack bool
}

// Copy copies srcs into o.Root with Docker's COPY rules:
//
//   - A directory source copies its contents (merged into whatever is at
//     the destination); a file source goes to the destination path, or
//     inside it when the destination is a directory (it ends in "/" or
//     exists as one).
//   - Several sources need a destination ending in "/": "When using COPY
//     with more than one source file, the destination must be a
//     directory and end with a /". They are counted after wildcard
//     expansion, as the classic builder did: a wildcard that matched one
//     file may name a file destination (BuildKit's own tests copy
//     "f*.go" to "foo2.go"). A destination of "." (the working
//     directory) counts as a directory, since BuildKit accepts
//     "COPY a b ." and Dockerfiles rely on it.
//   - Missing destination directories are created 0755, owned by the
//     --chown ids (else 0:0). An existing destination directory keeps
//     its mode and owner; directories inside the copy take the source's
//     metadata. A directory may not replace a non-directory (or a
//     symlink) in the image and a file may not replace a directory:
//     both are errors, as in BuildKit.
//   - Symlinks inside a copied directory are copied as symlinks. A
//     source that is itself a symlink (given directly or matched by a
//     wildcard) is followed inside its root, so its target's content is
//     copied under the link's name: BuildKit's Dockerfile frontend sets
//     FollowSymlinks on every COPY/ADD of local paths, and the classic
//     builder did the same.
//   - Owners: the --chown ids when set; else 0:0 for build-context
//     files ("Without this flag, files are created with UID and GID of
//     0"), the source's owners with KeepOwners (COPY --from).
//   - Modes and mtimes (and atimes) are kept unless --chmod is set;
//     hard links among the copied files stay hard links; xattrs are not
//     copied; sockets are skipped.
func Copy(ctx context.Context, srcs []Source, o Options) error {
	return run(ctx, srcs, o, false, "COPY")
}

// Add is Copy for ADD: with o.Unpack, a source that is a local tar
// archive is extracted into the destination (always taken as a
// directory, as Docker does), with the archive's owners unless --chown is
// set.
func Add(ctx context.Context, srcs []Source, o AddOptions) error {
	return run(ctx, srcs, o.Options, o.Unpack, "ADD")
}

// WriteFile writes one file named name (a heredoc's name, "COPY <<EOF
// /dest") with data and mode at the destination, with Copy's destination,
// owner (0:0 unless --chown) and --chmod rules.
func WriteFile(ctx context.Context, o Options, name string, data []byte, mode os.FileMode) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	base := path.Base(cleanRel(name))
	if base == "." || base == "/" {
		return fmt.Errorf("invalid file name %q", name)
	}
	c, d, err := prepare(o, 1, "COPY")
	if err != nil {
		return err
	}
	target := d.host
	if fi, err := os.Lstat(d.host); err == nil && fi.IsDir() {
		target = filepath.Join(d.host, base)
	}
	if err := c.mkdirAll(filepath.Dir(target)); err != nil {
		return err
	}
	if err := c.replaceable(target); err != nil {
		return err
	}
	f, err := os.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	ids := c.createdIDs()
	if err := os.Lchown(target, ids.UID, ids.GID); err != nil {
		return err
	}
	m := fromUnix(toUnix(mode))
	if c.mode != nil {
		m = c.mode(m, false)
	}
	return os.Chmod(target, m)
}

// destination is where a copy goes.
type destination struct {
	abs    string // slash path inside the image
	host   string // resolved inside the root
	dirish bool   // written as a directory
}

type fileKey struct{ dev, ino uint64 }

type linkInfo struct {
	path     string
	dev, ino uint64 // the destination's inode, to check it is still there
}

type copier struct {
	root       string
	ids        *idPair
	keepOwners bool
	mode       modeFunc
	excluded   func(string) bool
	links      map[fileKey]linkInfo
	inUserNS   bool
}

func prepare(o Options, nsrcs int, instr string) (*copier, destination, error) {
	if o.Root == "" || !filepath.IsAbs(o.Root) {
		return nil, destination{}, fmt.Errorf("destination root %q is not an absolute path", o.Root)
	}
	root := filepath.Clean(o.Root)
	if fi, err := os.Stat(root); err != nil {
		return nil, destination{}, err
	} else if !fi.IsDir() {
		return nil, destination{}, fmt.Errorf("destination root %s is not a directory", root)
	}
	if o.Dest == "" {
		return nil, destination{}, fmt.Errorf("%s: the destination is empty", instr)
	}
	d := destination{dirish: strings.HasSuffix(o.Dest, "/") || o.Dest == "." || strings.HasSuffix(o.Dest, "/.")}
	abs := filepath.ToSlash(o.Dest)
	if !path.IsAbs(abs) {
		wd := o.Workdir
		if wd == "" {
			wd = "/"
		}
		abs = path.Join("/", filepath.ToSlash(wd), abs)
	}
	d.abs = path.Clean("/" + abs)
	if d.abs == "/" {
		d.dirish = true
	}
	if nsrcs > 1 && !d.dirish {
		return nil, destination{}, fmt.Errorf("When using %s with more than one source file, the destination must be a directory and end with a /", instr)
	}
	host, err := securejoin.SecureJoin(root, filepath.FromSlash(d.abs))
	if err != nil {
		return nil, destination{}, err
	}
	d.host = host
	ids, err := parseChown(root, o.Chown)
	if err != nil {
		return nil, destination{}, err
	}
	mode, err := parseChmod(o.Chmod)
	if err != nil {
		return nil, destination{}, err
	}
	excluded := o.Excluded
	if excluded == nil {
		excluded = func(string) bool { return false }
	}
	c := &copier{
		root:       root,
		ids:        ids,
		keepOwners: o.KeepOwners,
		mode:       mode,
		excluded:   excluded,
		links:      map[fileKey]linkInfo{},
		inUserNS:   userns.RunningInUserNS(),
	}
	if d.dirish {
		err = c.mkdirAll(d.host)
	} else {
		err = c.mkdirAll(filepath.Dir(d.host))
	}
	if err != nil {
		return nil, destination{}, err
	}
	return c, d, nil
}

func run(ctx context.Context, srcs []Source, o Options, unpack bool, instr string) error {
	if len(srcs) == 0 {
		return fmt.Errorf("%s: no source files were specified: %w", instr, ErrNotFound)
	}
	c, d, err := prepare(o, len(srcs), instr)
	if err != nil {
		return err
	}
	for _, src := range srcs {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := c.copySource(ctx, src, d, unpack); err != nil {
			return err
		}
	}
	return nil
}

// inImage names a host path under the root as the image sees it.
func (c *copier) inImage(host string) string {
	rel, err := filepath.Rel(c.root, host)
	if err != nil || strings.HasPrefix(rel, "..") {
		return host
	}
	return path.Clean("/" + filepath.ToSlash(rel))
}

// createdIDs are the owners of the directories Copy creates.
func (c *copier) createdIDs() idPair {
	if c.ids != nil {
		return *c.ids
	}
	return idPair{}
}

// mkdirAll creates host (a path that SecureJoin resolved inside the root,
// so the parts of it that exist have no symlinks) and its missing parents
// 0755, owned by the --chown ids (else 0:0).
func (c *copier) mkdirAll(host string) error {
	rel, err := filepath.Rel(c.root, host)
	if err != nil {
		return err
	}
	if rel == "." {
		return nil
	}
	if rel == ".." || strings.HasPrefix(rel, "../") {
		return fmt.Errorf("%s is outside the destination root", host)
	}
	cur := c.root
	for _, e := range strings.Split(rel, string(filepath.Separator)) {
		cur = filepath.Join(cur, e)
		fi, err := os.Lstat(cur)
		if err == nil {
			if !fi.IsDir() {
				return fmt.Errorf("cannot create directory %s: a non-directory is in the way", c.inImage(cur))
			}
			continue
		}
		if !os.IsNotExist(err) {
			return err
		}
		if err := c.mkdir(cur); err != nil {
			return err
		}
	}
	return nil
}

func (c *copier) mkdir(host string) error {
	if err := os.Mkdir(host, 0o755); err != nil {
		return err
	}
	if err := os.Chmod(host, 0o755); err != nil {
		return err
	}
	ids := c.createdIDs()
	return os.Lchown(host, ids.UID, ids.GID)
}

func (c *copier) copySource(ctx context.Context, src Source, d destination, unpack bool) error {
	host, rel, err := src.resolved()
	if err != nil {
		return err
	}
	fi, err := os.Lstat(host)
	if err != nil {
		if os.IsNotExist(err) || isNotDir(err) {
			return &NotFoundError{Pattern: src.Rel}
		}
		return err
	}
	if fi.IsDir() {
		return c.copyDirContents(ctx, host, rel, fi, d)
	}
	if unpack && fi.Mode().IsRegular() {
		ok, err := isArchive(host)
		if err != nil {
			return err
		}
		if ok {
			return c.unpack(host, d)
		}
	}
	target := d.host
	if tfi, err := os.Lstat(d.host); err == nil && tfi.IsDir() {
		target = filepath.Join(d.host, path.Base(src.Rel))
	}
	return c.copyNode(ctx, host, rel, fi, target)
}

// copyDirContents copies the entries of the directory srcHost into the
// destination directory, creating it if needed. An existing destination
// directory keeps its metadata (its times are put back after the copy);
// a new one is 0755, owned by the --chown ids, with the source's times.
func (c *copier) copyDirContents(ctx context.Context, srcHost, srcRel string, fi os.FileInfo, d destination) error {
	target := d.host
	tfi, err := os.Lstat(target)
	created := false
	switch {
	case err == nil && !tfi.IsDir():
		return fmt.Errorf("cannot copy directory %q to %s: it is not a directory", srcRel, d.abs)
	case err == nil:
	case os.IsNotExist(err):
		if err := c.mkdir(target); err != nil {
			return err
		}
		created = true
	default:
		return err
	}
	if err := c.copyChildren(ctx, srcHost, srcRel, target); err != nil {
		return err
	}
	if created {
		return setTimes(target, fi)
	}
	return setTimes(target, tfi)
}

func (c *copier) copyChildren(ctx context.Context, srcHost, srcRel, target string) error {
	names, err := readDirNames(srcHost)
	if err != nil {
		return err
	}
	for _, name := range names {
		childRel := name
		if srcRel != "." {
			childRel = srcRel + "/" + name
		}
		if c.excluded(childRel) {
			continue
		}
		childHost := filepath.Join(srcHost, name)
		cfi, err := os.Lstat(childHost)
		if err != nil {
			if os.IsNotExist(err) {
				continue
			}
			return err
		}
		if err := c.copyNode(ctx, childHost, childRel, cfi, filepath.Join(target, name)); err != nil {
			return err
		}
	}
	return nil
}

// replaceable removes a non-directory at target so that a new entry can
// be created there, and refuses to replace a directory.
func (c *copier) replaceable(target string) error {
	tfi, err := os.Lstat(target)
	if err != nil {
		if os.IsNotExist(err) {
			return nil
		}
		return err
	}
	if tfi.IsDir() {
		return fmt.Errorf("cannot replace directory %s with a file", c.inImage(target))
	}
	return os.Remove(target)
}

// copyNode copies one entry (recursively for a directory) from srcHost to
// target. target's parent is a directory inside the root that this copy
// resolved or created; nothing at target is followed: an existing
// symlink there is replaced (for a non-directory) or refused (for a
// directory), so nothing is written through it.
func (c *copier) copyNode(ctx context.Context, srcHost, srcRel string, fi os.FileInfo, target string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if fi.IsDir() {
		tfi, err := os.Lstat(target)
		switch {
		case err == nil && !tfi.IsDir():
			return fmt.Errorf("cannot copy directory %q to %s: a non-directory is in the way", srcRel, c.inImage(target))
		case err == nil:
		case os.IsNotExist(err):
			if err := os.Mkdir(target, 0o700); err != nil {
				return err
			}
		default:
			return err
		}
		if err := c.copyChildren(ctx, srcHost, srcRel, target); err != nil {
			return err
		}
		return c.applyMeta(target, fi)
	}
	if fi.Mode()&os.ModeSocket != 0 {
		return nil
	}
	if err := c.replaceable(target); err != nil {
		return err
	}
	st, _ := fi.Sys().(*syscall.Stat_t)
	switch {
	case fi.Mode().IsRegular():
		if st != nil && st.Nlink > 1 {
			key := fileKey{uint64(st.Dev), st.Ino}
			if li, ok := c.links[key]; ok && sameInode(li) {
				return os.Link(li.path, target)
			}
		}
		if err := copyFile(srcHost, target); err != nil {
			return err
		}
	case fi.Mode()&os.ModeSymlink != 0:
		link, err := os.Readlink(srcHost)
		if err != nil {
			return err
		}
		if err := os.Symlink(link, target); err != nil {
			return err
		}
	case fi.Mode()&(os.ModeDevice|os.ModeNamedPipe) != 0:
		if st == nil {
			return fmt.Errorf("%s: cannot read the device numbers", srcRel)
		}
		if err := unix.Mknod(target, st.Mode, int(st.Rdev)); err != nil {
			if c.inUserNS && errors.Is(err, unix.EPERM) {
				// Device nodes cannot be made in a user namespace;
				// skip them as rootless builders do.
				return nil
			}
			return fmt.Errorf("creating %s: %w", c.inImage(target), err)
		}
	default:
		return fmt.Errorf("%s: unsupported file type %s", srcRel, fi.Mode().Type())
	}
	if err := c.applyMeta(target, fi); err != nil {
		return err
	}
	if fi.Mode().IsRegular() && st != nil && st.Nlink > 1 {
		var tst unix.Stat_t
		if err := unix.Lstat(target, &tst); err == nil {
			c.links[fileKey{uint64(st.Dev), st.Ino}] = linkInfo{path: target, dev: uint64(tst.Dev), ino: tst.Ino}
		}
	}
	return nil
}

func sameInode(li linkInfo) bool {
	var st unix.Stat_t
	if err := unix.Lstat(li.path, &st); err != nil {
		return false
	}
	return uint64(st.Dev) == li.dev && st.Ino == li.ino
}

func copyFile(src, dst string) error {
	in, err := os.OpenFile(src, os.O_RDONLY|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// owner is the uid/gid a copied entry gets.
func (c *copier) owner(fi os.FileInfo) (int, int) {
	if c.ids != nil {
		return c.ids.UID, c.ids.GID
	}
	if c.keepOwners {
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			return int(st.Uid), int(st.Gid)
		}
	}
	return 0, 0
}

// applyMeta gives target (just created by this copy, or an existing
// directory it merges into) the owner, mode and times of fi. The owner is
// set before the mode, since chown clears setuid and setgid bits.
func (c *copier) applyMeta(target string, fi os.FileInfo) error {
	uid, gid := c.owner(fi)
	if err := os.Lchown(target, uid, gid); err != nil {
		return err
	}
	if fi.Mode()&os.ModeSymlink == 0 {
		m := fi.Mode() & (os.ModePerm | os.ModeSetuid | os.ModeSetgid | os.ModeSticky)
		if c.mode != nil {
			m = c.mode(m, fi.IsDir())
		}
		if err := os.Chmod(target, m); err != nil {
			return err
		}
	}
	return setTimes(target, fi)
}

// setTimes gives target (not followed if a symlink) fi's atime and mtime.
func setTimes(target string, fi os.FileInfo) error {
	atime, mtime := fi.ModTime(), fi.ModTime()
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		atime = time.Unix(st.Atim.Sec, st.Atim.Nsec)
	}
	ts := []unix.Timespec{unix.NsecToTimespec(atime.UnixNano()), unix.NsecToTimespec(mtime.UnixNano())}
	return unix.UtimesNanoAt(unix.AT_FDCWD, target, ts, unix.AT_SYMLINK_NOFOLLOW)
}

// isArchive reports whether the file at p is a tar archive, plain or
// compressed (gzip, bzip2, xz, zstd), judged by its content.
func isArchive(p string) (bool, error) {
	f, err := os.OpenFile(p, os.O_RDONLY|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return false, err
	}
	defer f.Close()
	r, err := archive.DecompressStream(f)
	if err != nil {
		// Not a format we can read: copy the file as it is.
		return false, nil
	}
	defer r.Close()
	_, err = tar.NewReader(r).Next()
	return err == nil, nil
}

// unpack extracts the archive at p into the destination directory,
// creating it (0755, --chown ids) if needed. Every entry is resolved
// inside the destination, so the archive cannot write outside it.
func (c *copier) unpack(p string, d destination) error {
	if err := c.mkdirAll(d.host); err != nil {
		return err
	}
	f, err := os.OpenFile(p, os.O_RDONLY|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	opts := &archive.TarOptions{InUserNS: c.inUserNS}
	if c.ids != nil {
		opts.ChownOpts = &idtools.IDPair{UID: c.ids.UID, GID: c.ids.GID}
	}
	if err := archive.Untar(f, d.host, opts); err != nil {
		return fmt.Errorf("extracting %s to %s: %w", filepath.Base(p), d.abs, err)
	}
	return nil
}
