// Command timer runs commands alternately, N times each, and prints each
// one's wall-clock times in seconds, one line per command:
//
//	timer N -- CMD1 ARGS -- CMD2 ARGS
//
// The VM's busybox has no sub-second clock; this is the guest's stopwatch
// for the benchmarks. A failing run is an error: a benchmark of failures
// measures nothing.
package main

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

func main() {
	if len(os.Args) < 4 || os.Args[2] != "--" {
		fmt.Fprintln(os.Stderr, "usage: timer N -- CMD [ARGS] [-- CMD [ARGS]]...")
		os.Exit(2)
	}
	n, err := strconv.Atoi(os.Args[1])
	if err != nil || n < 1 {
		fmt.Fprintln(os.Stderr, "timer: N must be a positive number")
		os.Exit(2)
	}
	var cmds [][]string
	for _, a := range os.Args[2:] {
		if a == "--" {
			cmds = append(cmds, nil)
			continue
		}
		cmds[len(cmds)-1] = append(cmds[len(cmds)-1], a)
	}
	times := make([][]string, len(cmds))
	for range n {
		for i, c := range cmds {
			cmd := exec.Command(c[0], c[1:]...)
			cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
			start := time.Now()
			if err := cmd.Run(); err != nil {
				fmt.Fprintf(os.Stderr, "timer: %s: %v\n", strings.Join(c, " "), err)
				os.Exit(1)
			}
			times[i] = append(times[i], fmt.Sprintf("%.4f", time.Since(start).Seconds()))
		}
	}
	for _, t := range times {
		fmt.Println(strings.Join(t, ","))
	}
}
