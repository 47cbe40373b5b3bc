package engine

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/docker/go-units"
	"golang.org/x/sys/unix"

	"github.com/skiff-containers/skiff/internal/cgroup"
	"github.com/skiff-containers/skiff/internal/container"
	"github.com/skiff-containers/skiff/internal/report"
	"github.com/skiff-containers/skiff/internal/runspec"
)

// parseHostOptions reads the options of the container's process and
// namespaces that Docker keeps in HostConfig: ulimits, the cgroup
// namespace, device cgroup rules, and the deprecated kernel memory limit
// (accepted and ignored, with a warning).
func parseHostOptions(o CreateOptions, rootless bool, h *container.HostConfig) (warnings []string, err error) {
	if h.Ulimits, err = parseUlimits(o.Ulimits, realCaller(rootless)); err != nil {
		return nil, err
	}
	if h.CgroupnsMode, err = parseCgroupns(o.CgroupNS, cgroup.Unified()); err != nil {
		return nil, err
	}
	if h.DeviceCgroupRules, err = parseDeviceRules(o.DeviceCgroupRules, rootless); err != nil {
		return nil, err
	}
	if v := o.KernelMemory; v != "" {
		if n, err := units.RAMInBytes(v); err != nil || n < 0 {
			return nil, Invalid("KernelMemory", v, "use a size such as 64m")
		}
		// Docker accepts it and ignores it: the kernel dropped the
		// separate limit (cgroup v2 never had one).
		warnings = append(warnings, "--kernel-memory is deprecated and ignored: kernel memory counts toward the container's --memory")
	}
	return warnings, nil
}

// ulimitCaller is what create checks ulimits against: a container's hard
// limit cannot be above its starter's unless the starter may raise its
// own (CAP_SYS_RESOURCE in the host's user namespace).
type ulimitCaller struct {
	hard     func(resource int) (uint64, error)
	canRaise bool
}

// realCaller is the calling process. Rootless, the capabilities of
// skiff's user namespace do not count: the kernel checks the host's.
func realCaller(rootless bool) ulimitCaller {
	c := ulimitCaller{hard: func(resource int) (uint64, error) {
		var r unix.Rlimit
		err := unix.Getrlimit(resource, &r)
		return r.Max, err
	}}
	c.canRaise = !rootless && hasSysResource()
	return c
}

// parseUlimits reads Docker's NAME=SOFT[:HARD] (-1 unlimited; HARD
// defaults to SOFT); a later value of a name replaces an earlier one.
func parseUlimits(vals []string, caller ulimitCaller) ([]container.Ulimit, error) {
	byName := map[string]container.Ulimit{}
	for _, v := range vals {
		u, err := parseUlimit(v)
		if err != nil {
			return nil, Invalid("Ulimits", v, err.Error())
		}
		if err := checkUlimit(u, caller); err != nil {
			return nil, Invalid("Ulimits", v, err.Error())
		}
		byName[u.Name] = u
	}
	if len(byName) == 0 {
		return nil, nil
	}
	out := make([]container.Ulimit, 0, len(byName))
	for _, n := range slices.Sorted(maps.Keys(byName)) {
		out = append(out, byName[n])
	}
	return out, nil
}

func parseUlimit(v string) (container.Ulimit, error) {
	name, limits, ok := strings.Cut(v, "=")
	if !ok {
		return container.Ulimit{}, fmt.Errorf("use NAME=SOFT[:HARD], such as nofile=1024:2048")
	}
	if _, known := runspec.UlimitResource(name); !known {
		return container.Ulimit{}, fmt.Errorf("unknown limit %q: use one of %s", name, strings.Join(runspec.UlimitNames(), ", "))
	}
	softS, hardS, hasHard := strings.Cut(limits, ":")
	num := func(s string) (int64, error) {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < -1 {
			return 0, fmt.Errorf("%q is not a limit: use a number, or -1 for unlimited", s)
		}
		return n, nil
	}
	soft, err := num(softS)
	if err != nil {
		return container.Ulimit{}, err
	}
	hard := soft
	if hasHard {
		if hard, err = num(hardS); err != nil {
			return container.Ulimit{}, err
		}
	}
	if hard != -1 && (soft == -1 || soft > hard) {
		return container.Ulimit{}, fmt.Errorf("the soft limit %s is above the hard limit %s", limitString(soft), limitString(hard))
	}
	return container.Ulimit{Name: name, Soft: soft, Hard: hard}, nil
}

// checkUlimit refuses a hard limit above the caller's where the caller
// cannot raise its own: the container's start would fail with the
// kernel's EPERM.
func checkUlimit(u container.Ulimit, caller ulimitCaller) error {
	if caller.canRaise || caller.hard == nil {
		return nil
	}
	res, _ := runspec.UlimitResource(u.Name)
	have, err := caller.hard(res)
	if err != nil {
		return fmt.Errorf("read your own %s limit: %w", u.Name, err)
	}
	want := uint64(u.Hard) // -1 is the kernel's unlimited
	if have == unix.RLIM_INFINITY || want <= have {
		return nil
	}
	return fmt.Errorf("the hard limit %s is above your own hard limit for %s, %s: a container cannot have more than the user who starts it (raising it needs CAP_SYS_RESOURCE)", limitString(u.Hard), u.Name, limitString(int64(min(have, math.MaxInt64))))
}

func limitString(n int64) string {
	if n == -1 {
		return "unlimited"
	}
	return strconv.FormatInt(n, 10)
}

// parseCgroupns reads host or private; unset is Docker's default:
// private on cgroup v2, host on v1 (as Docker keeps it there, for
// programs that look for their cgroup by the host's paths).
func parseCgroupns(v string, unified bool) (string, error) {
	switch v {
	case "":
		if unified {
			return container.CgroupnsPrivate, nil
		}
		return container.CgroupnsHost, nil
	case container.CgroupnsHost, container.CgroupnsPrivate:
		return v, nil
	}
	return "", Invalid("CgroupNS", v, "use host or private")
}

// parseDeviceRules checks each rule's syntax. Rootless there is no
// device cgroup to put them in, and podman refuses them too.
func parseDeviceRules(rules []string, rootless bool) ([]string, error) {
	for _, r := range rules {
		if _, err := runspec.DeviceRule(r); err != nil {
			return nil, Invalid("DeviceCgroupRules", r, err.Error())
		}
		if rootless {
			return nil, Invalid("DeviceCgroupRules", r, "needs root: a rootless container has no device cgroup of its own (its devices are the user's)")
		}
	}
	return slices.Clone(rules), nil
}

// inspectHostOptions fills inspect's ulimits, cgroup namespace and device
// rules as Docker shows them: empty lists, not null.
func inspectHostOptions(h *report.InspectHostConfig, hc container.HostConfig) {
	h.Ulimits = []report.InspectUlimit{}
	for _, u := range hc.Ulimits {
		h.Ulimits = append(h.Ulimits, report.InspectUlimit{Name: u.Name, Hard: u.Hard, Soft: u.Soft})
	}
	h.CgroupnsMode = hc.CgroupnsMode
	if h.CgroupnsMode == "" {
		h.CgroupnsMode = container.CgroupnsHost
	}
	h.DeviceCgroupRules = nonNil(hc.DeviceCgroupRules)
}
