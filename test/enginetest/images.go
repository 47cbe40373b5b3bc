package main

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/skiff-containers/skiff/internal/engine"
)

// images makes images through the library as a builder would: a file
// written into a mounted container and committed, layers added with
// Mutate. It prints one line per step; the caller counts the layers the
// store gained.
func images(ctx context.Context, e *engine.Engine, image string) error {
	baseID, base, err := e.ResolveImage(ctx, engine.ResolveImageOptions{Ref: image, Pull: "never"})
	if err != nil {
		return fmt.Errorf("resolve: %w", err)
	}
	if id, _, err := e.ImageConfig(ctx, image); err != nil || id != baseID {
		return fmt.Errorf("image config of %s: %s, %v; resolved %s", image, id, err, baseID)
	}
	if _, _, err := e.ImageConfig(ctx, "no/such:image"); !errors.Is(err, engine.ErrNotFound) {
		return fmt.Errorf("image config of a missing image: %v", err)
	}
	fmt.Println("resolved")

	// COPY: a created container, mounted, written into, committed with
	// a config of the builder's, then removed while still mounted.
	if _, err := e.Create(ctx, engine.CreateOptions{Image: image, Name: "lib2", Pull: "never"}); err != nil {
		return fmt.Errorf("create: %w", err)
	}
	root, err := e.Mount(ctx, "lib2")
	if err != nil {
		return fmt.Errorf("mount: %w", err)
	}
	if err := os.WriteFile(filepath.Join(root, "built"), []byte("copied\n"), 0o644); err != nil {
		return fmt.Errorf("write into the mounted container: %w", err)
	}
	cfg := base.Config
	committed, err := e.Commit(ctx, engine.CommitOptions{
		Container: "lib2", Config: &cfg, Changes: []string{`CMD ["cat","/built"]`}, CreatedBy: "COPY built /built",
	})
	if err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	if err := e.RemoveContainer(ctx, "lib2", false); err != nil {
		return fmt.Errorf("remove the mounted container: %w", err)
	}
	_, cc, err := e.ImageConfig(ctx, committed)
	if err != nil {
		return err
	}
	last := cc.History[len(cc.History)-1]
	fmt.Printf("committed layers +%d history +%d %s %q %v\n", len(cc.RootFS.DiffIDs)-len(base.RootFS.DiffIDs),
		len(cc.History)-len(base.History), last.CreatedBy, cc.Config.Cmd, last.EmptyLayer)
	var out bytes.Buffer
	x, err := e.Run(ctx, engine.CreateOptions{Image: committed, Pull: "never", AutoRemove: true},
		engine.StartOptions{Attach: true, Streams: engine.Streams{Stdout: &out, Stderr: &out}})
	if err != nil {
		return fmt.Errorf("run the committed image: %w", err)
	}
	fmt.Printf("ran %d %s\n", x.Code, strings.TrimSpace(out.String()))

	// The same layer on the same base twice, once under another config:
	// one layer stored, and the same inputs give the same image.
	when := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	layer := tarOf(map[string]string{"added": "a\n"})
	m := engine.MutateOptions{Base: image, Layer: bytes.NewReader(layer), History: []v1.History{{CreatedBy: "ADD added"}}, Created: when, Names: []string{"lib/mutated:v1"}}
	a, err := e.Mutate(ctx, m)
	if err != nil {
		return fmt.Errorf("mutate: %w", err)
	}
	m.Layer, m.Names = bytes.NewReader(layer), nil
	again, err := e.Mutate(ctx, m)
	if err != nil {
		return fmt.Errorf("mutate again: %w", err)
	}
	other := cfg
	other.User = "app"
	m.Layer, m.Config = bytes.NewReader(layer), &other
	b, err := e.Mutate(ctx, m)
	if err != nil {
		return fmt.Errorf("mutate with another config: %w", err)
	}
	_, ca, _ := e.ImageConfig(ctx, "lib/mutated:v1")
	_, cb, _ := e.ImageConfig(ctx, b)
	if ca == nil || cb == nil {
		return fmt.Errorf("mutated images not found")
	}
	top := func(c *v1.ConfigFile) v1.Hash { return c.RootFS.DiffIDs[len(c.RootFS.DiffIDs)-1] }
	fmt.Printf("mutated same-id %v other-id %v same-layer %v user %q\n", a == again, a != b, top(ca) == top(cb), cb.Config.User)

	// No layer: the history says so, the layers are the base's.
	n, err := e.Mutate(ctx, engine.MutateOptions{Base: a, History: []v1.History{{CreatedBy: "ENV X=1"}}})
	if err != nil {
		return fmt.Errorf("mutate without a layer: %w", err)
	}
	_, cn, _ := e.ImageConfig(ctx, n)
	fmt.Printf("no layer %v layers %d=%d\n", cn.History[len(cn.History)-1].EmptyLayer, len(cn.RootFS.DiffIDs), len(ca.RootFS.DiffIDs))

	// On scratch: one layer, one history entry, the host's platform.
	s, err := e.Mutate(ctx, engine.MutateOptions{Base: "scratch", Layer: bytes.NewReader(tarOf(map[string]string{"only": "o\n"}))})
	if err != nil {
		return fmt.Errorf("mutate on scratch: %w", err)
	}
	_, cs, _ := e.ImageConfig(ctx, s)
	fmt.Printf("scratch layers %d history %d os %s\n", len(cs.RootFS.DiffIDs), len(cs.History), cs.OS)

	// Failures store nothing: content that is not a tar, a stream that
	// breaks off, a base that is not there.
	for name, o := range map[string]engine.MutateOptions{
		"not a tar": {Base: image, Layer: strings.NewReader(strings.Repeat("not a tar\n", 200))},
		"cut short": {Base: image, Layer: io.MultiReader(bytes.NewReader(tarOf(map[string]string{"big": strings.Repeat("x", 4096)})[:2048]), failing{})},
		"no base":   {Base: "no/such:base", Layer: bytes.NewReader(layer)},
	} {
		if _, err := e.Mutate(ctx, o); err == nil {
			return fmt.Errorf("mutate with %s succeeded", name)
		}
	}
	fmt.Println("failures refused")
	return nil
}

// tarOf is a tar of regular files.
func tarOf(files map[string]string) []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for name, body := range files {
		tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o644, Size: int64(len(body)), ModTime: time.Unix(1700000000, 0)})
		io.WriteString(tw, body)
	}
	tw.Close()
	return buf.Bytes()
}

// failing is a stream that breaks.
type failing struct{}

func (failing) Read([]byte) (int, error) { return 0, errors.New("connection reset") }
