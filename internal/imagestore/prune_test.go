package imagestore

import (
	"slices"
	"testing"

	digest "github.com/opencontainers/go-digest"
	"go.podman.io/storage"
)

func TestUnreferenced(t *testing.T) {
	img := func(id, parent string) storage.Layer {
		return storage.Layer{ID: id, Parent: parent, UncompressedDigest: digest.Digest("sha256:" + id)}
	}
	ctr := func(id, parent string) storage.Layer { return storage.Layer{ID: id, Parent: parent} }
	layers := []storage.Layer{
		img("base", ""), img("mid", "base"), img("top", "mid"), // an image's chain
		img("halfway", "base"), img("halfway2", "halfway"), // a failed pull's
		img("lone", ""),                               // a failed pull's first layer
		ctr("rw", "top"),                              // a container's layer
		ctr("rw-orphan", "top"),                       // the container store's to collect
		img("under-ctr", ""), ctr("rw2", "under-ctr"), // an image gone, its container not
	}
	tests := []struct {
		name  string
		roots []string
		want  []string
	}{
		{"nothing uses anything", nil, []string{"base", "mid", "top", "halfway", "halfway2", "lone", "under-ctr"}},
		{"one image", []string{"top"}, []string{"halfway", "halfway2", "lone", "under-ctr"}},
		{"an image and containers", []string{"top", "rw", "rw2"}, []string{"halfway", "halfway2", "lone"}},
		{"a root that is gone", []string{"nosuch", "halfway2"}, []string{"mid", "top", "lone", "under-ctr"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := unreferenced(layers, tt.roots)
			slices.Sort(got)
			want := slices.Clone(tt.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("unreferenced = %v, want %v", got, want)
			}
		})
	}
}
