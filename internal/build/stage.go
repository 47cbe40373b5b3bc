package build

import (
	"context"
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"

	"github.com/skiff-containers/skiff/internal/build/dockerfile"
	"github.com/skiff-containers/skiff/internal/engine"
	"github.com/skiff-containers/skiff/internal/imageconfig"
)

// historyComment is what BuildKit writes in the history of a
// Dockerfile's steps; tools that read history know it.
const historyComment = "buildkit.dockerfile.v0"

// defaultPath is the PATH an image gets when its base sets none, as
// BuildKit gives it.
const defaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// stageState is one stage as it builds: the image so far, the config the
// next image gets, and the metadata steps not yet in an image.
type stageState struct {
	b      *builder
	p      dockerfile.Planned
	st     *dockerfile.Stage
	prefix string // "" or "stage-name " for progress

	image    string // the last image; "" for scratch before any layer
	cfg      v1.Config
	author   string
	platform v1.Platform
	pending  []v1.History
	key      string

	args    []string // the stage's ARGs in effect: KEY=VALUE
	cmdSet  bool     // CMD given in this stage (ENTRYPOINT resets an inherited one)
	n       int      // steps shown so far
	total   int
	created time.Time
}

func (b *builder) buildStage(ctx context.Context, p dockerfile.Planned) (string, *v1.ConfigFile, error) {
	st := &b.file.Stages[p.Index]
	s := &stageState{b: b, p: p, st: st, created: time.Now().UTC()}
	if len(b.plan.Stages) > 1 {
		name := st.Name
		if name == "" {
			name = fmt.Sprintf("stage-%d", p.Index)
		}
		s.prefix = name + " "
	}
	s.total = 1
	for _, c := range st.Commands {
		switch c.(type) {
		case *instructions.RunCommand, *instructions.CopyCommand, *instructions.AddCommand, *instructions.WorkdirCommand:
			s.total++
		}
	}
	if err := s.from(ctx); err != nil {
		return "", nil, err
	}
	// The base's ONBUILD triggers run first, as Docker runs them, and do
	// not pass on to this image.
	triggers := s.cfg.OnBuild
	s.cfg.OnBuild = nil
	for _, t := range triggers {
		cmd, err := dockerfile.ParseInstruction(t)
		if err != nil {
			return "", nil, fmt.Errorf("%w: ONBUILD trigger %q of the base image: %v", ErrInvalid, t, err)
		}
		if err := s.dispatch(ctx, cmd); err != nil {
			return "", nil, err
		}
	}
	for _, cmd := range st.Commands {
		if err := s.dispatch(ctx, cmd); err != nil {
			return "", nil, err
		}
	}
	return s.finish(ctx)
}

// from sets the stage's base: an earlier stage, scratch, or an image
// found or pulled as the pull policy says.
func (s *stageState) from(ctx context.Context) error {
	b := s.b
	base := s.p.Base
	if s.p.BaseStage >= 0 {
		base = b.file.Stages[s.p.BaseStage].BaseName
	}
	name := fmt.Sprintf("[%s%d/%d] FROM %s", s.prefix, s.next(), s.total, base)
	step := b.step()
	b.prog.Start(step, name)
	cfg, err := s.base(ctx)
	b.prog.Done(step, err)
	if err != nil {
		return s.fail(name, err)
	}
	s.cfg = imageconfig.Clone(cfg.Config)
	s.author = cfg.Author
	s.platform = v1.Platform{OS: cfg.OS, Architecture: cfg.Architecture, Variant: cfg.Variant}
	if _, ok := imageconfig.LookupEnv(s.cfg.Env, "PATH"); !ok {
		s.cfg.Env = append(s.cfg.Env, defaultPath)
	}
	return nil
}

