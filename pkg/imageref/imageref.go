// Package imageref parses image references the way Docker does: a short name
// such as "busybox" means "docker.io/library/busybox:latest".
package imageref

import (
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
)

// DefaultDomain is the registry a reference without a domain points at.
const DefaultDomain = "docker.io"

// DefaultTag is the tag a reference without a tag or digest gets.
const DefaultTag = "latest"

// Reference is a fully qualified image reference.
type Reference struct {
	Domain string // registry host[:port], "docker.io" for Docker Hub
	Path   string // repository path inside the registry, "library/busybox"
	Tag    string // empty when only a digest was given
	Digest string // "sha256:...", empty when none was given
}

// Parse normalizes s Docker-style. It rejects what Docker rejects: upper-case
// repository names, empty components, malformed tags and digests.
func Parse(s string) (Reference, error) {
	if s == "" {
		return Reference{}, fmt.Errorf("invalid reference format: empty image name")
	}
	if strings.ContainsAny(s, " \t\n") {
		return Reference{}, fmt.Errorf("invalid reference format %q: contains white space", s)
	}
	rest := s
	var ref Reference
	if i := strings.Index(rest, "@"); i >= 0 {
		ref.Digest = rest[i+1:]
		rest = rest[:i]
	}
	// A ':' after the last '/' separates the tag; an earlier one is a port.
	if i := strings.LastIndex(rest, ":"); i >= 0 && !strings.Contains(rest[i:], "/") {
		ref.Tag = rest[i+1:]
		rest = rest[:i]
		if ref.Tag == "" {
			return Reference{}, fmt.Errorf("invalid reference format %q: empty tag", s)
		}
	}
	ref.Domain, ref.Path = splitDomain(rest)
	if ref.Path == "" {
		return Reference{}, fmt.Errorf("invalid reference format %q: empty repository name", s)
	}
	for _, c := range strings.Split(ref.Path, "/") {
		if c == "" {
			return Reference{}, fmt.Errorf("invalid reference format %q: empty path component", s)
		}
	}
	if ref.Path != strings.ToLower(ref.Path) {
		return Reference{}, fmt.Errorf("invalid reference format %q: repository name must be lowercase", s)
	}
	if ref.Tag == "" && ref.Digest == "" {
		ref.Tag = DefaultTag
	}
	// go-containerregistry holds the exact grammar for every component.
	if _, err := name.ParseReference(ref.String(), name.StrictValidation); err != nil {
		if ref.Tag != "" && ref.Digest != "" {
			// ggcr does not accept tag and digest together; check each.
			if _, err := name.NewTag(ref.Domain+"/"+ref.Path+":"+ref.Tag, name.StrictValidation); err != nil {
				return Reference{}, fmt.Errorf("invalid reference format %q: %w", s, err)
			}
			if _, err := name.NewDigest(ref.Domain+"/"+ref.Path+"@"+ref.Digest, name.StrictValidation); err != nil {
				return Reference{}, fmt.Errorf("invalid reference format %q: %w", s, err)
			}
			return ref, nil
		}
		return Reference{}, fmt.Errorf("invalid reference format %q: %w", s, err)
	}
	return ref, nil
}

// splitDomain applies Docker's rule: the first component is a registry only
// if it looks like a host (has a dot or a port, or is "localhost").
func splitDomain(s string) (domain, path string) {
	i := strings.Index(s, "/")
	if i < 0 {
		return DefaultDomain, "library/" + s
	}
	first := s[:i]
	if !strings.ContainsAny(first, ".:") && first != "localhost" && strings.ToLower(first) == first {
		return DefaultDomain, s
	}
	if first == "index.docker.io" {
		first = DefaultDomain
	}
	path = s[i+1:]
	if first == DefaultDomain && !strings.Contains(path, "/") {
		path = "library/" + path
	}
	return first, path
}

// Repository is "domain/path".
func (r Reference) Repository() string { return r.Domain + "/" + r.Path }

// String is the canonical form: repository[:tag][@digest].
func (r Reference) String() string {
	s := r.Repository()
	if r.Tag != "" {
		s += ":" + r.Tag
	}
	if r.Digest != "" {
		s += "@" + r.Digest
	}
	return s
}

// Familiar is the short form Docker shows: "busybox:latest" for Docker Hub
// library images, the full name otherwise.
func (r Reference) Familiar() string {
	s := r.String()
	if r.Domain == DefaultDomain {
		s = strings.TrimPrefix(s, DefaultDomain+"/")
		s = strings.TrimPrefix(s, "library/")
	}
	return s
}

// Remote is the reference to ask a registry for: the digest when there is
// one (it pins the content), the tag otherwise.
func (r Reference) Remote(opts ...name.Option) (name.Reference, error) {
	if r.Digest != "" {
		return name.NewDigest(r.Repository()+"@"+r.Digest, opts...)
	}
	return name.NewTag(r.Repository()+":"+r.Tag, opts...)
}

// IsLoopback reports whether the registry is on this machine, where Docker
// allows plain HTTP without configuration.
func IsLoopback(host string) bool {
	h := host
	if strings.HasPrefix(h, "[") {
		if j := strings.Index(h, "]"); j > 0 {
			return h[1:j] == "::1"
		}
	}
	if j := strings.LastIndex(h, ":"); j >= 0 {
		h = h[:j]
	}
	return h == "localhost" || strings.HasPrefix(h, "127.")
}
