// Package report holds the Docker-shaped documents the engine fills and
// every front end renders as they are: inspect output, list rows. The JSON
// field names are Docker's, which templates and users depend on.
package report

import (
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Image is `image inspect` output; field names follow Docker's.
type Image struct {
	Id            string       `json:"Id"` // Docker's spelling: --format templates use {{.Id}}
	RepoTags      []string     `json:"RepoTags"`
	RepoDigests   []string     `json:"RepoDigests"`
	Parent        string       `json:"Parent"`
	Comment       string       `json:"Comment"`
	Created       time.Time    `json:"Created"`
	DockerVersion string       `json:"DockerVersion"`
	Author        string       `json:"Author"`
	Config        v1.Config    `json:"Config"`
	Architecture  string       `json:"Architecture"`
	Variant       string       `json:"Variant,omitempty"`
	Os            string       `json:"Os"`
	Size          int64        `json:"Size"`
	GraphDriver   GraphDriver  `json:"GraphDriver"`
	RootFS        RootFS       `json:"RootFS"`
	History       []v1.History `json:"History,omitempty"`
}

// GraphDriver names the storage driver holding an image.
type GraphDriver struct {
	Name string            `json:"Name"`
	Data map[string]string `json:"Data"`
}

// RootFS lists an image's layers by diff id.
type RootFS struct {
	Type   string   `json:"Type"`
	Layers []string `json:"Layers"`
}

// ImageRow is one name of an image in a list (an image without a name has
// one row, with Repository and Tag "<none>").
type ImageRow struct {
	ID         string // the full hex id, without "sha256:"
	Repository string // familiar: "busybox", "example.com/team/app"
	Tag        string
	Digest     string // the manifest digest, "<none>" without one
	Created    time.Time
	Size       int64 // unpacked size of all layers
}

// ImageRemoval is what removing an image, or one of its names, did: the
// names taken away (familiar) and, if the image itself went, its id.
type ImageRemoval struct {
	Untagged []string
	Deleted  string // hex id; "" when only a name went
}
