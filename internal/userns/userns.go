// Package userns puts a rootless skiff inside a user namespace where it is
// root, so that image layers keep their owners through the user's
// subordinate id ranges.
//
// The re-exec itself is go.podman.io/storage/pkg/unshare's: it starts a copy
// of skiff whose C constructor waits until the parent has written the id
// maps. This package decides which maps to write.
package userns

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"os/user"
	"strconv"
	"strings"
	"syscall"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"go.podman.io/storage/pkg/unshare"
)

// Mapping modes, as shown by `skiff info`.
const (
	ModeHost   = "host"   // real root: no namespace needed
	ModeSubID  = "subid"  // the user's id plus its /etc/subuid, /etc/subgid ranges
	ModeSingle = "single" // only the user's own id: files of other owners become the user's
)

// Plan is the mapping a re-exec would use.
type Plan struct {
	Mode    string
	UIDMap  []specs.LinuxIDMapping
	GIDMap  []specs.LinuxIDMapping
	Warning string // why the fallback was taken; empty for ModeSubID
}

// Rootless reports whether skiff runs for an unprivileged user, also when it
// already is inside the namespace it made (where it appears as uid 0).
func Rootless() bool {
	return unshare.GetRootlessUID() != 0
}

// HostUID is the caller's uid outside any namespace skiff made.
func HostUID() int { return unshare.GetRootlessUID() }

// HostGID is the caller's gid outside any namespace skiff made.
func HostGID() int { return unshare.GetRootlessGID() }

// InNamespace reports whether this process is the re-executed copy.
func InNamespace() bool {
	return os.Getenv("_CONTAINERS_USERNS_CONFIGURED") != "" && os.Geteuid() == 0
}

// CurrentMode reads the mode of the namespace this process is in from the
// kernel, not from what was planned: newuidmap can fail and the storage
// library then falls back to a single mapping by itself.
func CurrentMode() string {
	if !Rootless() {
		return ModeHost
	}
	n, err := countMapIDs("/proc/self/uid_map")
	if err != nil || n <= 1 {
		return ModeSingle
	}
	return ModeSubID
}

func countMapIDs(path string) (uint64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	var total uint64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) != 3 {
			continue
		}
		n, err := strconv.ParseUint(fields[2], 10, 64)
		if err != nil {
			return 0, err
		}
		total += n
	}
	return total, sc.Err()
}

// MakePlan decides the mapping for uid/gid, given the subordinate ranges
// found for the user and whether newuidmap/newgidmap are installed.
func MakePlan(username string, uid, gid int, subUIDs, subGIDs []specs.LinuxIDMapping, haveHelpers bool) Plan {
	self := func(id int) []specs.LinuxIDMapping {
		return []specs.LinuxIDMapping{{ContainerID: 0, HostID: uint32(id), Size: 1}}
	}
	p := Plan{Mode: ModeSingle, UIDMap: self(uid), GIDMap: self(gid)}
	switch {
	case len(subUIDs) == 0 || len(subGIDs) == 0:
		p.Warning = fmt.Sprintf("no subordinate id ranges for user %q in /etc/subuid and /etc/subgid: using a single-id mapping, so files in images owned by other users will belong to you (add ranges with usermod --add-subuids/--add-subgids)", username)
	case !haveHelpers:
		p.Warning = "newuidmap/newgidmap not found: using a single-id mapping, so files in images owned by other users will belong to you (install the uidmap package)"
	default:
		p.Mode = ModeSubID
		p.UIDMap = appendRanges(p.UIDMap, subUIDs)
		p.GIDMap = appendRanges(p.GIDMap, subGIDs)
	}
	return p
}

// appendRanges lays the subordinate ranges out consecutively after id 0.
func appendRanges(m, ranges []specs.LinuxIDMapping) []specs.LinuxIDMapping {
	next := uint32(1)
	for _, r := range ranges {
		m = append(m, specs.LinuxIDMapping{ContainerID: next, HostID: r.HostID, Size: r.Size})
		next += r.Size
	}
	return m
}

// PlanForCaller builds the plan for the calling user.
func PlanForCaller() Plan {
	uid, gid := os.Getuid(), os.Getgid()
	name := strconv.Itoa(uid)
	var subU, subG []specs.LinuxIDMapping
	if u, err := user.LookupId(name); err == nil {
		name = u.Username
		subU, subG, _ = unshare.GetSubIDMappings(u.Username, u.Username)
	}
	_, errU := exec.LookPath("newuidmap")
	_, errG := exec.LookPath("newgidmap")
	return MakePlan(name, uid, gid, subU, subG, errU == nil && errG == nil)
}

// Enter re-executes skiff inside a new user and mount namespace and exits
// with the copy's status. It returns nil at once when no namespace is needed:
// for real root, and inside the copy.
func Enter(warn func(string)) error {
	if !Rootless() || InNamespace() {
		return nil
	}
	plan := PlanForCaller()
	if plan.Warning != "" && warn != nil {
		warn(plan.Warning)
	}
	cmd := unshare.Command(append([]string{os.Args[0] + "-in-a-user-namespace"}, os.Args[1:]...)...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.UnshareFlags = syscall.CLONE_NEWUSER | syscall.CLONE_NEWNS
	cmd.UidMappings, cmd.GidMappings = plan.UIDMap, plan.GIDMap
	cmd.UseNewuidmap = plan.Mode == ModeSubID
	cmd.UseNewgidmap = plan.Mode == ModeSubID
	// Without newgidmap the kernel only accepts a gid map once setgroups
	// is denied.
	cmd.GidMappingsEnableSetgroups = plan.Mode == ModeSubID
	cmd.Env = append(os.Environ(), unshare.UsernsEnvName+"=done")
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	// If this process is killed, the copy must not outlive it half-way
	// through a write: the store recovers from a killed process, not from
	// one that goes on unseen.
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL

	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("create user namespace: %w", err)
	}
	go func() {
		for s := range sigs {
			_ = cmd.Process.Signal(s)
		}
	}()
	err := cmd.Wait()
	signal.Stop(sigs)
	os.Exit(exitStatus(err))
	return nil
}

func exitStatus(err error) int {
	if err == nil {
		return 0
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok {
			if ws.Signaled() {
				return 128 + int(ws.Signal())
			}
			return ws.ExitStatus()
		}
	}
	fmt.Fprintf(os.Stderr, "skiff: %v\n", err)
	return 125
}
