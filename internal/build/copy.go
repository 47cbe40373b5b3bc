package build

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
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
// by its id.
func (s *stageState) copy(ctx context.Context, c copyStep) error {
	b := s.b
	text := c.name + " " + strings.Join(append(sourceNames(c.sd), c.sd.DestPath), " ")
	name := fmt.Sprintf("[%s%d/%d] %s", s.prefix, s.next(), s.total, text)
	step := b.step()
	b.prog.Start(step, name)
	err := s.copyStep(ctx, c, name, step, text)
	if !errors.Is(err, errCached) {
		b.prog.Done(step, err)
	}
	if errors.Is(err, errCached) {
		return nil
	}
	return err
}

var errCached = errors.New("cached")

func (s *stageState) copyStep(ctx context.Context, c copyStep, name string, step int, text string) error {
	b := s.b
	if c.from != "" && c.name == "ADD" {
		return s.fail(name, invalidf("ADD has no --from: use COPY --from"))
	}
	var patterns, urls []string
	for _, p := range c.sd.SourcePaths {
		if c.name == "ADD" && isURL(p) {
			urls = append(urls, p)
			continue
		}
		patterns = append(patterns, p)
	}
	if c.checksum != "" && len(urls) == 0 {
		return s.fail(name, invalidf("ADD --checksum needs an http(s) source"))
	}
	raw, _ := json.Marshal(c.cmd)
	var srcs []copier.Source
	var content []string
	root, excluded := b.bctx.Root, b.bctx.Excluded
	if c.from != "" {
		// Sources of a stage or an image are keyed by its id, which
		// names its content; it is mounted only to copy.
		image, err := s.sourceImage(ctx, c.from)
		if err != nil {
			return s.fail(name, err)
		}
		content = append(content, "image:"+image)
		key := chain(s.key, c.name, string(raw), strings.Join(content, ","))
		if id, ok := b.cached(ctx, key); ok {
			return s.cachedStep(step, key, id)
		}
		r, release, _, err := s.mountImage(ctx, image)
		if release != nil {
			defer release()
		}
		if err != nil {
			return s.fail(name, err)
		}
		root, excluded = r, nil
	}
	if len(patterns) > 0 {
		var err error
		if srcs, err = copier.Resolve(root, patterns, excluded); err != nil {
			if errors.Is(err, copier.ErrNotFound) {
				err = fmt.Errorf("%w: %v", ErrInvalid, err)
			}
			return s.fail(name, err)
		}
	}
	// ADD's URLs are fetched each build: their content is the key.
	if len(urls) > 0 {
		dir, err := os.MkdirTemp(b.o.Context.TempDir, "skiff-add-")
		if err != nil {
			return s.fail(name, err)
		}
		defer os.RemoveAll(dir)
		for i, u := range urls {
			sub := fmt.Sprintf("%s/%d", dir, i)
			if err := os.Mkdir(sub, 0o700); err != nil {
				return s.fail(name, err)
			}
			file, digest, err := copier.Fetch(ctx, u, c.checksum, sub)
			if err != nil {
				return s.fail(name, err)
			}
			content = append(content, u+"="+digest)
			srcs = append(srcs, copier.Source{Root: sub, Rel: strings.TrimPrefix(file, sub+"/")})
		}
	}
	if c.from == "" {
		digest, err := copier.Digest(srcs, excluded)
		if err != nil {
			return s.fail(name, err)
		}
		content = append(content, digest)
	}
	key := chain(s.key, c.name, string(raw), strings.Join(content, ","))
	if c.from == "" {
		if id, ok := b.cached(ctx, key); ok {
			return s.cachedStep(step, key, id)
		}
	}
	o := copier.Options{Dest: c.sd.DestPath, Workdir: s.workdir(), Chown: c.chown, Chmod: c.chmod, KeepOwners: c.from != "", Excluded: excluded}
	return s.writeStep(ctx, name, text+" # buildkit", key, func(root string) error {
		o.Root = root
		return s.write(ctx, c, srcs, o)
	})
}

// writeStep makes a step's image by writing into the last image's file
// system: a container that never starts, mounted, written and committed.
func (s *stageState) writeStep(ctx context.Context, name, createdBy, key string, write func(root string) error) error {
	b := s.b
	image, err := s.baseImage(ctx)
	if err != nil {
		return s.fail(name, err)
	}
	root, release, ctr, err := s.mountImage(ctx, image)
	if release != nil {
		defer release()
	}
	if err != nil {
		return s.fail(name, err)
	}
	err = write(root)
	if uerr := b.eng.Unmount(context.WithoutCancel(ctx), ctr); err == nil {
		err = uerr
	}
	if err != nil {
		return s.fail(name, err)
	}
	id, err := b.eng.Commit(ctx, engine.CommitOptions{Container: ctr, Config: &s.cfg, Author: s.author, History: s.history(createdBy), Intermediate: true})
	if err != nil {
		return s.fail(name, err)
	}
	return s.layerDone(key, id)
}

func (s *stageState) cachedStep(step int, key, id string) error {
	s.b.prog.Cached(step)
	if err := s.layerDone(key, id); err != nil {
		return err
	}
	return errCached
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
	b := s.b
	key := chain(s.key, "WORKDIR", s.cfg.WorkingDir, s.cfg.User)
	if s.cfg.WorkingDir == "/" {
		s.metaDone(struct{ Workdir string }{"/"}, createdBy)
		return nil
	}
	if id, ok := b.cached(ctx, key); ok {
		return s.layerDone(key, id)
	}
	return s.writeStep(ctx, createdBy, createdBy, key, func(root string) error {
		return copier.MkdirAll(ctx, copier.Options{Root: root, Dest: s.cfg.WorkingDir, Chown: s.cfg.User})
	})
}
