// Package copier implements the file side of the Dockerfile COPY and ADD
// instructions: expanding source patterns against a build context (or
// another stage's root file system), hashing sources for the build cache,
// and copying them into a mounted destination root file system with
// Docker's destination, ownership and mode rules.
//
// Every path on the destination side is resolved inside Options.Root
// with github.com/cyphar/filepath-securejoin, so a symlink in the image
// (say /usr/local -> /) is followed as if Root were "/" and can never
// make a copy write outside Root. Source paths are resolved the same
// way inside their own Root.
package copier

import (
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	securejoin "github.com/cyphar/filepath-securejoin"
)

// ErrNotFound is wrapped by the errors Resolve returns for a source that
// matches nothing.
var ErrNotFound = errors.New("not found")

// NotFoundError is the error for a source pattern that matched nothing.
// It wraps ErrNotFound.
type NotFoundError struct {
	Pattern  string // the pattern as written
	Excluded bool   // the path exists but the ignore file excludes it
}

func (e *NotFoundError) Error() string {
	if e.Excluded {
		return fmt.Sprintf("%q: not found in the build context (excluded by .dockerignore)", e.Pattern)
	}
	return fmt.Sprintf("%q: not found", e.Pattern)
}

func (e *NotFoundError) Unwrap() error { return ErrNotFound }

// Source is one path to copy from a root (a build context, or another
// stage's / image's mounted root file system).
type Source struct {
	Root string // absolute directory on the host
	Rel  string // slash path relative to Root, cleaned, "." for the root itself
	// Wildcard says the source was matched by a pattern with
	// wildcards. It is informational: Copy's rule that several sources
	// need a destination ending in "/" counts the sources after
	// expansion, as Docker does, so a wildcard that matched one file may
	// still be copied to a file name.
	Wildcard bool
}

// Path is the host path of s: Root joined with Rel, with the symlinks in
// Rel (the last element included) resolved inside Root, so nothing
// escapes Root.
func (s Source) Path() (string, error) {
	if s.Rel == "" || s.Rel == "." {
		return filepath.Clean(s.Root), nil
	}
	return securejoin.SecureJoin(s.Root, filepath.FromSlash(s.Rel))
}

// resolved is s's host path (see Path) and that path relative to s.Root
// as a slash path ("." for the root itself).
func (s Source) resolved() (host, rel string, err error) {
	host, err = s.Path()
	if err != nil {
		return "", "", err
	}
	r, err := filepath.Rel(filepath.Clean(s.Root), host)
	if err != nil {
		return "", "", err
	}
	return host, filepath.ToSlash(r), nil
}

// cleanRel turns a source or destination path as written into a clean
// slash path relative to the root: a leading "/" and any "../" that would
// climb above the root are dropped, as Docker does.
func cleanRel(p string) string {
	p = path.Clean("/" + filepath.ToSlash(p))
	p = strings.TrimPrefix(p, "/")
	if p == "" {
		return "."
	}
	return p
}

// containsWildcards reports whether a path element has an unescaped
// filepath.Match meta character.
func containsWildcards(elem string) bool {
	for i := 0; i < len(elem); i++ {
		switch elem[i] {
		case '\\':
			i++
		case '*', '?', '[':
			return true
		}
	}
	return false
}

