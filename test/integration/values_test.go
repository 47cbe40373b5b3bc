package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// warnings are the warning lines of a command's stderr.
func warnings(stderr string) []string {
	var out []string
	for _, l := range strings.Split(stderr, "\n") {
		if strings.Contains(l, "warning") {
			out = append(out, l)
		}
	}
	return out
}

// Limits of 0 are no limits, as in Docker: the container runs without
// any (rootless on cgroup v1 nothing is dropped, so nothing is warned
// of), and inspect shows 0. update with 0 leaves a limit as Docker's
// does, but --pids-limit 0 lifts it.
func TestValuesZeroLimits(t *testing.T) {
	asUserAndRoot(t, func(t *testing.T, sb *sandbox) {
		withBusybox(sb)
		zeros := []string{"--memory", "0", "--memory-swap", "0", "--memory-reservation", "0", "--cpus", "0",
			"--cpu-shares", "0", "--pids-limit", "0", "--blkio-weight", "0"}
		r := sb.OK(append(append([]string{"run", "--rm", "--network", "none"}, zeros...), "bb", "true")...)
		if w := warnings(r.Err); len(w) > 0 {
			t.Errorf("limits of 0 warned of: %q", w)
		}
		sb.OK(append(append([]string{"create", "--name", "zero"}, zeros...), "bb", "true")...)
		const f = "{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}} {{.HostConfig.MemoryReservation}} {{.HostConfig.NanoCpus}} {{.HostConfig.CpuShares}} {{.HostConfig.PidsLimit}} {{.HostConfig.BlkioWeight}}"
		if out := sb.OK("inspect", "-f", f, "zero").Out; out != "0 0 0 0 0 0 0\n" {
			t.Errorf("inspect of limits of 0: %q", out)
		}
		sb.OK("create", "--name", "lim", "-m", "64m", "--pids-limit", "20", "--cpus", "1", "bb", "true")
		sb.OK("update", "-m", "0", "--cpus", "0", "--pids-limit", "0", "lim")
		if out := sb.OK("inspect", "-f", "{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}} {{.HostConfig.PidsLimit}}", "lim").Out; out != "67108864 1000000000 -1\n" {
			t.Errorf("after update with 0: %q, want the memory and CPUs kept, the pids limit lifted", out)
		}
	})
}

// --name /NAME is NAME, as Docker stores names; inspect shows /NAME.
func TestValuesNameSlash(t *testing.T) {
	asUserAndRoot(t, func(t *testing.T, sb *sandbox) {
		withBusybox(sb)
		sb.OK("create", "--name", "/web", "bb", "true")
		if out := sb.OK("inspect", "-f", "{{.Name}}", "web").Out; out != "/web\n" {
			t.Errorf("inspect web: .Name %q", out)
		}
		if out := sb.OK("ps", "-a", "--format", "{{.Names}}").Out; out != "web\n" {
			t.Errorf("ps: %q", out)
		}
		sb.OK("rename", "/web", "/site")
		if out := sb.OK("inspect", "-f", "{{.Name}}", "/site").Out; out != "/site\n" {
			t.Errorf("after rename to /site: .Name %q", out)
		}
		sb.Fails("invalid container name", "create", "--name", "//web", "bb", "true")
		sb.Fails("invalid container name", "create", "--name", "/", "bb", "true")
		if out := sb.OK("ps", "-aq").Out; len(strings.Fields(out)) != 1 {
			t.Errorf("containers after refused names: %q", out)
		}
	})
}

// -p with the host's network warns in Docker's words and runs.
func TestValuesPublishOnHostNetwork(t *testing.T) {
	asUserAndRoot(t, func(t *testing.T, sb *sandbox) {
		withBusybox(sb)
		for _, publish := range [][]string{{"-p", "8080:80"}, {"-P", "--expose", "80"}} {
			args := append(append([]string{"run", "--rm", "--network", "host"}, publish...), "bb", "true")
			r := sb.OK(args...)
			if w := warnings(r.Err); len(w) != 1 || !strings.HasSuffix(w[0], "warning: Published ports are discarded when using host network mode") {
				t.Errorf("%v: warnings %q", publish, w)
			}
		}
		sb.OK("create", "--name", "hostports", "--network", "host", "-p", "8080:80", "bb", "true")
		if out := sb.OK("inspect", "-f", "{{json .HostConfig.PortBindings}}", "hostports").Out; strings.Contains(out, "8080") || strings.Contains(out, "80/tcp") {
			t.Errorf("ports kept for a container on the host network: %q", out)
		}
		// Other modes without a network of their own still refuse them.
		sb.Fails("cannot be published", "run", "--rm", "--network", "none", "-p", "8080:80", "bb", "true")
	})
}

// ownOOMScoreAdj is this process's OOM score adjustment, which skiff,
// its child, starts with.
func ownOOMScoreAdj(t *testing.T) int {
	t.Helper()
	b, err := os.ReadFile("/proc/self/oom_score_adj")
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// hasSysResource reports whether this (root) process may lower OOM
// scores: CAP_SYS_RESOURCE in its effective set.
func hasSysResource() bool {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return false
	}
	return data[0].Effective&(1<<unix.CAP_SYS_RESOURCE) != 0
}

