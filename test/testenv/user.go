package testenv

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"strconv"
	"strings"
	"syscall"
)

// User is an account skiff runs as in tests.
type User struct {
	Name     string
	UID, GID int
}

// EnsureUser creates a system user if missing. With subIDs it also gets a
// 65536-id subordinate range starting at subStart in /etc/subuid and
// /etc/subgid; without, any ranges it has are removed.
func EnsureUser(name string, subIDs bool, subStart int) (User, error) {
	if _, err := user.Lookup(name); err != nil {
		if out, err := exec.Command("useradd", "--no-create-home", "--home-dir", "/nonexistent", "--shell", "/bin/sh", "--no-user-group", "--gid", "nogroup", name).CombinedOutput(); err != nil {
			// Fall back to a private group where nogroup is missing.
			if out2, err2 := exec.Command("useradd", "--no-create-home", "--home-dir", "/nonexistent", "--shell", "/bin/sh", "--user-group", name).CombinedOutput(); err2 != nil {
				return User{}, fmt.Errorf("useradd %s: %v: %s %s", name, err, out, out2)
			}
		}
	}
	u, err := user.Lookup(name)
	if err != nil {
		return User{}, err
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	for _, f := range []string{"/etc/subuid", "/etc/subgid"} {
		if err := setSubIDs(f, name, subIDs, subStart); err != nil {
			return User{}, err
		}
	}
	return User{Name: name, UID: uid, GID: gid}, nil
}

// setSubIDs rewrites the user's lines in an /etc/sub?id file.
func setSubIDs(path, name string, want bool, start int) error {
	data, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	var keep []string
	for _, line := range strings.Split(string(data), "\n") {
		if line == "" || strings.HasPrefix(line, name+":") {
			continue
		}
		keep = append(keep, line)
	}
	if want {
		keep = append(keep, fmt.Sprintf("%s:%d:65536", name, start))
	}
	out := strings.Join(keep, "\n") + "\n"
	if bytes.Equal([]byte(out), data) {
		return nil
	}
	tmp := path + ".skiff-tmp"
	if err := os.WriteFile(tmp, []byte(out), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// Credential makes a command run as the user.
func (u User) Credential() *syscall.Credential {
	return &syscall.Credential{Uid: uint32(u.UID), Gid: uint32(u.GID), Groups: []uint32{}}
}
