package build

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/skiff-containers/skiff/internal/engine"
	"github.com/skiff-containers/skiff/internal/report"
)

// Pruner is what a prune of the build cache needs of the engine.
type Pruner interface {
	PruneImages(ctx context.Context, o engine.PruneImagesOptions) (engine.PrunedImages, error)
	List(ctx context.Context, o engine.ListOptions) ([]report.ContainerRow, error)
	RemoveContainer(ctx context.Context, ref string, force bool) error
	Paths() engine.Paths
}

// PruneOptions are a prune of the build cache.
type PruneOptions struct {
	// All removes the cache mounts (RUN --mount=type=cache) too.
	All bool
}

// Pruned is what a prune removed.
type Pruned struct {
	Records int      // cache records
	Images  []string // ids of the step images removed
}

// Prune removes the build cache: every record, and the unnamed images of
// build steps that no image or container stands on (those of running
// builds stay, and so do their records' images until the build ends).
func Prune(ctx context.Context, p Pruner, o PruneOptions) (Pruned, error) {
	var out Pruned
	root := filepath.Join(p.Paths().GraphRoot, "build")
	c, err := openCache(filepath.Join(root, "cache"))
	if err != nil {
		return out, err
	}
	if out.Records, err = c.clear(); err != nil {
		return out, fmt.Errorf("prune build cache: %w", err)
	}
	removeLeftovers(ctx, p)
	imgs, err := p.PruneImages(ctx, engine.PruneImagesOptions{Intermediate: true})
	if err != nil {
		return out, err
	}
	for _, r := range imgs.Images {
		out.Images = append(out.Images, r.Deleted)
	}
	if o.All {
		if err := os.RemoveAll(filepath.Join(root, "mounts")); err != nil {
			return out, fmt.Errorf("prune cache mounts: %w", err)
		}
	}
	return out, nil
}
