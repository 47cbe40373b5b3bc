package runspec

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// deviceRule is Docker's syntax of a device cgroup rule: a type (a any,
// b block, c character), MAJOR:MINOR with * for any, and the access.
var deviceRule = regexp.MustCompile(`^([abc]) ([0-9]+|\*):([0-9]+|\*) ([rwm]{1,3})$`)

// DeviceRule reads a device cgroup rule, "c 1:3 rwm", into the spec's
// form: an allowing rule.
func DeviceRule(s string) (specs.LinuxDeviceCgroup, error) {
	m := deviceRule.FindStringSubmatch(s)
	if m == nil {
		return specs.LinuxDeviceCgroup{}, fmt.Errorf("use TYPE MAJOR:MINOR ACCESS: a type of a, b or c, numbers or *, and access of r, w and m, such as 'c 1:3 rwm'")
	}
	access := m[4]
	for _, c := range "rwm" {
		if strings.Count(access, string(c)) > 1 {
			return specs.LinuxDeviceCgroup{}, fmt.Errorf("access %q names %c twice", access, c)
		}
	}
	r := specs.LinuxDeviceCgroup{Allow: true, Type: m[1], Access: access}
	num := func(v string) (*int64, error) {
		if v == "*" {
			return nil, nil
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n > 1<<32-1 {
			return nil, fmt.Errorf("device number %s is out of range", v)
		}
		return &n, nil
	}
	var err error
	if r.Major, err = num(m[2]); err != nil {
		return r, err
	}
	if r.Minor, err = num(m[3]); err != nil {
		return r, err
	}
	return r, nil
}

// Rlimit is the spec's resource limit of a ulimit by its name ("nofile"):
// -1 is unlimited.
func Rlimit(name string, soft, hard int64) specs.POSIXRlimit {
	return specs.POSIXRlimit{Type: "RLIMIT_" + strings.ToUpper(name), Soft: uint64(soft), Hard: uint64(hard)}
}

// ulimitResources are the resources a ulimit may name, as Docker's
// --ulimit does ("as" is left out there too).
var ulimitResources = map[string]int{
	"core": unix.RLIMIT_CORE, "cpu": unix.RLIMIT_CPU, "data": unix.RLIMIT_DATA, "fsize": unix.RLIMIT_FSIZE,
	"locks": unix.RLIMIT_LOCKS, "memlock": unix.RLIMIT_MEMLOCK, "msgqueue": unix.RLIMIT_MSGQUEUE, "nice": unix.RLIMIT_NICE,
	"nofile": unix.RLIMIT_NOFILE, "nproc": unix.RLIMIT_NPROC, "rss": unix.RLIMIT_RSS, "rtprio": unix.RLIMIT_RTPRIO,
	"rttime": unix.RLIMIT_RTTIME, "sigpending": unix.RLIMIT_SIGPENDING, "stack": unix.RLIMIT_STACK,
}

// UlimitResource is the resource number of a ulimit's name.
func UlimitResource(name string) (int, bool) {
	r, ok := ulimitResources[name]
	return r, ok
}

// UlimitNames are the names a ulimit may have, sorted.
func UlimitNames() []string {
	return slices.Sorted(maps.Keys(ulimitResources))
}
