// Package config finds skiff's directories and reads its configuration file.
package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/BurntSushi/toml"
)

// Paths are the directories skiff keeps its state in.
type Paths struct {
	GraphRoot  string // images, layers, containers: survives reboots
	RunRoot    string // locks and runtime state: gone at reboot
	ConfigFile string // the user's config.toml (may not exist)
}

// Env reads an environment variable; tests pass a map's lookup.
type Env func(string) string

// DefaultPaths computes the directories for a user. uid is the real user id
// outside any user namespace skiff made for itself.
func DefaultPaths(getenv Env, uid int) (Paths, error) {
	if uid == 0 {
		return Paths{
			GraphRoot:  "/var/lib/skiff",
			RunRoot:    "/run/skiff",
			ConfigFile: "/etc/skiff/config.toml",
		}, nil
	}
	home := getenv("HOME")
	dataHome := getenv("XDG_DATA_HOME")
	if dataHome == "" {
		if home == "" {
			return Paths{}, errors.New("HOME is not set: set HOME or XDG_DATA_HOME, or pass --root DIR")
		}
		dataHome = filepath.Join(home, ".local", "share")
	}
	configHome := getenv("XDG_CONFIG_HOME")
	if configHome == "" && home != "" {
		configHome = filepath.Join(home, ".config")
	}
	p := Paths{GraphRoot: filepath.Join(dataHome, "skiff")}
	if configHome != "" {
		p.ConfigFile = filepath.Join(configHome, "skiff", "config.toml")
	}
	if rt := getenv("XDG_RUNTIME_DIR"); rt != "" {
		p.RunRoot = filepath.Join(rt, "skiff")
	} else {
		p.RunRoot = filepath.Join(os.TempDir(), "skiff-run-"+strconv.Itoa(uid))
	}
	return p, nil
}

// EnsurePrivateDir creates dir with mode 0700 if missing and refuses one
// that is a symbolic link, not a directory, or another user's: the /tmp
// fallback for the run root is shared ground. A rootless skiff's
// constructor (internal/userns) has checked the same before it touched
// anything in dir; this guards root and the cases it does not run in.
func EnsurePrivateDir(dir string, uid int) error {
	if err := os.MkdirAll(filepath.Dir(dir), 0o700); err != nil {
		return fmt.Errorf("create %s: %w", filepath.Dir(dir), err)
	}
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s is not a directory (a symbolic link or another file is in its place): remove it, or set XDG_RUNTIME_DIR or --runroot to a directory of your own", dir)
	}
	if owner, ok := ownerOf(fi); ok && owner != uid && uid >= 0 {
		return fmt.Errorf("%s belongs to uid %d, not to you (uid %d): remove it, or set XDG_RUNTIME_DIR or --runroot to a directory of your own", dir, owner, uid)
	}
	return nil
}

// Config is the content of config.toml.
type Config struct {
	Registries Registries `toml:"registries"`
	Storage    Storage    `toml:"storage"`
	Network    Network    `toml:"network"`
}

// Network configures containers' networks.
type Network struct {
	// AllowHostLoopback lets containers on slirp4netns reach the host's
	// loopback services at 10.0.2.2 unless --network says otherwise. Off
	// by default: those services (a local registry, other users'
	// -p 127.0.0.1: ports) are not meant for containers.
	AllowHostLoopback bool `toml:"allow_host_loopback"`
}

// Registries configures registry access.
type Registries struct {
	// Insecure lists registries (host[:port]) that may be reached over plain
	// HTTP or with unverified TLS. Loopback registries never need listing.
	Insecure []string `toml:"insecure"`
}

// Storage configures the image store.
type Storage struct {
	// Driver forces a storage driver ("overlay" or "vfs"); empty picks the
	// best one that works.
	Driver string `toml:"driver"`
	// AutoUsernsUser owns the subordinate ids (in /etc/subuid and
	// /etc/subgid) that --userns=auto hands out as root; empty is
	// "containers", as in podman.
	AutoUsernsUser string `toml:"auto_userns_user"`
}

// Load reads path; a missing file is an empty configuration.
func Load(path string) (Config, error) {
	var c Config
	if path == "" {
		return c, nil
	}
	md, err := toml.DecodeFile(path, &c)
	if errors.Is(err, os.ErrNotExist) {
		return Config{}, nil
	}
	if err != nil {
		return Config{}, fmt.Errorf("config file %s: %w", path, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		return Config{}, fmt.Errorf("config file %s: unknown key %q", path, und[0].String())
	}
	switch c.Storage.Driver {
	case "", "overlay", "vfs":
	default:
		return Config{}, fmt.Errorf("config file %s: storage driver %q is not supported: use \"overlay\" or \"vfs\"", path, c.Storage.Driver)
	}
	return c, nil
}

// IsInsecure reports whether host is listed as insecure.
func (c Config) IsInsecure(host string) bool {
	for _, h := range c.Registries.Insecure {
		if h == host {
			return true
		}
	}
	return false
}
