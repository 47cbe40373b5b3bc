// Package engine is skiff's container engine: every container, image,
// network and limits verb, with typed options, context first, typed errors
// and streams as io.Reader/io.Writer. The front ends (the CLI, build's RUN
// steps, compose, the Docker-API server, kube play) map their input to
// these options and render the results; none of them reaches below this
// package.
//
// A program that stores layers through it (Pull, Import, Mutate, Commit)
// calls go.podman.io/storage/pkg/reexec.Init first thing in main, as
// skiff's does: layers are unpacked in a re-executed child.
package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/skiff-containers/skiff/internal/buildinfo"
	"github.com/skiff-containers/skiff/internal/config"
	"github.com/skiff-containers/skiff/internal/container"
	"github.com/skiff-containers/skiff/internal/fserr"
	"github.com/skiff-containers/skiff/internal/imagestore"
	"github.com/skiff-containers/skiff/internal/lifecycle"
	"github.com/skiff-containers/skiff/internal/network"
	"github.com/skiff-containers/skiff/internal/registry"
	"github.com/skiff-containers/skiff/internal/userns"
)

// Options say where the engine keeps its state and how it runs skiff
// again. Empty fields take the user's defaults.
type Options struct {
	// GraphRoot holds images, layers and containers; RunRoot the state
	// that goes at reboot. Defaults: ~/.local/share/skiff and
	// $XDG_RUNTIME_DIR/skiff (/var/lib/skiff, /run/skiff as root).
	GraphRoot, RunRoot string
	// ConfigFile is config.toml; default ~/.config/skiff/config.toml
	// (/etc/skiff/config.toml as root). A file named here must exist.
	ConfigFile string
	// Driver forces "overlay" or "vfs" over the configuration's choice.
	Driver string
	// Env looks up the caller's environment (HOME, XDG_*) for the
	// default paths; nil means none is set. The engine reads no ambient
	// environment of its own.
	Env func(string) string
	// Executable is skiff's own binary: container monitors run it again
	// (a --rm clean-up, a restart by policy), and systemd units name it.
	// Default: this process's executable.
	Executable string
	// Warn receives warnings (nil: dropped).
	Warn func(string)
	// Unit is the systemd unit the caller runs under ($INVOCATION_ID,
	// $NOTIFY_SOCKET): the supervisor then stays the unit's main process
	// and tells systemd when the container is ready.
	Unit lifecycle.Unit
}

// Engine is an open store with everything that acts on it. It is not safe
// for concurrent use by several goroutines; open one per request.
type Engine struct {
	paths          config.Paths
	cfg            config.Config
	images         *imagestore.Store
	m              *lifecycle.Manager
	warn           func(string)
	explicitConfig bool
}

// Unit is the systemd unit a caller runs under.
type Unit = lifecycle.Unit

// Paths are where an engine keeps its state.
type Paths = config.Paths

// ResolvePaths computes the directories Open would use, without opening
// anything.
func ResolvePaths(o Options) (Paths, error) {
	env := o.Env
	if env == nil {
		env = func(string) string { return "" }
	}
	p, err := config.DefaultPaths(env, userns.HostUID())
	if err != nil && o.GraphRoot == "" {
		return Paths{}, Invalid("GraphRoot", "", err.Error())
	}
	if o.GraphRoot != "" {
		if p.GraphRoot, err = filepath.Abs(o.GraphRoot); err != nil {
			return Paths{}, err
		}
		if p.RunRoot == "" {
			p.RunRoot = filepath.Join(os.TempDir(), fmt.Sprintf("skiff-run-%d", userns.HostUID()))
		}
	}
	if o.RunRoot != "" {
		if p.RunRoot, err = filepath.Abs(o.RunRoot); err != nil {
			return Paths{}, err
		}
	}
	if o.ConfigFile != "" {
		if _, err := os.Stat(o.ConfigFile); err != nil {
			return Paths{}, Invalid("ConfigFile", o.ConfigFile, fserr.Cause(err).Error())
		}
		if p.ConfigFile, err = filepath.Abs(o.ConfigFile); err != nil {
			return Paths{}, err
		}
	}
	return p, nil
}

