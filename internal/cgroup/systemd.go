package cgroup

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/opencontainers/cgroups"
	"github.com/opencontainers/cgroups/systemd"

	"github.com/skiff-containers/skiff/internal/resources"
)

// A rootless container's cgroup is, where the user has a systemd user
// manager, a transient scope that manager makes (as podman's are): the
// manager then knows it, and its own cgroup tree stays its own.
// libcontainer's systemd driver asks for the scope over the session bus;
// this file only finds out whether that can work, and which controllers
// the scope will have.

const (
	// scopeSlice is the user manager's slice the scopes go in, as
	// podman's do.
	scopeSlice = "user.slice"
	// scopePrefix starts the scopes' names: skiff-ID.scope.
	scopePrefix = "skiff"
	// busTimeout bounds the question to the user manager, so a bus that
	// hangs costs a start this much and then the cgroupfs placement.
	busTimeout = 5 * time.Second
)

// ContainerScope is container id's scope.
func ContainerScope(id string) *resources.Scope {
	return &resources.Scope{Prefix: scopePrefix, Name: id}
}

// ScopeUnit is the unit of container id's scope.
func ScopeUnit(id string) string { return scopePrefix + "-" + id + ".scope" }

// SupervisorScopeUnit is the unit of container id's supervisor's scope.
func SupervisorScopeUnit(id string) string { return ScopeUnit(supervisorName(id)) }

func supervisorName(id string) string { return "supervisor-" + id }

// scopePath is the runtime spec's cgroupsPath for container id's scope,
// in the "slice:prefix:name" form of the systemd cgroup driver.
func scopePath(id string) string { return scopeSlice + ":" + scopePrefix + ":" + id }

// IsScope reports whether cgroup path is container id's scope.
func IsScope(path, id string) bool {
	return filepath.Base(path) == ScopeUnit(id)
}

// Own reports whether path is container id's own cgroup, as Place names
// it: skiff/ID, or its scope. A container started where it could have
// none shares its supervisor's, whose figures are not its own.
func Own(path, id string) bool {
	return strings.HasSuffix(path, "/skiff/"+id) || IsScope(path, id)
}

// systemdPlace places container id in a scope of the user's systemd
// manager, or says why it cannot.
func systemdPlace(id string) (Placement, error) {
	manager, err := userManager()
	if err != nil {
		return Placement{}, err
	}
	ctrls, err := Controllers(manager)
	if err != nil {
		return Placement{}, err
	}
	ctrls[v2] = true
	return Placement{Path: scopePath(id), Controllers: ctrls, Delegated: manager, Systemd: true}, nil
}

// UserManagerReachable reports whether the user's systemd manager answers
// on the session bus, or why not.
func UserManagerReachable() error {
	_, err := userManager()
	return err
}

// userManager asks the user's systemd manager for its cgroup (such as
// /user.slice/user-1000.slice/user@1000.service), whose controllers are
// those systemd delegates to the user.
func userManager() (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), busTimeout)
	defer cancel()
	conn, err := userBus(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	v, err := conn.Object("org.freedesktop.systemd1", "/org/freedesktop/systemd1").
		GetProperty("org.freedesktop.systemd1.Manager.ControlGroup")
	if err != nil {
		return "", fmt.Errorf("no systemd user manager on the session bus: %w", err)
	}
	cg, ok := v.Value().(string)
	if !ok || !strings.HasPrefix(cg, "/") {
		return "", fmt.Errorf("the systemd user manager has no cgroup (%v)", v)
	}
	return cg, nil
}

