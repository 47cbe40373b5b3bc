package lifecycle

import (
	"fmt"
	"strings"

	"github.com/skiff-containers/skiff/internal/cgroup"
	"github.com/skiff-containers/skiff/internal/container"
	"github.com/skiff-containers/skiff/internal/resources"
)

// Update changes a container's limits: in its configuration, for every
// later start, and in its cgroup if it runs and has one. Where a running
// container's limits cannot change now, the warning says why.
func (m *Manager) Update(c *container.Container, f resources.Flags) (string, error) {
	l, err := resources.Merge(c.Host.Resources, f)
	if err != nil {
		return "", fmt.Errorf("%s: %w", c.Name, err)
	}
	st, err := c.State()
	if err != nil {
		return "", err
	}
	var warning string
	if st.Status == container.StatusRunning {
		path, ctrls, why := m.ownCgroup(c, st.Pid)
		if path == "" {
			warning = fmt.Sprintf("%s runs without a cgroup of its own (%v): the new limits (%s) are recorded for its next start", c.Name, why, strings.Join(l.Names(), ", "))
		} else {
			kept, dropped := l.Without(ctrls)
			if len(dropped) > 0 {
				warning = fmt.Sprintf("%s: %s cannot apply, their controllers are not delegated to its cgroup %s", c.Name, strings.Join(dropped, ", "), path)
			}
			kept, unknown := kept.WithoutUnknownDevices()
			if len(unknown) > 0 {
				w := fmt.Sprintf("%s: %s cannot apply, %s", c.Name, strings.Join(unknown, ", "), blockOnly)
				warning = strings.TrimPrefix(warning+"; "+w, "; ")
			}
			scope, w := systemdScope(c, path)
			if w != "" {
				warning = strings.TrimPrefix(warning+"; "+w, "; ")
			}
			if err := resources.Apply(path, m.Rootless, kept, scope); err != nil {
				return "", fmt.Errorf("%s: %w", c.Name, err)
			}
		}
	}
	c.Host.Resources = l
	return warning, m.Containers.SaveConfig(c)
}

// ownCgroup is the cgroup a running container got at its start, and the
// controllers it has (nil: all), or why it has none.
func (m *Manager) ownCgroup(c *container.Container, pid int) (string, map[string]bool, error) {
	if !cgroup.Unified() {
		if m.Rootless {
			return "", nil, cgroup.Place(true, c.ID).Why
		}
		p := cgroup.Place(false, c.ID)
		return p.Path, p.Controllers, nil
	}
	path, err := cgroup.Of(fmt.Sprint(pid))
	if err != nil {
		return "", nil, err
	}
	if !cgroup.Own(path, c.ID) {
		// Started where no cgroup could be made for it (nothing was
		// delegated then): it shares its supervisor's.
		return "", nil, fmt.Errorf("it was started where skiff could make it no cgroup of its own")
	}
	ctrls, err := cgroup.Controllers(path)
	if err != nil {
		return "", nil, err
	}
	ctrls[resources.Unified] = true
	return path, ctrls, nil
}

// systemdScope is the systemd scope a running container's cgroup at path
// is, which the new limits go through, or nil where it is no scope. A scope
// whose manager does not answer now gets them in its cgroup alone, with a
// warning that systemd may put its own back.
func systemdScope(c *container.Container, path string) (scope *resources.Scope, warning string) {
	if !cgroup.IsScope(path, c.ID) {
		return nil, ""
	}
	if err := cgroup.UserManagerReachable(); err != nil {
		return nil, fmt.Sprintf("%s: the systemd user manager that made its scope does not answer (%v): the new limits are set in the scope's cgroup, and systemd may put back those it knows", c.Name, err)
	}
	return cgroup.ContainerScope(c.ID), ""
}
