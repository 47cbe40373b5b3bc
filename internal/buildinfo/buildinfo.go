// Package buildinfo holds what the build stamps into the binary, and the
// version number derived from it.
package buildinfo

import (
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
)

// Base is the version the next release will have. A build that no release
// tag describes (a fresh clone has none) is Base-dev+COMMIT, so that it
// still reads as a semantic version. Raise it after tagging a release.
const Base = "0.1.0"

// Set by the Makefile with -ldflags "-X github.com/skiff-containers/skiff/internal/buildinfo.describe=...":
// describe is `git describe --tags --long --always --dirty --match 'v[0-9]*'`
// and stampedCommit `git rev-parse --short HEAD`. Without them (go build,
// go install) the commit comes from the Go toolchain's VCS stamp, if any.
var (
	describe      = ""
	stampedCommit = ""
)

var vcsCommit, vcsModified = vcsStamp()

// Version is skiff's semantic version (without a leading v); Commit is
// the commit it was built from, or "unknown".
var (
	Version = version(describe, firstOf(stampedCommit, vcsCommit), vcsModified)
	Commit  = firstOf(stampedCommit, vcsCommit, "unknown")
)

var (
	// A release tag (vMAJOR.MINOR.PATCH[-PRE]) with the commits since it,
	// as --long writes it: v0.2.0-3-gabc1234[-dirty].
	tagged = regexp.MustCompile(`^v?(\d+)\.(\d+)\.(\d+)(-[0-9A-Za-z.-]+)?-(\d+)-g([0-9a-f]+)(-dirty)?$`)
	// No release tag: --always writes the commit alone.
	untagged = regexp.MustCompile(`^([0-9a-f]{4,40})(-dirty)?$`)
	// Any other tag (v1, release-x): only its commit is used.
	otherTag = regexp.MustCompile(`-\d+-g([0-9a-f]+)(-dirty)?$`)
)

// version derives the version from describe, falling back to Base and
// the commit (hash, modified: the toolchain's stamp):
//
//	v0.2.0-0-gabc1234        0.2.0 (the release itself)
//	v0.2.0-0-gabc1234-dirty  0.2.0+dirty
//	v0.2.0-3-gabc1234        0.2.1-dev.3+abc1234 (after 0.2.0, before 0.2.1)
//	v0.3.0-rc1-3-gabc1234    0.3.0-rc1.dev.3+abc1234
//	abc1234[-dirty]          Base-dev+abc1234[.dirty] (no release tag)
//	""                       Base-dev+COMMIT[.dirty], or Base-dev with no commit known
func version(describe, hash string, modified bool) string {
	if m := tagged.FindStringSubmatch(describe); m != nil {
		return fromTag(m)
	}
	dirty := modified
	if m := untagged.FindStringSubmatch(describe); m != nil {
		hash, dirty = m[1], m[2] != ""
	} else if m := otherTag.FindStringSubmatch(describe); m != nil {
		hash, dirty = m[1], m[2] != ""
	}
	return Base + "-dev" + metadata(hash, dirty)
}

// fromTag is the version of a tagged match: a build past the tag is a
// pre-release of the next patch (or of the tag's own pre-release), so it
// sorts after the tag and before what comes next.
func fromTag(m []string) string {
	major, minor, patch, pre, since, hash, dirty := m[1], m[2], m[3], m[4], m[5], m[6], m[7] != ""
	if since == "0" {
		return major + "." + minor + "." + patch + pre + metadata("", dirty)
	}
	if pre == "" {
		p, _ := strconv.Atoi(patch)
		return major + "." + minor + "." + strconv.Itoa(p+1) + "-dev." + since + metadata(hash, dirty)
	}
	return major + "." + minor + "." + patch + pre + ".dev." + since + metadata(hash, dirty)
}

// metadata is semver's build metadata: the commit, and "dirty" for a
// tree with uncommitted changes.
func metadata(hash string, dirty bool) string {
	var ids []string
	if hash != "" {
		ids = append(ids, hash)
	}
	if dirty {
		ids = append(ids, "dirty")
	}
	if len(ids) == 0 {
		return ""
	}
	return "+" + strings.Join(ids, ".")
}

// firstOf is the first of values that is set.
func firstOf(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

// vcsStamp is the short commit Go records when it builds in a checkout,
// and whether the tree had changes.
func vcsStamp() (string, bool) {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "", false
	}
	var rev string
	var modified bool
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			if len(s.Value) >= 7 {
				rev = s.Value[:7]
			}
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	return rev, modified && rev != ""
}