// base finds the stage's base image and config, and starts its key.
func (s *stageState) base(ctx context.Context) (*v1.ConfigFile, error) {
	b := s.b
	switch {
	case s.p.BaseStage >= 0:
		r, err := b.stage(ctx, s.p.BaseStage)
		if err != nil {
			return nil, err
		}
		s.image, s.key = r.id, chain("image", r.id)
		return r.cfg, nil
	case strings.EqualFold(s.p.Base, "scratch"):
		s.key = chain("scratch", platformString(b.host))
		return &v1.ConfigFile{OS: b.host.OS, Architecture: b.host.Architecture, Variant: b.host.Variant}, nil
	}
	platform := s.p.Platform
	if platform == "" {
		platform = b.o.Platform
	} else if _, _, err := platformArgs(platform); err != nil {
		return nil, err
	}
	id, cfg, err := b.eng.ResolveImage(ctx, engine.ResolveImageOptions{Ref: s.p.Base, Pull: b.o.Pull, Platform: platform})
	if err != nil {
		return nil, err
	}
	s.image, s.key = id, chain("image", id)
	return cfg, nil
}

func (s *stageState) next() int {
	s.n++
	return s.n
}

func (s *stageState) fail(step string, err error) error {
	return &StepError{Step: step, Err: err}
}

// env is what words are expanded with: the stage's ARGs, then its ENV
// (which wins, as in Docker).
func (s *stageState) env() []string {
	return append(slices.Clone(s.args), s.cfg.Env...)
}

// runEnv is a RUN's environment: the image's, and the ARGs the image's
// ENV does not set.
func (s *stageState) runEnv() []string {
	env := slices.Clone(s.cfg.Env)
	for _, a := range s.args {
		k, _, _ := strings.Cut(a, "=")
		if !slices.ContainsFunc(s.cfg.Env, func(e string) bool { return strings.HasPrefix(e, k+"=") }) {
			env = append(env, a)
		}
	}
	return env
}

// dispatch carries out one instruction.
func (s *stageState) dispatch(ctx context.Context, cmd instructions.Command) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	original := commandText(cmd)
	if err := s.b.file.Expand(cmd, s.env()); err != nil {
		return s.fail(original, fmt.Errorf("%w: %v", ErrInvalid, err))
	}
	switch c := cmd.(type) {
	case *instructions.RunCommand:
		return s.run(ctx, c)
	case *instructions.CopyCommand:
		return s.copy(ctx, copyStep{cmd: c, sd: c.SourcesAndDest, from: c.From, chown: c.Chown, chmod: c.Chmod, name: "COPY"})
	case *instructions.AddCommand:
		return s.copy(ctx, copyStep{cmd: c, sd: c.SourcesAndDest, chown: c.Chown, chmod: c.Chmod, checksum: c.Checksum, unpack: c.Unpack == nil || *c.Unpack, name: "ADD"})
	case *instructions.ArgCommand:
		return s.arg(c)
	case *instructions.WorkdirCommand:
		createdBy, err := s.meta(cmd)
		if err != nil {
			return s.fail(original, err)
		}
		return s.workdirStep(ctx, createdBy)
	}
	createdBy, err := s.meta(cmd)
	if err != nil {
		return s.fail(original, err)
	}
	s.metaDone(cmd, createdBy)
	return nil
}

// metaDone records a metadata-only step: it goes into the cache key and
// the next image's history, as an empty layer.
func (s *stageState) metaDone(cmd any, createdBy string) {
	raw, _ := json.Marshal(cmd)
	s.key = chain(s.key, fmt.Sprintf("%T", cmd), string(raw))
	s.pending = append(s.pending, v1.History{Created: v1.Time{Time: s.created}, CreatedBy: createdBy, Comment: historyComment, EmptyLayer: true})
}

