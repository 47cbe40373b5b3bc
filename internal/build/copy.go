package build

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"

	"github.com/skiff-containers/skiff/internal/build/copier"
	"github.com/skiff-containers/skiff/internal/engine"
)

// copyStep is a COPY or an ADD.
type copyStep struct {
	cmd      instructions.Command
	sd       instructions.SourcesAndDest
	name     string // COPY or ADD
	from     string
	chown    string
	chmod    string
	checksum string
	unpack   bool // ADD: local archives are extracted
}

// copy carries out a COPY or ADD: a container of the last image, its
// root file system mounted and written, and committed. Sources of the
// build context are keyed by their content; those of a stage or image
// by its id, and mounted only when the step is not cached.
func (s *stageState) copy(ctx context.Context, c copyStep) error {
	text := c.name + " " + strings.Join(append(sourceNames(c.sd), c.sd.DestPath), " ")
	name := fmt.Sprintf("[%s%d/%d] %s", s.prefix, s.next(), s.total, text)
	src := &copySources{}
	defer src.close()
	return s.layerStep(ctx, name, func() (string, error) { return s.copyKey(ctx, c, src) }, func(_ int, key string) (string, error) {
		if src.image != "" {
			root, release, _, err := s.mountImage(ctx, src.image)
			src.release = append(src.release, release)
			if err != nil {
				return "", err
			}
			if src.srcs, err = s.resolve(root, c.sd.SourcePaths, nil); err != nil {
				return "", err
			}
		}
		o := copier.Options{Dest: c.sd.DestPath, Workdir: s.workdir(), Chown: c.chown, Chmod: c.chmod, KeepOwners: c.from != "", Excluded: src.excluded}
		return s.writeStep(ctx, text+" # buildkit", func(root string) error {
			o.Root = root
			return s.write(ctx, c, src.srcs, o)
		})
	})
}

// copySources are what a COPY or ADD copies, found once for its key and
// for the copy.
type copySources struct {
	srcs     []copier.Source
	excluded func(rel string) bool
	image    string // --from's image, resolved when the step runs
	release  []func()
}

func (c *copySources) close() {
	for _, f := range c.release {
		if f != nil {
			f()
		}
	}
}

// copyKey finds a COPY's or ADD's sources and returns its cache key:
// the instruction and the sources' content (ADD's URLs are fetched each
// build), or the id of the --from image.
func (s *stageState) copyKey(ctx context.Context, c copyStep, src *copySources) (string, error) {
	b := s.b
	if c.from != "" && c.name == "ADD" {
		return "", invalidf("ADD has no --from: use COPY --from")
	}
	raw, _ := json.Marshal(c.cmd)
	if c.from != "" {
		image, err := s.sourceImage(ctx, c.from)
		if err != nil {
			return "", err
		}
		src.image = image
		return chain(s.key, c.name, string(raw), "image:"+image), nil
	}
	var patterns, urls []string
	for _, p := range c.sd.SourcePaths {
		if c.name == "ADD" && isURL(p) {
			urls = append(urls, p)
		} else {
			patterns = append(patterns, p)
		}
	}
	if c.checksum != "" && len(urls) == 0 {
		return "", invalidf("ADD --checksum needs an http(s) source")
	}
	src.excluded = b.bctx.Excluded
	var err error
	if src.srcs, err = s.resolve(b.bctx.Root, patterns, src.excluded); err != nil {
		return "", err
	}
	var content []string
	if len(urls) > 0 {
		dir, err := os.MkdirTemp(b.o.Context.TempDir, "skiff-add-")
		if err != nil {
			return "", err
		}
		src.release = append(src.release, func() { os.RemoveAll(dir) })
		for i, u := range urls {
			sub := filepath.Join(dir, strconv.Itoa(i))
			if err := os.Mkdir(sub, 0o700); err != nil {
				return "", err
			}
			file, digest, err := copier.Fetch(ctx, u, c.checksum, sub)
			if err != nil {
				return "", err
			}
			content = append(content, u+"="+digest)
			src.srcs = append(src.srcs, copier.Source{Root: sub, Rel: filepath.Base(file)})
		}
	}
	digest, err := copier.Digest(src.srcs, src.excluded)
	if err != nil {
		return "", err
	}
	content = append(content, digest)
	return chain(s.key, c.name, string(raw), strings.Join(content, ",")), nil
}

