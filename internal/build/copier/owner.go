package copier

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"

	securejoin "github.com/cyphar/filepath-securejoin"
	"github.com/moby/sys/user"
)

// maxUserFileBytes bounds how much of an image's /etc/passwd or
// /etc/group is read.
const maxUserFileBytes = 10 << 20

// idPair is a uid and gid to give copied files.
type idPair struct {
	UID, GID int
}

// parseChown resolves a --chown value (USER[:GROUP], names or numbers)
// against root's /etc/passwd and /etc/group, with Docker's rules:
//
//   - a numeric user without a group (or with an empty one, "1000:") uses
//     the same number as the gid, without looking at /etc/passwd;
//   - a user name without a group uses the primary gid of its
//     /etc/passwd entry;
//   - "root" is 0 without a lookup, as BuildKit does;
//   - a name that the image's files do not have is an error (Docker's
//     documentation: "If these files are missing or don't contain the
//     specified names, the build fails").
//
// "" returns nil: no chown.
func parseChown(root, spec string) (*idPair, error) {
	if spec == "" {
		return nil, nil
	}
	userPart, groupPart, _ := strings.Cut(spec, ":")
	if userPart == "" {
		return nil, fmt.Errorf("--chown=%s: the user is missing", spec)
	}
	var ids idPair
	if n, ok := parseID(userPart); ok {
		ids = idPair{UID: n, GID: n}
	} else {
		u, err := lookupUser(root, userPart)
		if err != nil {
			return nil, fmt.Errorf("--chown=%s: %w", spec, err)
		}
		ids = idPair{UID: u.Uid, GID: u.Gid}
	}
	if groupPart != "" {
		if n, ok := parseID(groupPart); ok {
			ids.GID = n
		} else {
			g, err := lookupGroup(root, groupPart)
			if err != nil {
				return nil, fmt.Errorf("--chown=%s: %w", spec, err)
			}
			ids.GID = g.Gid
		}
	}
	return &ids, nil
}

func parseID(s string) (int, bool) {
	if s == "root" {
		return 0, true
	}
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return 0, false
	}
	return int(n), true
}

// openUserFile opens a file of root's /etc for reading, resolved inside
// root; a missing file reads as empty.
func openUserFile(root, name string) (io.ReadCloser, error) {
	p, err := securejoin.SecureJoin(root, name)
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(p, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if err != nil {
		if os.IsNotExist(err) || isNotDir(err) {
			return io.NopCloser(strings.NewReader("")), nil
		}
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%s is not a regular file", name)
	}
	return struct {
		io.Reader
		io.Closer
	}{io.LimitReader(f, maxUserFileBytes), f}, nil
}

func lookupUser(root, name string) (user.User, error) {
	f, err := openUserFile(root, "/etc/passwd")
	if err != nil {
		return user.User{}, err
	}
	defer f.Close()
	users, err := user.ParsePasswdFilter(f, func(u user.User) bool { return u.Name == name })
	if err != nil {
		return user.User{}, err
	}
	if len(users) == 0 {
		return user.User{}, fmt.Errorf("user %q not found in the image's /etc/passwd", name)
	}
	return users[0], nil
}

func lookupGroup(root, name string) (user.Group, error) {
	f, err := openUserFile(root, "/etc/group")
	if err != nil {
		return user.Group{}, err
	}
	defer f.Close()
	groups, err := user.ParseGroupFilter(f, func(g user.Group) bool { return g.Name == name })
	if err != nil {
		return user.Group{}, err
	}
	if len(groups) == 0 {
		return user.Group{}, fmt.Errorf("group %q not found in the image's /etc/group", name)
	}
	return groups[0], nil
}

func isNotDir(err error) bool {
	return errors.Is(err, syscall.ENOTDIR)
}