// meta applies a metadata instruction to the config and returns its
// history's created_by, as BuildKit writes it.
func (s *stageState) meta(cmd instructions.Command) (string, error) {
	cfg := &s.cfg
	switch c := cmd.(type) {
	case *instructions.EnvCommand:
		var parts []string
		for _, kv := range c.Env {
			cfg.Env = imageconfig.SetEnv(cfg.Env, kv.Key, kv.Value)
			parts = append(parts, kv.Key+"="+kv.Value)
		}
		return "ENV " + strings.Join(parts, " "), nil
	case *instructions.LabelCommand:
		var parts []string
		for _, kv := range c.Labels {
			if cfg.Labels == nil {
				cfg.Labels = map[string]string{}
			}
			cfg.Labels[kv.Key] = kv.Value
			parts = append(parts, kv.Key+"="+kv.Value)
		}
		return "LABEL " + strings.Join(parts, " "), nil
	case *instructions.MaintainerCommand:
		s.author = c.Maintainer
		return "MAINTAINER " + c.Maintainer, nil
	case *instructions.WorkdirCommand:
		wd := c.Path
		if !path.IsAbs(wd) {
			base := cfg.WorkingDir
			if base == "" {
				base = "/"
			}
			wd = path.Join(base, wd)
		}
		cfg.WorkingDir = path.Clean(wd)
		return "WORKDIR " + cfg.WorkingDir, nil
	case *instructions.UserCommand:
		cfg.User = c.User
		return "USER " + c.User, nil
	case *instructions.ExposeCommand:
		var ports []string
		for _, p := range c.Ports {
			for _, one := range strings.Fields(p) {
				if !strings.Contains(one, "/") {
					one += "/tcp"
				}
				if cfg.ExposedPorts == nil {
					cfg.ExposedPorts = map[string]struct{}{}
				}
				cfg.ExposedPorts[one] = struct{}{}
				ports = append(ports, one)
			}
		}
		return "EXPOSE " + strings.Join(ports, " "), nil
	case *instructions.VolumeCommand:
		for _, v := range c.Volumes {
			if v == "" {
				return "", fmt.Errorf("%w: VOLUME specified can not be an empty string", ErrInvalid)
			}
			if cfg.Volumes == nil {
				cfg.Volumes = map[string]struct{}{}
			}
			cfg.Volumes[v] = struct{}{}
		}
		return fmt.Sprintf("VOLUME %q", c.Volumes), nil
	case *instructions.CmdCommand:
		cfg.Cmd = s.cmdline(c.ShellDependantCmdLine)
		s.cmdSet = true
		return fmt.Sprintf("CMD %q", cfg.Cmd), nil
	case *instructions.EntrypointCommand:
		cfg.Entrypoint = s.cmdline(c.ShellDependantCmdLine)
		if !s.cmdSet {
			cfg.Cmd = nil
		}
		return fmt.Sprintf("ENTRYPOINT %q", cfg.Entrypoint), nil
	case *instructions.ShellCommand:
		cfg.Shell = slices.Clone(c.Shell)
		return fmt.Sprintf("SHELL %q", c.Shell), nil
	case *instructions.StopSignalCommand:
		cfg.StopSignal = c.Signal
		return "STOPSIGNAL " + c.Signal, nil
	case *instructions.HealthCheckCommand:
		h := c.Health
		if len(h.Test) > 0 && h.Test[0] == "NONE" {
			cfg.Healthcheck = &v1.HealthConfig{Test: []string{"NONE"}}
		} else {
			cfg.Healthcheck = &v1.HealthConfig{Test: slices.Clone(h.Test), Interval: h.Interval, Timeout: h.Timeout, StartPeriod: h.StartPeriod, Retries: h.Retries}
		}
		return fmt.Sprintf("HEALTHCHECK &{%q %q %q %q %d}", h.Test, h.Interval, h.Timeout, h.StartPeriod, h.Retries), nil
	case *instructions.OnbuildCommand:
		cfg.OnBuild = append(cfg.OnBuild, c.Expression)
		return "ONBUILD " + c.Expression, nil
	}
	return "", fmt.Errorf("%w: %s is not supported", ErrInvalid, commandText(cmd))
}

// arg declares build args: a --build-arg value wins over the default,
// and a bare ARG of a global ARG takes the global value.
func (s *stageState) arg(c *instructions.ArgCommand) error {
	var parts []string
	for _, kv := range c.Args {
		v, ok := s.b.args[kv.Key]
		if !ok && kv.Value != nil {
			v, ok = *kv.Value, true
		}
		if !ok {
			v, ok = imageconfig.LookupEnv(s.b.plan.MetaArgs, kv.Key)
		}
		if !ok {
			if bv, isBuiltin := s.b.builtin[kv.Key]; isBuiltin {
				v, ok = bv, true
			}
		}
		if !ok {
			parts = append(parts, kv.Key)
			continue
		}
		s.args = imageconfig.SetEnv(s.args, kv.Key, v)
		parts = append(parts, kv.Key+"="+v)
	}
	s.metaDone(struct {
		Args []string
	}{parts}, "ARG "+strings.Join(parts, " "))
	return nil
}

