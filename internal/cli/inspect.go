package cli

import "github.com/skiff-containers/skiff/internal/report"

// ImageInspect is `image inspect` output.
type ImageInspect = report.Image
