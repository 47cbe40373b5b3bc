// Command skiff-monitor is what a container's supervisor becomes once the
// container runs (the supervisor executes into it, keeping its pid, its
// children and its descriptors): a small process that watches the container
// for the rest of its life. See internal/monitor.
package main

import (
	"fmt"
	"os"

	"github.com/skiff-containers/skiff/internal/monitor"
)

func main() {
	h, err := monitor.ParseHandoff(os.Args[1:])
	if err != nil {
		fmt.Fprintf(os.Stderr, "skiff-monitor (started by skiff-supervisor): %v\n", err)
		os.Exit(125)
	}
	os.Exit(monitor.Run(h))
}
