// Command skiff-ports publishes a container's ports on the host for as
// long as the container runs. Its supervisor starts it, before the
// container, with:
//
//	3  the container's network namespace
//	4  the report: one line, "ok" or the error, once the host ports are
//	   bound (or could not be)
//	5  the end: it exits, freeing the host ports, when this pipe closes,
//	   which happens when the container exits or its supervisor dies
//
// and arguments: STATE-DIR CHILD-IP PORT... (CHILD-IP is the address
// connections go to inside the namespace; ports as network.Port's Encode
// writes them). Keeping this apart from the supervisor lets the supervisor hand
// over to the small skiff-monitor also when ports are published.
package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/skiff-containers/skiff/internal/network"
	"github.com/skiff-containers/skiff/internal/network/portfwd"
)

func main() {
	report := os.NewFile(4, "report")
	if len(os.Args) < 4 {
		fmt.Fprintln(report, "skiff-ports is started by skiff-supervisor: usage: skiff-ports STATE-DIR CHILD-IP PORT...")
		os.Exit(125)
	}
	var ports []network.Port
	for _, rec := range os.Args[3:] {
		p, err := network.Decode(rec)
		if err != nil {
			fmt.Fprintln(report, err)
			os.Exit(125)
		}
		ports = append(ports, p)
	}
	fw, err := portfwd.Start(context.Background(), portfwd.Options{
		NetNS: "/proc/self/fd/3", StateDir: os.Args[1], ChildIP: os.Args[2], Ports: ports, Log: os.Stderr,
	})
	if err != nil {
		fmt.Fprintln(report, err)
		os.Exit(125)
	}
	fmt.Fprintln(report, "ok")
	report.Close()
	// Serve until the supervisor's end of the pipe closes.
	_, _ = io.Copy(io.Discard, os.NewFile(5, "end"))
	fw.Close()
}
