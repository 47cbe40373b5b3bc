package lifecycle

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/skiff-containers/skiff/internal/cgroup"
	"github.com/skiff-containers/skiff/internal/container"
	"github.com/skiff-containers/skiff/internal/resources"
)

// placeCgroup gives the container a cgroup where it can have one and puts
// the limits that can apply there into its spec. Limits that cannot apply
// are named in a warning, or refuse the start under --strict-limits.
// systemd says the cgroup is a scope the user's systemd manager makes.
func placeCgroup(spec *specs.Spec, c *container.Container, rootless bool) (warnings []string, systemd bool, err error) {
	limits := c.Host.Resources
	p := cgroup.Place(rootless, c.ID)
	if !limits.Set() {
		// Without limits the container still gets its cgroup where it
		// can have one: for update, stats and the OOM flag.
		spec.Linux.CgroupsPath = p.Path
		return nil, p.Systemd, nil
	}
	kept, dropped, why := limits, []string(nil), p.Why
	if p.Path == "" {
		kept, dropped = resources.Limits{}, limits.Names()
	} else if kept, dropped = limits.Without(p.Controllers); len(dropped) > 0 {
		why = fmt.Errorf("their controllers are not available to containers here (%s)", describe(p))
	}
	if len(dropped) > 0 {
		if c.Host.StrictLimits {
			return nil, false, fmt.Errorf("cannot apply %s: %v (drop --strict-limits to run without them)", strings.Join(dropped, ", "), why)
		}
		warnings = append(warnings, fmt.Sprintf("limits ignored (%s): %v; --strict-limits refuses to run without them", strings.Join(dropped, ", "), why))
	}
	if p.Path == "" {
		return warnings, false, nil
	}
	kept, unknown := kept.WithoutUnknownDevices()
	if len(unknown) > 0 {
		if c.Host.StrictLimits {
			return nil, false, fmt.Errorf("cannot apply %s: %s (drop --strict-limits to run without them)", strings.Join(unknown, ", "), blockOnly)
		}
		warnings = append(warnings, fmt.Sprintf("limits ignored (%s): %s; --strict-limits refuses to run without them", strings.Join(unknown, ", "), blockOnly))
	}
	r, err := kept.Spec()
	if err != nil {
		return nil, false, err
	}
	r.Devices = spec.Linux.Resources.Devices
	spec.Linux.Resources = r
	spec.Linux.CgroupsPath = p.Path
	return warnings, p.Systemd, nil
}

// blockOnly is why a device rate whose numbers (named with it) are no
// block device's cannot apply.
const blockOnly = "the kernel throttles block devices alone, and no block device has those numbers"

func describe(p cgroup.Placement) string {
	if p.Delegated == "" {
		return "cgroup v1 has no raw cgroup v2 settings"
	}
	var names []string
	for _, c := range slices.Sorted(maps.Keys(p.Controllers)) {
		if c != resources.Unified {
			names = append(names, c)
		}
	}
	if p.Systemd {
		return fmt.Sprintf("systemd delegates to your user manager (%s): %s", p.Delegated, strings.Join(names, " "))
	}
	return fmt.Sprintf("your cgroup %s has: %s", p.Delegated, strings.Join(names, " "))
}
