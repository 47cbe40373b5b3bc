// Command testenv prepares what `make demo` and `make bench` need: a local
// registry and test images in it. It is test tooling, not part of skiff.
//
//	testenv registry DIR          run a registry until killed; prints its address first
//	testenv push-busybox REF      push the busybox test image
//	testenv push-layers REF N MB  push busybox plus N random layers of MB each
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"syscall"

	"github.com/skiff-containers/skiff/test/testenv"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "testenv:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("usage: testenv registry DIR | push-busybox REF | push-layers REF N MB | free-port")
	}
	switch args[0] {
	case "registry":
		if len(args) != 2 {
			return fmt.Errorf("usage: testenv registry DIR")
		}
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
		defer stop()
		r, err := testenv.StartRegistry(ctx, args[1])
		if err != nil {
			return err
		}
		defer r.Stop()
		fmt.Println(r.Addr)
		<-ctx.Done()
		return nil
	case "push-busybox":
		if len(args) != 2 {
			return fmt.Errorf("usage: testenv push-busybox REF")
		}
		img, err := testenv.Busybox(runtime.GOARCH)
		if err != nil {
			return err
		}
		return testenv.Push(args[1], img)
	case "free-port":
		port, err := testenv.FreePort()
		if err != nil {
			return err
		}
		fmt.Println(port)
		return nil
	case "push-layers":
		if len(args) != 4 {
			return fmt.Errorf("usage: testenv push-layers REF N MB")
		}
		n, err1 := strconv.Atoi(args[2])
		mb, err2 := strconv.Atoi(args[3])
		if err1 != nil || err2 != nil {
			return fmt.Errorf("N and MB must be numbers")
		}
		img, err := testenv.WithRandomLayers(runtime.GOARCH, n, int64(mb)<<20)
		if err != nil {
			return err
		}
		return testenv.Push(args[1], img)
	}
	return fmt.Errorf("unknown command %q", args[0])
}