// An OOM score adjustment under what the caller may set is raised to it,
// with a warning: rootless always (the kernel wants CAP_SYS_RESOURCE in
// the host's user namespace), as root when root lacks the capability.
func TestValuesOOMScoreAdjFloor(t *testing.T) {
	asUserAndRoot(t, func(t *testing.T, sb *sandbox) {
		withBusybox(sb)
		want, raised := -500, false
		if floor := ownOOMScoreAdj(t); (sb.user != nil || !hasSysResource()) && floor > want {
			want, raised = floor, true
		}
		r := sb.OK("run", "--name", "oom", "--network", "none", "--oom-score-adj", "-500", "bb", "cat", "/proc/self/oom_score_adj")
		if r.Out != fmt.Sprintf("%d\n", want) {
			t.Errorf("the container's oom_score_adj: %q, want %d", r.Out, want)
		}
		w := warnings(r.Err)
		if raised && (len(w) != 1 || !strings.Contains(w[0], fmt.Sprintf("OOM score adjustment -500 is below the caller's own (%d)", want))) {
			t.Errorf("warnings %q, want one that the score is raised to %d", w, want)
		}
		if !raised && len(w) != 0 {
			t.Errorf("warnings %q for a score the caller may set", w)
		}
		if got := inspectInt(t, sb, "oom", ".HostConfig.OomScoreAdj"); got != want {
			t.Errorf("inspect: OomScoreAdj %d, want %d", got, want)
		}
	})
}

// blockDevice is a block device of the host's that the kernel lists by
// number, or "".
func blockDevice() string {
	entries, _ := os.ReadDir("/dev")
	for _, e := range entries {
		var st unix.Stat_t
		p := filepath.Join("/dev", e.Name())
		if unix.Stat(p, &st) != nil || st.Mode&unix.S_IFMT != unix.S_IFBLK {
			continue
		}
		if _, err := os.Stat(fmt.Sprintf("/sys/dev/block/%d:%d", unix.Major(st.Rdev), unix.Minor(st.Rdev))); err == nil {
			return p
		}
	}
	return ""
}

// Device rates take the device's numbers as Docker does, a character
// device's too: nothing is refused for it. Where the numbers are no block
// device's the kernel cannot throttle them, and the limit is dropped with
// a warning, as limits that cannot apply are (refused under
// --strict-limits); a block device's rate applies as root.
func TestValuesDeviceRates(t *testing.T) {
	asUserAndRoot(t, func(t *testing.T, sb *sandbox) {
		withBusybox(sb)
		_, zeroIsBlock := os.Stat("/sys/dev/block/1:5")
		r := sb.OK("run", "--rm", "--network", "none", "--device-read-bps", "/dev/zero:1mb", "--device-write-bps", "/dev/zero:1mb", "bb", "true")
		w := warnings(r.Err)
		if zeroIsBlock != nil && (len(w) != 1 || !strings.Contains(w[0], "limits ignored (--device-read-bps")) {
			t.Errorf("warnings %q, want one that the device rates are dropped", w)
		}
		if sb.user != nil || cgroupV2() {
			return
		}
		sb.Fails("cannot apply --device-read-bps /dev/zero", "run", "--rm", "--network", "none", "--strict-limits", "--device-read-bps", "/dev/zero:1mb", "bb", "true")
		dev := blockDevice()
		if dev == "" {
			t.Skip("no block device here")
		}
		var st unix.Stat_t
		if err := unix.Stat(dev, &st); err != nil {
			t.Fatal(err)
		}
		sb.OK("run", "-d", "--name", "rated", "--network", "none", "--device-read-bps", dev+":1mb", "bb", "sleep", "300")
		want := fmt.Sprintf("%d:%d 1048576", unix.Major(st.Rdev), unix.Minor(st.Rdev))
		if got := cgroupFile(t, sb, "rated", "blkio", "blkio.throttle.read_bps_device"); got != want {
			t.Errorf("%s: blkio.throttle.read_bps_device %q, want %q", dev, got, want)
		}
	})
}

// Two mounts at one container path are refused as Docker refuses them,
// before anything is made.
func TestValuesDuplicateMountPoint(t *testing.T) {
	asUserAndRoot(t, func(t *testing.T, sb *sandbox) {
		withBusybox(sb)
		a, b := sb.Home, "/tmp"
		for _, mounts := range [][]string{
			{"-v", a + ":/x", "-v", b + ":/x"},
			{"-v", a + ":/x", "-v", b + ":/x/"},
			{"-v", a + ":/x", "--tmpfs", "/x"},
			{"--tmpfs", "/x", "-v", a + ":/x:ro"},
			{"--tmpfs", "/x", "--tmpfs", "/x:size=1m"},
		} {
			for _, verb := range []string{"run", "create"} {
				args := append(append([]string{verb, "--rm", "--name", "dup"}, mounts...), "bb", "true")
				sb.Fails("Duplicate mount point: /x", args...)
			}
		}
		if out := sb.OK("ps", "-aq").Out; out != "" {
			t.Errorf("containers left by duplicate mount points: %q", out)
		}
	})
}
