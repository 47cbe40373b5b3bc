// Package buildcontext opens the build context of "skiff build": a
// directory, a tar stream on standard input or a local tarball, with its
// Dockerfile and its ignore file (.dockerignore and kin).
package buildcontext

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"

	securejoin "github.com/cyphar/filepath-securejoin"
	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
	"github.com/moby/sys/userns"
	"go.podman.io/storage/pkg/archive"
)

// ErrInvalid is wrapped by every error Open returns.
var ErrInvalid = errors.New("invalid build context")

// maxDockerfileBytes bounds how much of a Dockerfile or an ignore file is
// read.
const maxDockerfileBytes = 32 << 20

// Options says where the build context and the Dockerfile are.
type Options struct {
	// Path is a directory, "-" (a tar stream, possibly compressed, read
	// from Stdin; a stream that is not an archive is the Dockerfile
	// itself, with an empty context, as Docker does), or a local
	// tarball file (.tar, .tar.gz, ...; recognised by its content).
	Path string
	// Stdin is read for "-".
	Stdin io.Reader
	// Dockerfile is the -f value: "" (Dockerfile, else Containerfile,
	// else dockerfile, in the context root), a path, or "-" (read the
	// Dockerfile from Stdin; Path cannot then be "-"). With a directory
	// context a relative path is relative to the current directory, as
	// Docker's CLI takes it, and may lie outside the context; with a tar
	// context it is a path inside the archive, as Docker takes it.
	Dockerfile string
	// TempDir is where a tar context is unpacked ("" is os.TempDir()).
	TempDir string
}

// Context is an opened build context.
type Context struct {
	// Root is the context directory: the given directory (absolute,
	// symlinks resolved) or where a tar context was unpacked.
	Root string
	// Dockerfile is the Dockerfile's content.
	Dockerfile []byte
	// DockerfileName is for messages: the -f value as given, or
	// "Dockerfile" / "Containerfile" / "dockerfile".
	DockerfileName string
	// IgnoreFile is the ignore file used ("" none): relative to Root
	// (".dockerignore", "app.Dockerfile.dockerignore") when it is inside
	// it, else its absolute path.
	IgnoreFile string

	tmp      string // removed by Close
	mu       sync.Mutex
	matcher  *patternmatcher.PatternMatcher
	patterns [][]string // exception patterns, split into elements
}

// openError is one line for the user, wrapping ErrInvalid and the cause.
type openError struct {
	msg   string
	cause error
}

func (e *openError) Error() string { return e.msg }

func (e *openError) Unwrap() []error {
	if e.cause == nil {
		return []error{ErrInvalid}
	}
	return []error{ErrInvalid, e.cause}
}

func invalid(cause error, format string, args ...any) error {
	return &openError{msg: fmt.Sprintf(format, args...), cause: cause}
}

// Open opens the build context that o describes, reads its Dockerfile
// and its ignore file. Errors wrap ErrInvalid and read as one line:
// `unable to prepare context: path "x" not found`, `cannot find
// Dockerfile or Containerfile in "x"`, ... The caller must Close the
// Context.
func Open(ctx context.Context, o Options) (_ *Context, retErr error) {
	if o.Path == "" {
		return nil, invalid(nil, "unable to prepare context: no context path given")
	}
	if o.Path == "-" && o.Dockerfile == "-" {
		return nil, invalid(nil, "invalid argument: can't use stdin for both build context and dockerfile")
	}
	if (o.Path == "-" || o.Dockerfile == "-") && o.Stdin == nil {
		return nil, invalid(nil, "unable to prepare context: standard input is not available")
	}
	c := &Context{}
	defer func() {
		if retErr != nil {
			c.Close()
		}
	}()
	isTar := false
	where := strconv.Quote(o.Path) // names the context in messages
	switch {
	case o.Path == "-":
		where = "the build context from standard input"
		isDockerfile, err := c.unpackStdin(ctx, o)
		if err != nil {
			return nil, err
		}
		if isDockerfile {
			// "docker build - < Dockerfile": no context.
			return c, c.loadIgnore("")
		}
		isTar = true
	default:
		fi, err := os.Stat(o.Path)
		if err != nil {
			if os.IsNotExist(err) || errors.Is(err, syscall.ENOTDIR) {
				return nil, invalid(err, "unable to prepare context: path %q not found", o.Path)
			}
			return nil, invalid(err, "unable to prepare context: %v", err)
		}
		if fi.IsDir() {
			abs, err := filepath.Abs(o.Path)
			if err == nil {
				abs, err = filepath.EvalSymlinks(abs)
			}
			if err != nil {
				return nil, invalid(err, "unable to prepare context: %v", err)
			}
			c.Root = abs
			break
		}
		if err := c.unpackFile(ctx, o); err != nil {
			return nil, err
		}
		isTar = true
	}

	var dfPath string // host path of the Dockerfile, "" for stdin
	switch {
	case o.Dockerfile == "-":
		data, err := readLimited(o.Stdin)
		if err != nil {
			return nil, invalid(err, "unable to read the Dockerfile from standard input: %v", err)
		}
		c.Dockerfile, c.DockerfileName = data, "-"
	case o.Dockerfile == "":
		for _, name := range []string{"Dockerfile", "Containerfile", "dockerfile"} {
			p, err := securejoin.SecureJoin(c.Root, name)
			if err != nil {
				continue
			}
			if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
				dfPath, c.DockerfileName = p, name
				break
			}
		}
		if dfPath == "" {
			return nil, invalid(nil, "cannot find Dockerfile or Containerfile in %s", where)
		}
	default:
		var err error
		if isTar {
			dfPath, err = securejoin.SecureJoin(c.Root, filepath.FromSlash(o.Dockerfile))
		} else {
			dfPath, err = filepath.Abs(o.Dockerfile)
		}
		if err != nil {
			return nil, invalid(err, "unable to locate Dockerfile %q: %v", o.Dockerfile, err)
		}
		fi, err := os.Stat(dfPath)
		switch {
		case err != nil && (os.IsNotExist(err) || errors.Is(err, syscall.ENOTDIR)):
			if isTar {
				return nil, invalid(err, "cannot find Dockerfile %q in %s", o.Dockerfile, where)
			}
			return nil, invalid(err, "cannot find Dockerfile %q", o.Dockerfile)
		case err != nil:
			return nil, invalid(err, "unable to read Dockerfile %q: %v", o.Dockerfile, err)
		case fi.IsDir():
			return nil, invalid(nil, "Dockerfile %q is a directory", o.Dockerfile)
		}
		c.DockerfileName = o.Dockerfile
	}
	if dfPath != "" {
		f, err := os.Open(dfPath)
		if err == nil {
			c.Dockerfile, err = readLimited(f)
			f.Close()
		}
		if err != nil {
			return nil, invalid(err, "unable to read Dockerfile %q: %v", c.DockerfileName, err)
		}
	}
	if err := c.loadIgnore(dfPath); err != nil {
		return nil, err
	}
	return c, nil
}