// Resolve expands COPY/ADD source patterns (as written, already
// variable-expanded) against root.
//
// Patterns use filepath.Match syntax per path element, as Docker does: the
// elements before the first one with a wildcard are taken literally (and
// symlinks among them are followed inside root), the rest are matched
// element by element against directory entries, without descending into
// symlinked directories. A leading "/" or "../" stays inside root.
// excluded (may be nil) says that a path, slash-separated and relative to
// root, is ignored (.dockerignore); excluded paths are not found.
//
// A literal path that does not exist (or is excluded) is an error. A
// wildcard that matches nothing is only an error when no pattern of the
// call matched anything: BuildKit lets "COPY foo nomatch* /" copy foo, and
// the classic builder refused an instruction left with no source at all.
// Errors for missing sources are *NotFoundError and wrap ErrNotFound.
// URL patterns are not handled here.
func Resolve(root string, patterns []string, excluded func(rel string) bool) ([]Source, error) {
	if excluded == nil {
		excluded = func(string) bool { return false }
	}
	root = filepath.Clean(root)
	var out []Source
	var firstMiss error
	for _, pat := range patterns {
		rel := cleanRel(pat)
		elems := strings.Split(rel, "/")
		first := -1
		for i, e := range elems {
			if containsWildcards(e) {
				first = i
				break
			}
		}
		if first < 0 {
			src, err := resolveLiteral(root, pat, rel, excluded)
			if err != nil {
				return nil, err
			}
			out = append(out, src)
			continue
		}
		for _, e := range elems[first:] {
			if _, err := filepath.Match(e, ""); err != nil {
				return nil, fmt.Errorf("%q: invalid pattern: %w", pat, err)
			}
		}
		baseRel := "."
		if first > 0 {
			baseRel = strings.Join(elems[:first], "/")
		}
		w := &wildcardWalk{root: root, excluded: excluded}
		base, err := Source{Root: root, Rel: baseRel}.Path()
		if err != nil {
			return nil, fmt.Errorf("%q: %w", pat, err)
		}
		r, err := filepath.Rel(root, base)
		if err != nil {
			return nil, err
		}
		if err := w.walk(base, filepath.ToSlash(r), elems[first:]); err != nil {
			return nil, fmt.Errorf("%q: %w", pat, err)
		}
		if len(w.matches) == 0 {
			if firstMiss == nil {
				firstMiss = &NotFoundError{Pattern: pat, Excluded: w.sawExcluded}
			}
			continue
		}
		out = append(out, w.matches...)
	}
	if len(out) == 0 && firstMiss != nil {
		return nil, firstMiss
	}
	return out, nil
}

func resolveLiteral(root, pat, rel string, excluded func(string) bool) (Source, error) {
	src := Source{Root: root, Rel: rel}
	if rel == "." {
		return src, nil
	}
	host, resolvedRel, err := src.resolved()
	if err != nil {
		return Source{}, fmt.Errorf("%q: %w", pat, err)
	}
	if _, err := os.Lstat(host); err != nil {
		if os.IsNotExist(err) || isNotDir(err) {
			return Source{}, &NotFoundError{Pattern: pat}
		}
		return Source{}, fmt.Errorf("%q: %w", pat, err)
	}
	if excluded(rel) || (resolvedRel != rel && resolvedRel != "." && excluded(resolvedRel)) {
		return Source{}, &NotFoundError{Pattern: pat, Excluded: true}
	}
	return src, nil
}

type wildcardWalk struct {
	root        string
	excluded    func(string) bool
	matches     []Source
	sawExcluded bool
}

func (w *wildcardWalk) walk(dirHost, dirRel string, elems []string) error {
	names, err := readDirNames(dirHost)
	if err != nil {
		if os.IsNotExist(err) || isNotDir(err) {
			return nil
		}
		return err
	}
	for _, name := range names {
		ok, err := filepath.Match(elems[0], name)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		childRel := name
		if dirRel != "." {
			childRel = dirRel + "/" + name
		}
		childHost := filepath.Join(dirHost, name)
		if len(elems) == 1 {
			if w.excluded(childRel) {
				w.sawExcluded = true
				continue
			}
			w.matches = append(w.matches, Source{Root: w.root, Rel: childRel, Wildcard: true})
			continue
		}
		fi, err := os.Lstat(childHost)
		if err != nil || !fi.IsDir() {
			continue
		}
		if err := w.walk(childHost, childRel, elems[1:]); err != nil {
			return err
		}
	}
	return nil
}

// readDirNames lists a directory's entry names in sorted order.
func readDirNames(dir string) ([]string, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	names, err := f.Readdirnames(-1)
	f.Close()
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	return names, nil
}