// cmdline is CMD's or ENTRYPOINT's argv: the shell form runs in the
// stage's shell.
func (s *stageState) cmdline(c instructions.ShellDependantCmdLine) []string {
	if !c.PrependShell {
		return slices.Clone(c.CmdLine)
	}
	return append(s.shell(), strings.Join(c.CmdLine, " "))
}

func (s *stageState) shell() []string {
	if len(s.cfg.Shell) > 0 {
		return slices.Clone(s.cfg.Shell)
	}
	return []string{"/bin/sh", "-c"}
}

// finish makes the stage's image: its last image, with the metadata
// steps after it (and, for the target, --label) in one more image
// without a layer.
func (s *stageState) finish(ctx context.Context) (string, *v1.ConfigFile, error) {
	b := s.b
	if s.p.Index == b.plan.Target && len(b.o.Labels) > 0 {
		labels := slices.Clone(b.o.Labels)
		sort.Strings(labels)
		for _, l := range labels {
			k, v, _ := strings.Cut(l, "=")
			if s.cfg.Labels == nil {
				s.cfg.Labels = map[string]string{}
			}
			s.cfg.Labels[k] = v
		}
		s.key = chain(s.key, "--label", strings.Join(labels, "\x00"))
	}
	cf := &v1.ConfigFile{Config: s.cfg, Author: s.author, OS: s.platform.OS, Architecture: s.platform.Architecture, Variant: s.platform.Variant}
	if len(s.pending) == 0 && s.image != "" && !(s.p.Index == b.plan.Target && len(b.o.Labels) > 0) {
		return s.image, cf, nil
	}
	key := chain(s.key, "finish")
	if id, ok := b.cached(ctx, key); ok {
		return id, cf, nil
	}
	base := s.image
	if base == "" {
		base = "scratch"
	}
	id, err := b.eng.Mutate(ctx, engine.MutateOptions{Base: base, Config: &s.cfg, History: s.pending, Author: s.author, Platform: platformString(s.platform), Intermediate: true})
	if err != nil {
		return "", nil, fmt.Errorf("stage %s: %w", strings.TrimSpace(s.prefix), err)
	}
	if err := b.cache.put(key, id); err != nil {
		return "", nil, err
	}
	return id, cf, nil
}

// cached finds a step's image in the cache (never with --no-cache).
func (b *builder) cached(ctx context.Context, key string) (string, bool) {
	if b.o.NoCache {
		return "", false
	}
	id, ok := b.cache.get(key)
	if !ok {
		return "", false
	}
	if _, _, err := b.eng.ImageConfig(ctx, id); err != nil {
		return "", false
	}
	return id, true
}

// baseImage is an image to run or copy into: the last one, or for
// scratch an empty image made once.
func (s *stageState) baseImage(ctx context.Context) (string, error) {
	if s.image != "" {
		return s.image, nil
	}
	id, err := s.b.eng.Mutate(ctx, engine.MutateOptions{Base: "scratch", Platform: platformString(s.platform), Intermediate: true})
	if err != nil {
		return "", err
	}
	s.image = id
	return id, nil
}

// layerDone records a step that made an image.
func (s *stageState) layerDone(key, id string) error {
	s.image, s.key, s.pending = id, key, nil
	return s.b.cache.put(key, id)
}

// history is the history of a step's image: the pending metadata steps
// and the step.
func (s *stageState) history(createdBy string) []v1.History {
	return append(slices.Clone(s.pending), v1.History{Created: v1.Time{Time: time.Now().UTC()}, CreatedBy: createdBy, Comment: historyComment})
}

func commandText(cmd instructions.Command) string {
	if st, ok := cmd.(fmt.Stringer); ok {
		return st.String()
	}
	return cmd.Name()
}
