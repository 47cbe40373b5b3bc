package cli

import (
	"github.com/skiff-containers/skiff/internal/engine"
	"github.com/skiff-containers/skiff/internal/imagestore"
	"github.com/skiff-containers/skiff/internal/report"
)

// ImageInspect is `image inspect` output.
type ImageInspect = report.Image

// inspectImage is what inspectctr.go's inspectOne calls for a name that
// is an image; TRANSITIONAL until it calls engine.InspectImage.
func inspectImage(store *imagestore.Store, img imagestore.Image) (ImageInspect, error) {
	return engine.InspectStoredImage(store, img)
}
