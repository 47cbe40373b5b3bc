// Command enginetest drives skiff's engine as a library, with no CLI: it
// creates, starts, execs in, runs, stops and removes containers, and makes
// images of them and of layers (images.go), through the Go API and prints
// one line per step for test/integration to check.
// It must run as the user whose store it opens: the user namespace is
// entered by internal/userns's constructor when the process starts.
//
//	enginetest -skiff /path/to/bin/skiff IMAGE
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"go.podman.io/storage/pkg/reexec"

	"github.com/skiff-containers/skiff/internal/engine"
	// The engine imports it too; named here because without its
	// constructor at process start no library call can work rootless.
	_ "github.com/skiff-containers/skiff/internal/userns"
)

func main() {
	// Layers are unpacked in a re-executed child (chrootarchive), as in
	// skiff's own main.
	if reexec.Init() {
		return
	}
	skiff := flag.String("skiff", "", "skiff's binary, which containers' monitors run for --rm")
	flag.Parse()
	if flag.NArg() != 1 || *skiff == "" {
		fmt.Fprintln(os.Stderr, "usage: enginetest -skiff SKIFF IMAGE")
		os.Exit(2)
	}
	if err := run(context.Background(), *skiff, flag.Arg(0)); err != nil {
		fmt.Printf("error: %v\n", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, skiff, image string) error {
	e, err := engine.Open(ctx, engine.Options{Env: os.Getenv, Executable: skiff})
	if err != nil {
		return fmt.Errorf("open: %w", err)
	}
	defer e.Close()

	// Refused before anything is touched, with the field named.
	_, err = e.Create(ctx, engine.CreateOptions{Image: image, Workdir: "relative"})
	var ie *engine.InvalidOptionError
	if !errors.As(err, &ie) || !errors.Is(err, engine.ErrInvalid) {
		return fmt.Errorf("create with a relative workdir: %v", err)
	}
	fmt.Printf("invalid %s\n", ie.Field)

	c, err := e.Create(ctx, engine.CreateOptions{Image: image, Name: "lib1", Pull: "never", Command: []string{"sleep", "60"}})
	if err != nil {
		return fmt.Errorf("create: %w", err)
	}
	fmt.Printf("created %s %s\n", c.Name, c.ID)
	if _, err := e.Start(ctx, "lib1", engine.StartOptions{}); err != nil {
		return fmt.Errorf("start: %w", err)
	}
	fmt.Println("started")

	var out bytes.Buffer
	x, err := e.Exec(ctx, "lib1", engine.ExecOptions{
		Command: []string{"sh", "-c", "echo exec-out $FOO; exit 3"}, Env: []string{"FOO=bar"},
		Streams: engine.Streams{Stdout: &out, Stderr: &out},
	})
	if err != nil {
		return fmt.Errorf("exec: %w", err)
	}
	fmt.Printf("exec %d %s\n", x.Code, strings.TrimSpace(out.String()))

	// Attached through plain buffers: nothing here is a terminal or a file.
	out.Reset()
	x, err = e.Run(ctx, engine.CreateOptions{
		Image: image, Pull: "never", AutoRemove: true, OpenStdin: true,
		Command: []string{"sh", "-c", "read line; echo run-out $line; exit 5"},
	}, engine.StartOptions{Attach: true, Streams: engine.Streams{Stdin: strings.NewReader("hello\n"), Stdout: &out, Stderr: &out}})
	if err != nil {
		return fmt.Errorf("run: %w", err)
	}
	fmt.Printf("run %d %s\n", x.Code, strings.TrimSpace(out.String()))
	if _, err := e.Start(ctx, x.ID, engine.StartOptions{}); !errors.Is(err, engine.ErrNotFound) {
		return fmt.Errorf("the --rm container after its run: %v", err)
	}
	fmt.Println("autoremoved")

	if err := e.StopContainer(ctx, "lib1", time.Second); err != nil {
		return fmt.Errorf("stop: %w", err)
	}
	fmt.Println("stopped")
	if err := e.RemoveContainer(ctx, "lib1", false); err != nil {
		return fmt.Errorf("remove: %w", err)
	}
	if _, err := e.Exec(ctx, "lib1", engine.ExecOptions{Command: []string{"true"}}); !errors.Is(err, engine.ErrNotFound) {
		return fmt.Errorf("exec after remove: %v", err)
	}
	fmt.Println("removed")
	return images(ctx, e, image)
}