// LoadConfig reads the configuration file Open would use.
func LoadConfig(o Options) (config.Config, error) {
	p, err := ResolvePaths(o)
	if err != nil {
		return config.Config{}, err
	}
	c, err := config.Load(p.ConfigFile)
	if err != nil {
		return config.Config{}, &kindError{kinds: []error{ErrInvalid}, err: err}
	}
	return c, nil
}

// Open opens the store: a rootless skiff is already in its user namespace
// (internal/userns entered it before main), and the run root must be the
// user's own.
func Open(ctx context.Context, o Options) (*Engine, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p, err := ResolvePaths(o)
	if err != nil {
		return nil, err
	}
	cfg, err := LoadConfig(o)
	if err != nil {
		return nil, err
	}
	driver := o.Driver
	if driver == "" {
		driver = cfg.Storage.Driver
	}
	if driver != "" && driver != "overlay" && driver != "vfs" {
		return nil, Invalid("Driver", driver, "not supported: use overlay or vfs")
	}
	warn := o.Warn
	if warn == nil {
		warn = func(string) {}
	}
	// The constructor's refusal of a run root that is not the user's
	// names the real ids, so it goes first.
	if err := userns.Enter(warn); err != nil {
		return nil, err
	}
	if err := config.EnsurePrivateDir(p.RunRoot, os.Getuid()); err != nil {
		return nil, err
	}
	st, err := imagestore.Open(imagestore.Options{
		GraphRoot:      p.GraphRoot,
		RunRoot:        p.RunRoot,
		Driver:         driver,
		SingleMapping:  userns.CurrentMode() == userns.ModeSingle,
		Rootless:       userns.Rootless(),
		AutoUserNsUser: cfg.Storage.AutoUsernsUser,
	})
	if err != nil {
		return nil, err
	}
	self := o.Executable
	if self == "" {
		if self, err = os.Executable(); err != nil {
			st.Close()
			return nil, err
		}
	}
	// skiff on this very store, with absolute paths: what the monitor
	// runs when a container exits (removal for --rm, a start again for a
	// restart policy), and what a systemd unit runs.
	again := []string{self, "--root", p.GraphRoot, "--runroot", p.RunRoot, "--storage-driver", st.Driver()}
	if o.ConfigFile != "" {
		again = append(again, "--config", p.ConfigFile)
	}
	var reg string
	if userns.Rootless() {
		reg = userns.Registry(p.RunRoot)
	}
	e := &Engine{paths: p, cfg: cfg, images: st, warn: warn, explicitConfig: o.ConfigFile != ""}
	e.m = &lifecycle.Manager{
		Warn:              warn,
		Unit:              o.Unit,
		Networks:          network.NewStore(filepath.Join(p.GraphRoot, "networks")),
		NetRunRoot:        filepath.Join(p.RunRoot, "networks"),
		UsernsRegistry:    reg,
		Images:            st,
		Containers:        container.NewStore(st.Storage()),
		Rootless:          userns.Rootless(),
		SingleMapping:     userns.CurrentMode() == userns.ModeSingle,
		Self:              again,
		Cleanup:           append(again[:len(again):len(again)], "rm", "-f"),
		Restarter:         append(again[:len(again):len(again)], "start"),
		AllowHostLoopback: cfg.Network.AllowHostLoopback,
	}
	return e, nil
}

// Close releases the store.
func (e *Engine) Close() error {
	if e == nil || e.images == nil {
		return nil
	}
	return e.images.Close()
}

// Paths are the directories this engine uses.
func (e *Engine) Paths() Paths { return e.paths }

// Config is the configuration file's content.
func (e *Engine) Config() config.Config { return e.cfg }

// registry is a client with the configuration's insecure registries.
func (e *Engine) registry() *registry.Client {
	c := registry.New(e.cfg.IsInsecure)
	c.UserAgent = "skiff/" + buildinfo.Version
	return c
}
