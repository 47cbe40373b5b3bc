package engine

import (
	"context"
	"errors"
	"testing"

	"github.com/skiff-containers/skiff/internal/imagestore"
	"github.com/skiff-containers/skiff/internal/report"
)

func TestParseImageFilters(t *testing.T) {
	for _, tc := range []struct {
		specs  []string
		reason string // "" for valid
	}{
		{[]string{"reference=busybox*", "dangling=false"}, ""},
		{[]string{"dangling=true"}, ""},
		{[]string{"reference"}, "use KEY=VALUE"},
		{[]string{"reference=["}, "bad pattern"},
		{[]string{"dangling=yes"}, "dangling takes true or false"},
		{[]string{"label=a=b"}, "supported filters are reference= and dangling="},
	} {
		_, err := parseImageFilters(tc.specs)
		var ie *InvalidOptionError
		switch {
		case tc.reason == "" && err != nil:
			t.Errorf("%q: %v", tc.specs, err)
		case tc.reason != "" && (!errors.As(err, &ie) || ie.Field != "Filters" || ie.Reason != tc.reason):
			t.Errorf("%q: got %v, want Filters: %s", tc.specs, err, tc.reason)
		}
	}
}

func TestImageFilters(t *testing.T) {
	named := imagestore.Image{ID: "1111111111111111", Names: []string{"docker.io/library/busybox:latest", "example.com/team/app:v1"}}
	dangling := imagestore.Image{ID: "2222222222222222"}
	for _, tc := range []struct {
		filters   []string
		reference string
		want      []string // Repository:Tag of the matching rows
	}{
		{nil, "", []string{"busybox:latest", "example.com/team/app:v1", "<none>:<none>"}},
		{[]string{"dangling=true"}, "", []string{"<none>:<none>"}},
		{[]string{"dangling=false"}, "", []string{"busybox:latest", "example.com/team/app:v1"}},
		{[]string{"reference=busybox"}, "", []string{"busybox:latest"}},
		{[]string{"reference=docker.io/library/busybox:latest"}, "", []string{"busybox:latest"}},
		{[]string{"reference=example.com/*/*"}, "", []string{"example.com/team/app:v1"}},
		{[]string{"reference=*:v1"}, "", nil}, // * stops at /
		{[]string{"reference=example.com/team/*:v1"}, "", []string{"example.com/team/app:v1"}},
		{nil, "busybox:latest", []string{"busybox:latest"}},
		{[]string{"reference=busybox"}, "example.com/team/app", nil},
	} {
		filters, err := parseImageFilters(tc.filters)
		if err != nil {
			t.Fatal(err)
		}
		if tc.reference != "" {
			filters = append(filters, imageFilter{"reference", tc.reference})
		}
		var got []string
		for _, img := range []imagestore.Image{named, dangling} {
			for _, row := range imageRows(img) {
				if matchImageFilters(filters, img, row) {
					got = append(got, row.Repository+":"+row.Tag)
				}
			}
		}
		if !equal(got, tc.want) {
			t.Errorf("filters %q %q: got %q, want %q", tc.filters, tc.reference, got, tc.want)
		}
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestImageRows(t *testing.T) {
	rows := imageRows(imagestore.Image{ID: "abc", Names: []string{"localhost:5000/app:v1"}, Digest: "sha256:d"})
	want := report.ImageRow{ID: "abc", Repository: "localhost:5000/app", Tag: "v1", Digest: "sha256:d"}
	if len(rows) != 1 || rows[0] != want {
		t.Errorf("got %+v, want %+v", rows, want)
	}
}

// The checks that come before the store is touched, so an engine without
// one answers them.
func TestOptionValidation(t *testing.T) {
	e := &Engine{}
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		err   error
		field string
	}{
		{"pull bad ref", func() error { _, err := e.Pull(ctx, PullOptions{Ref: "Bad/Name"}); return err }(), "Ref"},
		{"pull bad platform", func() error { _, err := e.Pull(ctx, PullOptions{Ref: "busybox", Platform: "nope"}); return err }(), "Platform"},
		{"tag with digest", e.Tag(ctx, "busybox", "x@sha256:"+sixtyFour), "Target"},
		{"import digest", func() error { _, err := e.Import(ctx, ImportOptions{Ref: "x@sha256:" + sixtyFour}); return err }(), "Ref"},
		{"import change", func() error { _, err := e.Import(ctx, ImportOptions{Changes: []string{"RUN true"}}); return err }(), "Changes"},
		{"mutate digest name", func() error {
			_, err := e.Mutate(ctx, MutateOptions{Names: []string{"x@sha256:" + sixtyFour}})
			return err
		}(), "Names"},
		{"mutate platform", func() error { _, err := e.Mutate(ctx, MutateOptions{Platform: "nope"}); return err }(), "Platform"},
		{"commit digest", func() error {
			_, err := e.Commit(ctx, CommitOptions{Container: "c", Ref: "x@sha256:" + sixtyFour})
			return err
		}(), "Ref"},
		{"commit change", func() error {
			_, err := e.Commit(ctx, CommitOptions{Container: "c", Changes: []string{"FROM x"}})
			return err
		}(), "Changes"},
		{"resolve pull", func() error {
			_, _, err := e.ResolveImage(ctx, ResolveImageOptions{Ref: "busybox", Pull: "sometimes"})
			return err
		}(), "Pull"},
		{"resolve platform", func() error {
			_, _, err := e.ResolveImage(ctx, ResolveImageOptions{Ref: "busybox", Platform: "nope"})
			return err
		}(), "Platform"},
		{"resolve no ref", func() error { _, _, err := e.ResolveImage(ctx, ResolveImageOptions{}); return err }(), "Ref"},
		{"network driver", func() error {
			_, err := e.CreateNetwork(ctx, CreateNetworkOptions{Name: "n", Driver: "macvlan"})
			return err
		}(), "Driver"},
		{"network label", func() error {
			_, err := e.CreateNetwork(ctx, CreateNetworkOptions{Name: "n", Labels: []string{"=v"}})
			return err
		}(), "Labels"},
		{"restart policy", func() error {
			_, err := e.GenerateSystemd(ctx, "c", SystemdOptions{RestartPolicy: "sometimes"})
			return err
		}(), "RestartPolicy"},
	} {
		var ie *InvalidOptionError
		if !errors.As(tc.err, &ie) || ie.Field != tc.field || !errors.Is(tc.err, ErrInvalid) {
			t.Errorf("%s: got %v, want an invalid %s", tc.name, tc.err, tc.field)
		}
	}
}

const sixtyFour = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

func TestNotFoundError(t *testing.T) {
	err := error(&NotFoundError{What: "network", Ref: "x"})
	if !errors.Is(err, ErrNotFound) || err.Error() != "No such network: x" {
		t.Errorf("got %v", err)
	}
}