// resolve finds source patterns under root; one that matches nothing is
// the Dockerfile's mistake.
func (s *stageState) resolve(root string, patterns []string, excluded func(string) bool) ([]copier.Source, error) {
	if len(patterns) == 0 {
		return nil, nil
	}
	srcs, err := copier.Resolve(root, patterns, excluded)
	if errors.Is(err, copier.ErrNotFound) {
		err = fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	return srcs, err
}

// layerStep is a step that makes a layer, shown as it goes: a cache hit
// for its key is shown CACHED and starts nothing, otherwise make builds
// the step's image. Errors name the step.
func (s *stageState) layerStep(ctx context.Context, name string, key func() (string, error), make func(step int, key string) (string, error)) error {
	b := s.b
	step := b.step()
	b.prog.Start(step, name)
	k, err := key()
	if err == nil {
		if id, ok := b.cached(ctx, k); ok {
			b.prog.Cached(step)
			return s.layerDone(k, id)
		}
		var id string
		if id, err = make(step, k); err == nil {
			err = s.layerDone(k, id)
		}
	}
	b.prog.Done(step, err)
	var se *StepError
	if err != nil && !errors.As(err, &se) {
		err = &StepError{Step: name, Err: err}
	}
	return err
}

// writeStep makes a step's image by writing into the last image's file
// system: a container that never starts, mounted, written and committed.
func (s *stageState) writeStep(ctx context.Context, createdBy string, write func(root string) error) (string, error) {
	image, err := s.baseImage(ctx)
	if err != nil {
		return "", err
	}
	root, release, ctr, err := s.mountImage(ctx, image)
	if release != nil {
		defer release()
	}
	if err != nil {
		return "", err
	}
	err = write(root)
	if uerr := s.b.eng.Unmount(context.WithoutCancel(ctx), ctr); err == nil {
		err = uerr
	}
	if err != nil {
		return "", err
	}
	return s.commit(ctx, ctr, createdBy)
}

// commit makes the step's image of a container.
func (s *stageState) commit(ctx context.Context, ctr, createdBy string) (string, error) {
	return s.b.eng.Commit(ctx, engine.CommitOptions{Container: ctr, Config: &s.cfg, Author: s.author, History: s.history(createdBy), Intermediate: true})
}

// write copies the sources and the heredoc files into the mounted root.
func (s *stageState) write(ctx context.Context, c copyStep, srcs []copier.Source, o copier.Options) error {
	for _, h := range c.sd.SourceContents {
		if err := copier.WriteFile(ctx, o, h.Path, []byte(h.Data), 0o644); err != nil {
			return err
		}
	}
	if len(srcs) == 0 {
		return nil
	}
	if c.name == "ADD" {
		return copier.Add(ctx, srcs, copier.AddOptions{Options: o, Unpack: c.unpack})
	}
	return copier.Copy(ctx, srcs, o)
}

// sourceRoot is where a bind mount's sources are: the build context, or
// the mounted file system of a stage or an image (released by the
// returned func).
func (s *stageState) sourceRoot(ctx context.Context, from string) (string, func(string) bool, func(), error) {
	if from == "" {
		return s.b.bctx.Root, s.b.bctx.Excluded, nil, nil
	}
	image, err := s.sourceImage(ctx, from)
	if err != nil {
		return "", nil, nil, err
	}
	root, release, _, err := s.mountImage(ctx, image)
	return root, nil, release, err
}

// sourceImage is the image --from names: a stage's (once built), or an
// image found or pulled as FROM's are.
func (s *stageState) sourceImage(ctx context.Context, from string) (string, error) {
	b := s.b
	if i, ok := b.file.StageIndex(from); ok {
		r, err := b.stage(ctx, i)
		if err != nil {
			return "", err
		}
		return r.id, nil
	}
	id, _, err := b.eng.ResolveImage(ctx, engine.ResolveImageOptions{Ref: from, Pull: b.o.Pull, Platform: b.o.Platform})
	return id, err
}

// mountImage mounts an image's file system through a container that is
// never started, and returns where, what releases it, and the container.
func (s *stageState) mountImage(ctx context.Context, image string) (string, func(), string, error) {
	b := s.b
	ctr, err := b.eng.Create(ctx, engine.CreateOptions{Image: image, Command: []string{"/"}, Entrypoint: new(string), Network: "none", Labels: []string{labelBuild + "=" + b.label}})
	if err != nil {
		return "", nil, "", err
	}
	detached := context.WithoutCancel(ctx)
	release := func() {
		_ = b.eng.Unmount(detached, ctr.ID)
		_ = b.eng.RemoveContainer(detached, ctr.ID, true)
	}
	root, err := b.eng.Mount(ctx, ctr.ID)
	if err != nil {
		return "", release, ctr.ID, err
	}
	return root, release, ctr.ID, nil
}

func sourceNames(sd instructions.SourcesAndDest) []string {
	names := append([]string(nil), sd.SourcePaths...)
	for _, h := range sd.SourceContents {
		names = append(names, "<<"+h.Path)
	}
	return names
}

func isURL(s string) bool {
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")
}

// workdirStep makes WORKDIR's directory, as Docker does, owned by the
// stage's user: a step of its own, cached like a COPY. A directory the
// image has already adds no layer.
func (s *stageState) workdirStep(ctx context.Context, createdBy string) error {
	name := fmt.Sprintf("[%s%d/%d] %s", s.prefix, s.next(), s.total, createdBy)
	key := chain(s.key, "WORKDIR", s.cfg.WorkingDir, s.cfg.User)
	return s.layerStep(ctx, name, func() (string, error) { return key, nil }, func(int, string) (string, error) {
		return s.writeStep(ctx, createdBy, func(root string) error {
			return copier.MkdirAll(ctx, copier.Options{Root: root, Dest: s.cfg.WorkingDir, Chown: s.cfg.User})
		})
	})
}
