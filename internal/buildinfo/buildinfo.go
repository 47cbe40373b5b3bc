// Package buildinfo holds what the build stamps into the binary.
package buildinfo

// Set with -ldflags "-X github.com/skiff-containers/skiff/internal/buildinfo.Version=...".
var (
	Version = "0.1.0-dev"
	Commit  = "unknown"
)
