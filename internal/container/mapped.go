package container

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// A container with a user namespace of its own (--userns=auto, as root)
// runs as an unprivileged host id, which cannot reach its root file system
// in the store: the graph root is private to root, and must stay so, or
// every local user could read running containers' files. The mounted root
// is bound instead to <runroot>/idmapped/ID/rootfs, where ID is owned by
// the container's root with mode 0700: the run root and idmapped/ only let
// others pass (mode 0701), and ID lets in no one else. Docker's
// userns-remap lays out /var/lib/docker the same way.

const mappedBase = "idmapped"

// mappedDir is the container's own directory below the run root.
func (cs *Store) mappedDir(c *Container) string {
	return filepath.Join(cs.s.RunRoot(), mappedBase, c.ID)
}

// MappedRoot is where a container with its own user namespace finds the
// root file system mounted at rootfs; for any other container, rootfs.
func (cs *Store) MappedRoot(c *Container, rootfs string) (string, error) {
	if len(c.UIDMap) == 0 {
		return rootfs, nil
	}
	uid, gid, ok := mappedRoot(c)
	if !ok {
		return "", fmt.Errorf("container %s: its user namespace maps no root", c.Name)
	}
	runRoot := cs.s.RunRoot()
	if err := searchable(filepath.Dir(runRoot)); err != nil {
		return "", fmt.Errorf("--userns=auto: the container's root (uid %d) cannot reach the run root %s: %w", uid, runRoot, err)
	}
	base := filepath.Join(runRoot, mappedBase)
	for _, d := range []string{runRoot, base} {
		if err := passOnly(d); err != nil {
			return "", err
		}
	}
	dir := cs.mappedDir(c)
	target := filepath.Join(dir, "rootfs")
	// A supervisor killed before its monitor unmounted leaves a bind.
	_ = unix.Unmount(target, unix.MNT_DETACH)
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return "", err
	}
	if err := os.Lchown(dir, uid, gid); err != nil {
		return "", err
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return "", err
	}
	if err := os.Mkdir(target, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return "", err
	}
	if err := unix.Mount(rootfs, target, "", unix.MS_BIND, ""); err != nil {
		return "", fmt.Errorf("bind the root file system of %s for its user namespace: %w", c.Name, err)
	}
	// Its unmount at the container's end must not travel to peers.
	_ = unix.Mount("", target, "", unix.MS_PRIVATE, "")
	return target, nil
}

// unmountMapped undoes MappedRoot. The directories go only once nothing
// is mounted there: os.Remove refuses a directory that still has files.
func (cs *Store) unmountMapped(c *Container) {
	if len(c.UIDMap) == 0 {
		return
	}
	dir := cs.mappedDir(c)
	target := filepath.Join(dir, "rootfs")
	_ = unix.Unmount(target, unix.MNT_DETACH)
	_ = os.Remove(target)
	_ = os.Remove(dir)
}

// mappedRoot is the host uid and gid that are root in the container.
func mappedRoot(c *Container) (int, int, bool) {
	uid, gid := -1, -1
	for _, m := range c.UIDMap {
		if m.ContainerID == 0 {
			uid = int(m.HostID)
		}
	}
	for _, m := range c.GIDMap {
		if m.ContainerID == 0 {
			gid = int(m.HostID)
		}
	}
	return uid, gid, uid >= 0 && gid >= 0
}

// passOnly makes dir, a directory of root's, searchable by others but not
// readable: they may pass to a name they know, not list or open what is
// there. Everything the run root holds is 0700 already.
func passOnly(dir string) error {
	if err := os.Mkdir(dir, 0o701); err != nil && !errors.Is(err, os.ErrExist) {
		return err
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s is not a directory", dir)
	}
	if fi.Mode().Perm() != 0o701 {
		return os.Chmod(dir, 0o701)
	}
	return nil
}

// searchable checks that others may pass through dir and every directory
// above it.
func searchable(dir string) error {
	for p := dir; ; p = filepath.Dir(p) {
		fi, err := os.Stat(p)
		if err != nil {
			return err
		}
		if fi.Mode().Perm()&0o001 == 0 {
			return fmt.Errorf("%s is not searchable by other users: give it o+x, or use a --runroot whose parents are (such as /run/skiff)", p)
		}
		if p == filepath.Dir(p) {
			return nil
		}
	}
}
