package engine

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/skiff-containers/skiff/internal/container"
	"github.com/skiff-containers/skiff/internal/imageconfig"
	"github.com/skiff-containers/skiff/internal/lifecycle"
)

// CommitOptions are a container to make an image of.
type CommitOptions struct {
	Container string // name or id
	// Ref is REPOSITORY[:TAG] for the image; "" leaves it unnamed.
	Ref string
	// Author and Message are recorded in the image and its history.
	Author, Message string
	// Changes are Dockerfile instructions (CMD, ENV, ...) applied to the
	// config, in order.
	Changes []string
	// Config, when set, is the image's config instead of the container's
	// (a build's); Changes apply on top.
	Config *v1.Config
	// CreatedBy is the history's created_by; "" is Docker's, the
	// container's command.
	CreatedBy string
	// History, when set, replaces the entry Author, CreatedBy and
	// Message make: as MutateOptions.History (a build's metadata-only
	// steps, then the step that made the layer).
	History []v1.History
	// Intermediate marks a build step's image (see MutateOptions).
	Intermediate bool
}

// Commit makes an image of a container's changes to its image's file
// system, stopped or running, and returns its id. As in Docker, the config
// is the container's (its command, environment, working directory, user,
// labels, ports on top of its image's), what the runs mounted (volumes, and
// the files skiff mounts itself such as /etc/hosts) is not part of it, and
// a container that changed nothing adds no layer.
func (e *Engine) Commit(ctx context.Context, o CommitOptions) (string, error) {
	names, err := optionalTag("Ref", o.Ref)
	if err != nil {
		return "", err
	}
	// Refused before anything is read.
	if err := applyChanges(&v1.Config{}, o.Changes); err != nil {
		return "", err
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	c, err := e.lookup(o.Container)
	if err != nil {
		return "", err
	}
	if err := c.CheckComplete(); err != nil {
		return "", err
	}
	img, err := e.images.Lookup(c.ImageID)
	if err != nil {
		return "", fmt.Errorf("commit %s: its image: %w", c.Name, classify(err))
	}
	base, err := e.images.Config(img.ID)
	if err != nil {
		return "", classify(err)
	}
	cfg := committedConfig(base.Config, &c.Config)
	if o.Config != nil {
		cfg = imageconfig.Clone(*o.Config)
	}
	if err := applyChanges(&cfg, o.Changes); err != nil {
		return "", err
	}
	createdBy := o.CreatedBy
	if createdBy == "" {
		createdBy = strings.Join(c.Cmd, " ")
	}
	history := o.History
	if len(history) == 0 {
		history = []v1.History{{Author: o.Author, CreatedBy: createdBy, Comment: o.Message}}
	}
	// The run's own mount points, and those of its -v and --tmpfs, are
	// not the container's changes.
	omit := lifecycle.MountPoints()
	for _, m := range c.Config.Mounts {
		omit = append(omit, m.Destination)
	}
	diff, err := e.m.Containers.Diff(c, omit)
	if err != nil {
		return "", classify(err)
	}
	defer diff.Close()
	out, err := mutate(e.images, mutation{
		baseTop: img.TopLayer, base: *base, layer: contextReader{ctx, diff}, config: &cfg,
		history:      history,
		author:       o.Author,
		platform:     v1.Platform{OS: base.OS, Architecture: base.Architecture, Variant: base.Variant},
		names:        names,
		intermediate: o.Intermediate,
	})
	if err != nil {
		return "", fmt.Errorf("commit %s: %w", c.Name, classify(err))
	}
	return out.ID, nil
}

// committedConfig is the config Docker's commit records: the image's, with
// what the container was created with in its place.
func committedConfig(image v1.Config, c *container.Config) v1.Config {
	cfg := imageconfig.Clone(image)
	cfg.Cmd, cfg.Entrypoint = slices.Clone(c.Cmd), slices.Clone(c.Entrypoint)
	cfg.Env = slices.Clone(c.Env)
	cfg.WorkingDir, cfg.User = c.WorkingDir, c.User
	cfg.Labels = maps.Clone(c.Labels)
	if c.StopSignal != "" {
		cfg.StopSignal = c.StopSignal
	}
	cfg.ExposedPorts = nil
	for _, p := range c.ExposedPorts {
		if cfg.ExposedPorts == nil {
			cfg.ExposedPorts = map[string]struct{}{}
		}
		cfg.ExposedPorts[p] = struct{}{}
	}
	return cfg
}

// Mount mounts a container's root file system in this process's mount
// namespace and returns its path, for a builder to write files into a
// container before it commits it. Files there are as the store keeps them:
// for a container with a user namespace of its own (Userns auto), owned by
// the ids it maps to. Unmount, Remove or the end of the process undoes it.
func (e *Engine) Mount(ctx context.Context, ref string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	c, err := e.lookup(ref)
	if err != nil {
		return "", err
	}
	if err := c.CheckComplete(); err != nil {
		return "", err
	}
	p, err := e.m.Containers.Mount(c)
	return p, classify(err)
}

// Unmount undoes Mount.
func (e *Engine) Unmount(ctx context.Context, ref string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c, err := e.lookup(ref)
	if err != nil {
		return err
	}
	return classify(e.m.Containers.Unmount(c))
}
