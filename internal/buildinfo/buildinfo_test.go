package buildinfo

import (
	"regexp"
	"testing"
)

// semver is semver.org's grammar (without a leading v).
var semver = regexp.MustCompile(`^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)` +
	`(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?` +
	`(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$`)

func TestVersion(t *testing.T) {
	for _, tc := range []struct {
		describe, hash string
		modified       bool
		want           string
	}{
		{"v0.2.0-0-gabc1234", "abc1234", false, "0.2.0"},
		{"0.2.0-0-gabc1234", "abc1234", false, "0.2.0"},
		{"v0.2.0-0-gabc1234-dirty", "abc1234", false, "0.2.0+dirty"},
		{"v0.2.0-3-gabc1234", "abc1234", false, "0.2.1-dev.3+abc1234"},
		{"v0.2.9-12-gabc1234-dirty", "abc1234", false, "0.2.10-dev.12+abc1234.dirty"},
		{"v0.3.0-rc1-0-gabc1234", "abc1234", false, "0.3.0-rc1"},
		{"v0.3.0-rc.1-3-gabc1234", "abc1234", false, "0.3.0-rc.1.dev.3+abc1234"},
		// A fresh clone has no tags: --always gives the commit alone.
		{"e4000c4", "e4000c4", false, Base + "-dev+e4000c4"},
		{"e4000c4-dirty", "e4000c4", false, Base + "-dev+e4000c4.dirty"},
		// A tag that is no version number counts as none.
		{"v1-4-gabc1234", "abc1234", false, Base + "-dev+abc1234"},
		// go build: the toolchain's stamp, or nothing at all.
		{"", "abc1234", false, Base + "-dev+abc1234"},
		{"", "abc1234", true, Base + "-dev+abc1234.dirty"},
		{"", "", false, Base + "-dev"},
		{"garbage text", "", false, Base + "-dev"},
	} {
		got := version(tc.describe, tc.hash, tc.modified)
		if got != tc.want {
			t.Errorf("version(%q, %q, %t) = %q, want %q", tc.describe, tc.hash, tc.modified, got, tc.want)
		}
		if !semver.MatchString(got) {
			t.Errorf("version(%q, ...) = %q: not a semantic version", tc.describe, got)
		}
	}
}

func TestBuiltVersionIsSemver(t *testing.T) {
	if !semver.MatchString(Version) {
		t.Errorf("Version = %q: not a semantic version", Version)
	}
	if !semver.MatchString(Base) {
		t.Errorf("Base = %q: not a semantic version", Base)
	}
	if Commit == "" {
		t.Error("Commit is empty")
	}
}

func TestFirstOf(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want string
	}{
		{[]string{"a", "b"}, "a"},
		{[]string{"", "b", "c"}, "b"},
		{[]string{"", ""}, ""},
		{nil, ""},
	} {
		if got := firstOf(tc.in...); got != tc.want {
			t.Errorf("firstOf(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
