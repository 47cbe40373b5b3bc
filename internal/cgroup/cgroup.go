// Package cgroup decides where a container's cgroup goes and which
// controllers it may use there: skiff's own tree as root; when rootless
// on cgroup v2, a scope of the user's systemd manager, else the user's
// delegated subtree. libcontainer creates the cgroup and applies the
// limits; this package only finds the place.
package cgroup

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/opencontainers/cgroups"
	"golang.org/x/sys/unix"

	"github.com/skiff-containers/skiff/internal/resources"
)

// v2 is the pseudo-controller of every cgroup v2 cgroup, which raw
// settings (--cgroup-conf) need.
const v2 = resources.Unified

// Mountpoint is where the cgroup file system is.
const Mountpoint = "/sys/fs/cgroup"

// leafName is the child a delegated cgroup's own processes move into, so
// that the cgroup may hand controllers to its children (cgroup v2 lets
// only a cgroup without processes do that).
const leafName = "init"

// Placement is where a container's cgroup goes.
type Placement struct {
	// Path is the cgroup path for the runtime spec; empty when the
	// container gets no cgroup of its own and its limits cannot apply.
	Path string
	// Systemd says Path is a systemd scope ("slice:prefix:name") for
	// libcontainer's systemd driver to ask the user manager for.
	Systemd bool
	// Controllers are those its cgroup can use; nil means every one the
	// host has (root).
	Controllers map[string]bool
	// Delegated is the cgroup whose subtree holds the containers'
	// (rootless): the user manager's with Systemd.
	Delegated string
	// Why says why there is no Path.
	Why error
}

// Unified reports whether the host has the cgroup v2 hierarchy alone.
func Unified() bool { return cgroups.IsCgroup2UnifiedMode() }

// Place finds the cgroup of container id. As root it is /skiff/ID in
// every hierarchy, v1 or v2. Rootless on cgroup v2 it is the scope
// skiff-ID.scope of the user's systemd manager when the manager answers
// on the session bus. Otherwise it is skiff/ID under the nearest cgroup
// v2 directory delegated to the user (owned by them) that can have
// children with controllers: the parent of the caller's cgroup when the
// user owns it, else the caller's cgroup itself, whose processes then
// move into a leaf child (as systemd and other runtimes do).
func Place(rootless bool, id string) Placement {
	if !rootless {
		p := Placement{Path: "/skiff/" + id}
		if !Unified() {
			// v1 has every classic controller but no raw v2 settings.
			p.Controllers = map[string]bool{"memory": true, "cpu": true, "cpuset": true, "pids": true, "io": true}
		}
		return p
	}
	if !Unified() {
		return Placement{Why: errors.New("this host uses cgroup v1 (or a hybrid layout), which gives users no cgroup subtree of their own")}
	}
	p, noManager := systemdPlace(id)
	if noManager == nil {
		return p
	}
	self, err := Self()
	if err != nil {
		return Placement{Why: err}
	}
	base, err := delegatedBase(self)
	if err != nil {
		return Placement{Why: fmt.Errorf("%w; no systemd user manager to ask either: %v", err, noManager)}
	}
	ctrls, err := Controllers(base)
	if err != nil {
		return Placement{Why: err}
	}
	ctrls[v2] = true
	return Placement{Path: filepath.Join(base, "skiff", id), Controllers: ctrls, Delegated: base}
}

// Self is the caller's cgroup v2 path, from /proc/self/cgroup.
func Self() (string, error) {
	return Of("self")
}

// Of is the cgroup v2 path of process pid ("self" for the caller).
func Of(pid string) (string, error) {
	data, err := os.ReadFile("/proc/" + pid + "/cgroup")
	if err != nil {
		return "", err
	}
	for _, l := range strings.Split(string(data), "\n") {
		if p, ok := strings.CutPrefix(l, "0::"); ok {
			return p, nil
		}
	}
	return "", fmt.Errorf("process %s is in no cgroup v2", pid)
}

// Controllers are the controllers a cgroup has (those its parent enabled
// for it), which its children can be given.
func Controllers(path string) (map[string]bool, error) {
	data, err := os.ReadFile(filepath.Join(Mountpoint, path, "cgroup.controllers"))
	if err != nil {
		return nil, fmt.Errorf("controllers of cgroup %s: %w", path, err)
	}
	m := map[string]bool{}
	for _, c := range strings.Fields(string(data)) {
		m[c] = true
	}
	return m, nil
}

func delegatedBase(self string) (string, error) {
	if !owned(self) {
		return "", fmt.Errorf("your cgroup %s is not delegated to you: run skiff in a cgroup you own (systemd-run --user --scope -p Delegate=yes, or a unit with Delegate=yes)", self)
	}
	// A slice is systemd's (a user manager's, owned by the user): its
	// children are units, not a place for others' cgroups.
	if parent := filepath.Dir(self); parent != "/" && owned(parent) && empty(parent) && !strings.HasSuffix(parent, ".slice") {
		return parent, nil
	}
	if err := moveToLeaf(self); err != nil {
		return "", fmt.Errorf("make room for containers in cgroup %s: %w", self, err)
	}
	return self, nil
}

// owned reports whether the caller may create children of a cgroup and
// move processes within it.
func owned(path string) bool {
	dir := filepath.Join(Mountpoint, path)
	for _, p := range []string{dir, filepath.Join(dir, "cgroup.procs"), filepath.Join(dir, "cgroup.subtree_control")} {
		if unix.Access(p, unix.W_OK) != nil {
			return false
		}
	}
	return true
}

func empty(path string) bool {
	data, err := os.ReadFile(filepath.Join(Mountpoint, path, "cgroup.procs"))
	return err == nil && len(strings.TrimSpace(string(data))) == 0
}

// moveToLeaf moves the processes of cgroup path into its leaf child. A
// process forked meanwhile lands in path too, so it repeats until path is
// empty.
func moveToLeaf(path string) error {
	dir := filepath.Join(Mountpoint, path)
	leaf := filepath.Join(dir, leafName)
	if err := os.Mkdir(leaf, 0o755); err != nil && !os.IsExist(err) {
		return err
	}
	for range 10 {
		data, err := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
		if err != nil {
			return err
		}
		pids := strings.Fields(string(data))
		if len(pids) == 0 {
			return nil
		}
		for _, pid := range pids {
			if _, err := strconv.Atoi(pid); err != nil {
				continue
			}
			err := os.WriteFile(filepath.Join(leaf, "cgroup.procs"), []byte(pid), 0)
			// A process that exited meanwhile is gone already.
			if err != nil && !errors.Is(err, unix.ESRCH) {
				return err
			}
		}
	}
	return fmt.Errorf("processes keep appearing in it")
}