// Close removes an unpacked tar context. It is safe to call more than
// once.
func (c *Context) Close() error {
	if c == nil || c.tmp == "" {
		return nil
	}
	err := os.RemoveAll(c.tmp)
	c.tmp = ""
	return err
}

func readLimited(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxDockerfileBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxDockerfileBytes {
		return nil, fmt.Errorf("larger than %d bytes", maxDockerfileBytes)
	}
	return data, nil
}

func (c *Context) mkTemp(o Options) error {
	dir := o.TempDir
	if dir == "" {
		dir = os.TempDir()
	}
	tmp, err := os.MkdirTemp(dir, "skiff-build-context-")
	if err != nil {
		return invalid(err, "unable to prepare context: %v", err)
	}
	c.tmp, c.Root = tmp, tmp
	return nil
}

// unpackStdin unpacks a tar stream from o.Stdin into a temporary
// directory; if the stream is not an archive it is the Dockerfile
// (isDockerfile true) and the context is an empty directory.
func (c *Context) unpackStdin(ctx context.Context, o Options) (isDockerfile bool, err error) {
	if err := c.mkTemp(o); err != nil {
		return false, err
	}
	br := bufio.NewReaderSize(o.Stdin, 64<<10)
	magic, _ := br.Peek(16)
	if archive.DetectCompression(magic) == archive.Uncompressed {
		hdr, _ := br.Peek(512)
		if !isTarHeader(hdr) {
			data, err := readLimited(br)
			if err != nil {
				return false, invalid(err, "unable to read the Dockerfile from standard input: %v", err)
			}
			c.Dockerfile, c.DockerfileName = data, "Dockerfile"
			return true, nil
		}
	}
	if err := untar(ctx, br, c.Root); err != nil {
		return false, invalid(err, "unable to unpack the build context from standard input: %v", err)
	}
	return false, nil
}

// unpackFile unpacks the tarball at o.Path into a temporary directory.
func (c *Context) unpackFile(ctx context.Context, o Options) error {
	f, err := os.Open(o.Path)
	if err != nil {
		return invalid(err, "unable to prepare context: %v", err)
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 64<<10)
	magic, _ := br.Peek(16)
	if archive.DetectCompression(magic) == archive.Uncompressed {
		hdr, _ := br.Peek(512)
		if !isTarHeader(hdr) {
			return invalid(nil, "unable to prepare context: %q is neither a directory nor a tar archive", o.Path)
		}
	}
	if err := c.mkTemp(o); err != nil {
		return err
	}
	if err := untar(ctx, br, c.Root); err != nil {
		return invalid(err, "unable to unpack the build context %q: %v", o.Path, err)
	}
	return nil
}

// untar extracts a tar stream, possibly compressed, into dir. Owners are
// not restored: context files are copied with uid/gid 0 anyway.
func untar(ctx context.Context, r io.Reader, dir string) error {
	cr := &ctxReader{ctx: ctx, r: r}
	return archive.Untar(cr, dir, &archive.TarOptions{
		NoLchown: true,
		InUserNS: userns.RunningInUserNS(),
	})
}