// userBus connects to the user's session bus as the user outside any user
// namespace skiff is in.
func userBus(ctx context.Context) (*dbus.Conn, error) {
	// What libcontainer's systemd driver goes by, so that the two agree.
	if !systemd.IsRunningSystemd() {
		return nil, errors.New("the host does not run systemd")
	}
	addr, err := systemd.DetectUserDbusSessionBusAddress()
	if err != nil {
		return nil, err
	}
	uidMap, err := os.ReadFile("/proc/self/uid_map")
	if err != nil {
		return nil, err
	}
	uid, userns, err := hostUID(string(uidMap), os.Geteuid())
	if err != nil {
		return nil, err
	}
	if userns {
		// In a user namespace the driver learns the user's uid on the
		// bus from `busctl --user status`.
		if _, err := exec.LookPath("busctl"); err != nil {
			return nil, fmt.Errorf("systemd's busctl is not installed: %w", err)
		}
	}
	conn, err := dbus.Dial(addr, dbus.WithContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("session bus %s: %w", addr, err)
	}
	if err := conn.Auth([]dbus.Auth{dbus.AuthExternal(strconv.Itoa(uid))}); err != nil {
		conn.Close()
		return nil, fmt.Errorf("session bus %s: %w", addr, err)
	}
	if err := conn.Hello(); err != nil {
		conn.Close()
		return nil, fmt.Errorf("session bus %s: %w", addr, err)
	}
	return conn, nil
}

// WaitUnitsGone waits until the user's systemd manager no longer knows the
// units, or ctx ends. systemd collects a scope a moment after its last
// process has gone, and a removed container must leave nothing behind. A
// unit this process itself is in (a --rm clean-up, which is its monitor
// executed) cannot go first, and is not waited for.
func WaitUnitsGone(ctx context.Context, units []string) error {
	own, _ := os.ReadFile("/proc/self/cgroup")
	var wait []string
	for _, u := range units {
		if !strings.Contains(string(own), "/"+u) {
			wait = append(wait, u)
		}
	}
	if len(wait) == 0 {
		return nil
	}
	conn, err := userBus(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	mgr := conn.Object("org.freedesktop.systemd1", "/org/freedesktop/systemd1")
	for _, u := range wait {
		for {
			err := mgr.CallWithContext(ctx, "org.freedesktop.systemd1.Manager.GetUnit", 0, u).Err
			var de dbus.Error
			if errors.As(err, &de) && de.Name == "org.freedesktop.systemd1.NoSuchUnit" {
				break
			}
			if err != nil {
				return fmt.Errorf("systemd unit %s: %w", u, err)
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("systemd unit %s: still there: %w", u, ctx.Err())
			case <-time.After(10 * time.Millisecond):
			}
		}
	}
	return nil
}

// hostUID maps uid, the caller's, out of its user namespace through
// uidMap (/proc/self/uid_map), which is how the session bus, outside,
// knows the user. userns says whether the map is a namespace's and not
// the host's identity map.
func hostUID(uidMap string, uid int) (host int, userns bool, err error) {
	for _, l := range strings.Split(uidMap, "\n") {
		f := strings.Fields(l)
		if len(f) != 3 {
			continue
		}
		var n [3]uint64
		for i := range f {
			if n[i], err = strconv.ParseUint(f[i], 10, 32); err != nil {
				return 0, false, fmt.Errorf("uid_map line %q: %w", l, err)
			}
		}
		if u := uint64(uid); u >= n[0] && u-n[0] < n[2] {
			identity := n[0] == 0 && n[1] == 0 && n[2] == 4294967295
			return int(n[1] + u - n[0]), !identity, nil
		}
	}
	return 0, false, fmt.Errorf("uid %d is not mapped out of its user namespace", uid)
}

// SupervisorScope moves process pid, container id's supervisor, into a
// scope of the user manager's own, skiff-supervisor-ID.scope beside the
// container's: like the container, it then outlives the login session that
// started it, and it is never counted in the container's limits. It goes
// when its last process does.
func SupervisorScope(id string, pid int) error {
	c := &cgroups.Cgroup{
		Name: supervisorName(id), ScopePrefix: scopePrefix, Parent: scopeSlice,
		Systemd: true, Rootless: true, Resources: &cgroups.Resources{SkipDevices: true},
	}
	m, err := systemd.NewUnifiedManager(c, "")
	if err == nil {
		err = m.Apply(pid)
	}
	if err != nil {
		return fmt.Errorf("supervisor scope of %s: %w", id, err)
	}
	return nil
}
