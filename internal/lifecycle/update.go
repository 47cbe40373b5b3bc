package lifecycle

import (
	"fmt"
	"strings"

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
		if why := resources.Unavailable(m.Rootless); why != nil {
			warning = fmt.Sprintf("%s runs without limits (%v): the new ones (%s) are recorded for its next start", c.Name, why, strings.Join(l.Names(), ", "))
		} else if err := resources.Apply(c.ID, l); err != nil {
			return "", err
		}
	}
	c.Host.Resources = l
	return warning, m.Containers.SaveConfig(c)
}