// ctxReader stops a read when ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (r *ctxReader) Read(p []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, err
	}
	return r.r.Read(p)
}

// isTarHeader reports whether b starts with a valid tar header block (an
// all-zero block, an empty archive's end, counts too).
func isTarHeader(b []byte) bool {
	if len(b) < 512 {
		return false
	}
	b = b[:512]
	if bytes.Count(b, []byte{0}) == 512 {
		return true
	}
	field := strings.TrimRight(strings.TrimSpace(strings.TrimRight(string(b[148:156]), "\x00")), "\x00 ")
	want, err := strconv.ParseUint(field, 8, 32)
	if err != nil {
		return false
	}
	var sum uint64
	for i, ch := range b {
		if i >= 148 && i < 156 {
			ch = ' '
		}
		sum += uint64(ch)
	}
	return sum == want
}

// loadIgnore finds and parses the ignore file: NAME.dockerignore beside
// the Dockerfile (dfPath, "" when it came from standard input), else
// .dockerignore in the root, else .containerignore.
func (c *Context) loadIgnore(dfPath string) error {
	var candidates []string
	if dfPath != "" {
		p := dfPath + ".dockerignore"
		if rel, err := filepath.Rel(c.Root, dfPath); err == nil && rel != ".." && !strings.HasPrefix(rel, "../") {
			// Inside the context (a tar's, say): resolve it there.
			p, err = securejoin.SecureJoin(c.Root, rel+".dockerignore")
			if err != nil {
				p = ""
			}
		}
		if p != "" {
			candidates = append(candidates, p)
		}
	}
	for _, name := range []string{".dockerignore", ".containerignore"} {
		p, err := securejoin.SecureJoin(c.Root, name)
		if err == nil {
			candidates = append(candidates, p)
		}
	}
	for _, p := range candidates {
		fi, err := os.Stat(p)
		if err != nil || !fi.Mode().IsRegular() {
			continue
		}
		f, err := os.Open(p)
		if err != nil {
			return invalid(err, "unable to read %s: %v", p, err)
		}
		data, err := readLimited(f)
		f.Close()
		if err != nil {
			return invalid(err, "unable to read %s: %v", p, err)
		}
		name := p
		if rel, err := filepath.Rel(c.Root, p); err == nil && rel != ".." && !strings.HasPrefix(rel, "../") {
			name = filepath.ToSlash(rel)
		}
		patterns, err := ignorefile.ReadAll(bytes.NewReader(data))
		if err != nil {
			return invalid(err, "failed parsing %s: %v", name, err)
		}
		pm, err := patternmatcher.New(patterns)
		if err != nil {
			return invalid(err, "failed parsing %s: %v", name, err)
		}
		c.IgnoreFile, c.matcher = name, pm
		for _, pat := range pm.Patterns() {
			if pat.Exclusion() {
				c.patterns = append(c.patterns, strings.Split(filepath.ToSlash(pat.String()), "/"))
			}
		}
		return nil
	}
	return nil
}

// Excluded reports whether rel (a slash path relative to Root) is
// excluded by the ignore file, with github.com/moby/patternmatcher's
// semantics as Docker reads .dockerignore: patterns are cleaned and a
// leading "/" stripped, a path is excluded when it or one of its parents
// matches, and later "!" patterns make exceptions.
//
// An excluded directory that an exception may re-include something
// under (".git" with "!.git/HEAD") is reported as not excluded, so that
// walks descend into it; its entries are then judged one by one. The
// Dockerfile and the ignore file are read by Open whatever the patterns
// say, but like any path COPY does not copy them when they are excluded,
// as Docker documents. Excluded is safe for concurrent use.
func (c *Context) Excluded(rel string) bool {
	if c == nil || c.matcher == nil {
		return false
	}
	rel = strings.TrimPrefix(path.Clean("/"+rel), "/")
	if rel == "" {
		return false
	}
	c.mu.Lock()
	matched, err := c.matcher.MatchesOrParentMatches(rel)
	c.mu.Unlock()
	if err != nil || !matched {
		return false
	}
	if len(c.patterns) == 0 || !c.mayReinclude(rel) {
		return true
	}
	p, err := securejoin.SecureJoin(c.Root, filepath.FromSlash(rel))
	if err != nil {
		return true
	}
	fi, err := os.Lstat(p)
	return err != nil || !fi.IsDir()
}

// mayReinclude reports whether an exception pattern may match something
// below the directory rel.
func (c *Context) mayReinclude(rel string) bool {
	elems := strings.Split(rel, "/")
	for _, pat := range c.patterns {
		if exceptionBelow(pat, elems) {
			return true
		}
	}
	return false
}

func exceptionBelow(pat, elems []string) bool {
	for i, pe := range pat {
		if pe == "**" {
			return true
		}
		if i >= len(elems) {
			return true
		}
		if ok, err := filepath.Match(pe, elems[i]); err != nil || !ok {
			return false
		}
	}
	return false
}
