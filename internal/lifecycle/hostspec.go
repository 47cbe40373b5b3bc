package lifecycle

import (
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/skiff-containers/skiff/internal/container"
	"github.com/skiff-containers/skiff/internal/runspec"
)

// hostParts are the spec's parts of a container's ulimits, cgroup
// namespace and device cgroup rules.
type hostParts struct {
	Rlimits     []specs.POSIXRlimit
	CgroupNS    bool
	DeviceRules []specs.LinuxDeviceCgroup
}

// hostSpec turns the container's recorded host options into spec parts;
// the engine checked them at create.
func hostSpec(c *container.Container) (hostParts, error) {
	var h hostParts
	for _, u := range c.Host.Ulimits {
		h.Rlimits = append(h.Rlimits, runspec.Rlimit(u.Name, u.Soft, u.Hard))
	}
	h.CgroupNS = c.Host.CgroupnsMode == container.CgroupnsPrivate
	for _, r := range c.Host.DeviceCgroupRules {
		d, err := runspec.DeviceRule(r)
		if err != nil {
			return h, fmt.Errorf("device cgroup rule %q: %w", r, err)
		}
		h.DeviceRules = append(h.DeviceRules, d)
	}
	return h, nil
}
