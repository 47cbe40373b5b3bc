package cli

import (
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/skiff-containers/skiff/internal/imagestore"
	"github.com/skiff-containers/skiff/pkg/imageref"
)

// ImageInspect is `image inspect` output; field names follow Docker's.
type ImageInspect struct {
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

func inspectImage(store *imagestore.Store, img imagestore.Image) (ImageInspect, error) {
	cfg, err := store.Config(img.ID)
	if err != nil {
		return ImageInspect{}, err
	}
	ii := ImageInspect{
		Id:           "sha256:" + img.ID,
		RepoTags:     []string{},
		RepoDigests:  []string{},
		Created:      cfg.Created.Time,
		Author:       cfg.Author,
		Config:       cfg.Config,
		Architecture: cfg.Architecture,
		Variant:      cfg.Variant,
		Os:           cfg.OS,
		Size:         img.Size,
		GraphDriver:  GraphDriver{Name: store.Driver(), Data: map[string]string{}},
		RootFS:       RootFS{Type: "layers", Layers: []string{}},
		History:      cfg.History,
	}
	if len(cfg.History) > 0 {
		ii.Comment = cfg.History[len(cfg.History)-1].Comment
	}
	seenRepo := map[string]bool{}
	for _, n := range img.Names {
		ref, err := imageref.Parse(n)
		if err != nil {
			continue
		}
		if ref.Tag != "" {
			ii.RepoTags = append(ii.RepoTags, ref.Familiar())
		}
		repo := imageref.Reference{Domain: ref.Domain, Path: ref.Path}
		if !seenRepo[repo.Repository()] {
			seenRepo[repo.Repository()] = true
			for _, d := range img.Digests {
				repo.Digest = d
				ii.RepoDigests = append(ii.RepoDigests, repo.Familiar())
			}
		}
	}
	for _, d := range cfg.RootFS.DiffIDs {
		ii.RootFS.Layers = append(ii.RootFS.Layers, d.String())
	}
	return ii, nil
}
