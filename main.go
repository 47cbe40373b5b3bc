// Command skiff runs containers without a daemon and without root.
package main

import (
	"os"

	"go.podman.io/storage/pkg/reexec"

	"github.com/skiff-containers/skiff/internal/cli"
)

func main() {
	// containers/storage re-executes this binary for some helpers (overlay
	// mounts with long option strings); those runs end here.
	if reexec.Init() {
		return
	}
	os.Exit(cli.Main(os.Args, cli.IO{In: os.Stdin, Out: os.Stdout, Err: os.Stderr}))
}
