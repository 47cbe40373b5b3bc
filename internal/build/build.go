// Package build builds images from Dockerfiles on the engine: each RUN is
// a container the engine runs and commits, each COPY and ADD a container
// whose root file system is written and committed, and a layer cache
// keyed by each step's parent and inputs makes a rebuild of unchanged
// steps start no container at all.
package build

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/skiff-containers/skiff/internal/build/buildcontext"
	"github.com/skiff-containers/skiff/internal/build/dockerfile"
	"github.com/skiff-containers/skiff/internal/engine"
	"github.com/skiff-containers/skiff/internal/report"
	"github.com/skiff-containers/skiff/pkg/imageref"
)

// Engine is what a build needs of the engine.
type Engine interface {
	ResolveImage(ctx context.Context, o engine.ResolveImageOptions) (string, *v1.ConfigFile, error)
	ImageConfig(ctx context.Context, ref string) (string, *v1.ConfigFile, error)
	Run(ctx context.Context, co engine.CreateOptions, so engine.StartOptions) (engine.Exit, error)
	Create(ctx context.Context, o engine.CreateOptions) (*engine.Container, error)
	Mount(ctx context.Context, ref string) (string, error)
	Unmount(ctx context.Context, ref string) error
	Commit(ctx context.Context, o engine.CommitOptions) (string, error)
	Mutate(ctx context.Context, o engine.MutateOptions) (string, error)
	RemoveContainer(ctx context.Context, ref string, force bool) error
	List(ctx context.Context, o engine.ListOptions) ([]report.ContainerRow, error)
	Tag(ctx context.Context, source, target string) error
	KeepImage(ctx context.Context, id string) error
	Paths() engine.Paths
}

// ErrInvalid is wrapped by errors in what the build was asked to do: its
// options, its context, its Dockerfile.
var ErrInvalid = errors.New("invalid build")

// Secret is a file RUN --mount=type=secret can mount (--secret).
type Secret struct {
	ID, Src string
}

// Options are one build.
type Options struct {
	Context buildcontext.Options
	Tags    []string // REPOSITORY[:TAG]
	// BuildArgs are KEY=VALUE, or KEY for the caller's value (LookupEnv;
	// a KEY the caller has not set is left out, as in Docker).
	BuildArgs []string
	LookupEnv func(string) (string, bool)
	Target    string
	NoCache   bool
	// Pull is the policy for FROM images: missing (""), always, never.
	Pull     string
	Labels   []string // KEY=VALUE, on the final image
	Secrets  []Secret
	Network  string // for RUN: "" (default), none, host
	Platform string // OS/ARCH[/VARIANT]; "" is the host's
	// Format is oci ("") or docker: the media types a push writes.
	Format   string
	IIDFile  string
	Progress Progress // nil: Discard
}

// Result is a finished build.
type Result struct {
	ID string // the image's id
}

// StepError is a step that failed: which, its last output lines, and for
// a RUN its exit code.
type StepError struct {
	Step  string // "[2/5] RUN make"
	Err   error
	Code  int      // a RUN's exit code; 0 for other failures
	Lines []string // a RUN's last output lines
}

func (e *StepError) Error() string {
	if e.Code != 0 {
		return fmt.Sprintf("process %q did not complete successfully: exit code: %d", e.Step, e.Code)
	}
	return fmt.Sprintf("%s: %v", e.Step, e.Err)
}

func (e *StepError) Unwrap() error { return e.Err }

func invalidf(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, a...))
}

// Build builds the image a Dockerfile describes, tags it and returns its
// id. On failure no container, mount or unfinished image is left; steps
// that finished stay as cache.
func Build(ctx context.Context, eng Engine, o Options) (Result, error) {
	b, err := newBuilder(ctx, eng, o)
	if err != nil {
		return Result{}, err
	}
	defer b.close()
	return b.build(ctx)
}

// builder is one build's state.
type builder struct {
	eng     Engine
	o       Options
	prog    Progress
	bctx    *buildcontext.Context
	file    *dockerfile.File
	plan    *dockerfile.Plan
	args    map[string]string // --build-arg values
	builtin map[string]string // TARGETPLATFORM and friends
	cache   *cache
	mounts  string // cache mounts' directories
	label   string // io.skiff.build on this build's containers
	host    v1.Platform

	mu    sync.Mutex
	steps int // progress step numbers handed out

	stages []*stageResult // by stage index
}

// stageResult is a stage's image, once built.
type stageResult struct {
	done chan struct{}
	id   string
	cfg  *v1.ConfigFile
	err  error
}

const labelBuild = "io.skiff.build"

func newBuilder(ctx context.Context, eng Engine, o Options) (*builder, error) {
	b := &builder{eng: eng, o: o, prog: o.Progress}
	if b.prog == nil {
		b.prog = Discard{}
	}
	switch o.Network {
	case "", "default", "none", "host":
	default:
		return nil, invalidf("network mode %q not supported by skiff build: use default, none or host", o.Network)
	}
	switch o.Format {
	case "", "oci", "docker":
	default:
		return nil, invalidf("unknown format %q: use oci or docker", o.Format)
	}
	for _, t := range o.Tags {
		if ref, err := imageref.Parse(t); err != nil || ref.Digest != "" {
			return nil, invalidf("invalid tag %q: give REPOSITORY[:TAG]", t)
		}
	}
	if o.IIDFile != "" {
		if fi, err := os.Stat(filepath.Dir(o.IIDFile)); err != nil || !fi.IsDir() {
			return nil, invalidf("--iidfile %s: its directory does not exist", o.IIDFile)
		}
	}
	for _, l := range o.Labels {
		if k, _, _ := strings.Cut(l, "="); k == "" {
			return nil, invalidf("invalid label %q: give KEY=VALUE", l)
		}
	}
	var err error
	if b.args, err = buildArgs(o.BuildArgs, o.LookupEnv); err != nil {
		return nil, err
	}
	if b.host, b.builtin, err = platformArgs(o.Platform); err != nil {
		return nil, err
	}
	for _, s := range o.Secrets {
		if s.ID == "" || s.Src == "" {
			return nil, invalidf("invalid secret: give id=ID,src=PATH")
		}
		if _, err := os.Stat(s.Src); err != nil {
			return nil, invalidf("secret %s: %v", s.ID, err)
		}
	}
	root := filepath.Join(eng.Paths().GraphRoot, "build")
	if b.cache, err = openCache(filepath.Join(root, "cache")); err != nil {
		return nil, err
	}
	b.mounts = filepath.Join(root, "mounts")
	if b.label, err = processLabel(os.Getpid()); err != nil {
		return nil, err
	}
	removeLeftovers(ctx, eng)
	if b.bctx, err = buildcontext.Open(ctx, o.Context); err != nil {
		return nil, err
	}
	if b.file, err = dockerfile.Parse(b.bctx.DockerfileName, b.bctx.Dockerfile); err != nil {
		b.close()
		return nil, err
	}
	if b.plan, err = b.file.Plan(dockerfile.PlanOptions{Target: o.Target, Args: b.args, Builtin: b.builtin}); err != nil {
		b.close()
		return nil, err
	}
	return b, nil
}

func (b *builder) close() {
	if b.bctx != nil {
		b.bctx.Close()
	}
}

// step hands out a progress step number.
func (b *builder) step() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.steps++
	return b.steps
}

func (b *builder) build(ctx context.Context) (Result, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	b.stages = make([]*stageResult, len(b.file.Stages))
	for _, p := range b.plan.Stages {
		b.stages[p.Index] = &stageResult{done: make(chan struct{})}
	}
	// Stages build side by side, each once those it needs are done; the
	// first failure cancels the rest.
	var wg sync.WaitGroup
	var first error
	var once sync.Once
	for _, p := range b.plan.Stages {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := b.stages[p.Index]
			defer close(r.done)
			r.id, r.cfg, r.err = b.buildStage(ctx, p)
			if r.err != nil {
				once.Do(func() { first = r.err; cancel() })
			}
		}()
	}
	wg.Wait()
	if first != nil {
		return Result{}, first
	}
	final := b.stages[b.plan.Target]
	if err := b.eng.KeepImage(ctx, final.id); err != nil {
		return Result{}, err
	}
	for _, t := range b.o.Tags {
		if err := b.eng.Tag(ctx, final.id, t); err != nil {
			return Result{}, fmt.Errorf("tag %s: %w", t, err)
		}
	}
	if b.o.IIDFile != "" {
		if err := writeFileAtomic(b.o.IIDFile, []byte("sha256:"+final.id)); err != nil {
			return Result{}, fmt.Errorf("iidfile: %w", err)
		}
	}
	return Result{ID: final.id}, nil
}

// stage waits for a stage another one needs.
func (b *builder) stage(ctx context.Context, i int) (*stageResult, error) {
	r := b.stages[i]
	if r == nil {
		return nil, invalidf("stage %d is not part of this build", i)
	}
	select {
	case <-r.done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if r.err != nil {
		return nil, r.err
	}
	return r, nil
}

func writeFileAtomic(name string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".tmp-")
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), name)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

// hostPlatform is the platform of the machine, as images name it.
func hostPlatform() v1.Platform {
	p := v1.Platform{OS: "linux", Architecture: runtime.GOARCH}
	if runtime.GOARCH == "arm" {
		p.Variant = "v7"
	}
	return p
}

func platformString(p v1.Platform) string {
	s := p.OS + "/" + p.Architecture
	if p.Variant != "" {
		s += "/" + p.Variant
	}
	return s
}
