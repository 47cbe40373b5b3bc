package integration

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// cgroupFile reads a file of a running container's cgroup in one v1
// hierarchy (this host's kind) or the v2 one.
func cgroupFile(t *testing.T, sb *sandbox, name, controller, file string) string {
	t.Helper()
	pid := inspectInt(t, sb, name, ".State.Pid")
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cgroup")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.SplitN(line, ":", 3)
		if len(f) != 3 {
			continue
		}
		var dir string
		switch {
		case f[0] == "0" && f[1] == "":
			dir = filepath.Join("/sys/fs/cgroup", f[2])
			if _, err := os.Stat(filepath.Join(dir, file)); err != nil {
				continue
			}
		case strings.Contains(","+f[1]+",", ","+controller+","):
			dir = filepath.Join("/sys/fs/cgroup", f[1], f[2])
		default:
			continue
		}
		if b, err := os.ReadFile(filepath.Join(dir, file)); err == nil {
			return strings.TrimSpace(string(b))
		}
	}
	t.Fatalf("no %s in the cgroups of %s:\n%s", file, name, data)
	return ""
}

// Limits as root apply through the host's cgroups (v1 on a hybrid host).
func TestLimitsAsRoot(t *testing.T) {
	sb := rootRunSandbox(t)
	sb.OK("run", "-d", "--name", "lim", "--network", "none", "-m", "64m", "--pids-limit", "20", "--cpus", "0.5",
		"--cpu-shares", "512", "--oom-score-adj", "300", "bb", "sleep", "600")
	v2 := cgroupV2()
	checks := []struct{ controller, v1file, v2file, want string }{
		{"memory", "memory.limit_in_bytes", "memory.max", "67108864"},
		{"pids", "pids.max", "pids.max", "20"},
		{"cpu", "cpu.cfs_quota_us", "cpu.max", "50000"},
	}
	for _, c := range checks {
		file := c.v1file
		if v2 {
			file = c.v2file
		}
		if got := cgroupFile(t, sb, "lim", c.controller, file); !strings.HasPrefix(got, c.want) {
			t.Errorf("%s: %q, want %q", file, got, c.want)
		}
	}
	if !v2 {
		if got := cgroupFile(t, sb, "lim", "cpu", "cpu.shares"); got != "512" {
			t.Errorf("cpu.shares: %q", got)
		}
	}
	pid := inspectInt(t, sb, "lim", ".State.Pid")
	if b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/oom_score_adj"); strings.TrimSpace(string(b)) != "300" {
		t.Errorf("oom_score_adj: %q", b)
	}

	// Over --memory: killed, 137, OOMKilled.
	r := sb.Skiff("run", "--name", "hog", "--network", "none", "-m", "32m", "--memory-swap", "32m", "bb",
		"sh", "-c", "dd if=/dev/zero of=/dev/null bs=100M count=1")
	if r.Code != 137 {
		t.Errorf("over --memory: %s", r)
	}
	if out := sb.OK("inspect", "-f", "{{.State.OOMKilled}} {{.State.ExitCode}}", "hog").Out; out != "true 137\n" {
		t.Errorf("OOMKilled: %q", out)
	}
	if out := sb.OK("inspect", "-f", "{{.State.OOMKilled}}", "lim").Out; out != "false\n" {
		t.Errorf("OOMKilled of a running container: %q", out)
	}
	// A fork bomb is held at --pids-limit: the shell's tenth fork fails.
	r = sb.Skiff("run", "--rm", "--network", "none", "--pids-limit", "10", "bb", "sh", "-c",
		"for i in $(seq 30); do sleep 5 & echo $i; done")
	lines := strings.Fields(r.Out)
	if r.Code == 0 || len(lines) == 0 || len(lines) >= 10 || !strings.Contains(r.Err, "fork") {
		t.Errorf("fork bomb under --pids-limit 10: started %d, %s", len(lines), r)
	}
}

func cgroupV2() bool {
	_, err := os.Stat("/sys/fs/cgroup/cgroup.controllers")
	return err == nil
}

// Rootless on a host without a delegated cgroup v2 subtree, limits cannot
// apply: the container runs and one warning names them, or, with
// --strict-limits, nothing runs.
func TestLimitsRootlessWithoutDelegation(t *testing.T) {
	if cgroupV2() {
		t.Skip("this host has cgroup v2; the VM suite covers delegation")
	}
	sb := runSandbox(t)
	r := sb.OK("run", "--rm", "-m", "64m", "--pids-limit", "10", "bb", "true")
	if strings.Count(r.Err, "warning") != 1 || !strings.Contains(r.Err, "--memory, --pids-limit") || !strings.Contains(r.Err, "cgroup v1") {
		t.Errorf("warning: %q", r.Err)
	}
	sb.Fails("cannot apply --memory", "run", "--rm", "--name", "strict", "--strict-limits", "-m", "64m", "bb", "true")
	if out := sb.OK("ps", "-aq").Out; out != "" {
		t.Errorf("--strict-limits left a container: %q", out)
	}
}

func TestLimitFlagsBadInput(t *testing.T) {
	sb := runSandbox(t)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-m", "lots"}, "invalid --memory"},
		{[]string{"-m", "1k"}, "minimum is 6m"},
		{[]string{"--memory-swap", "1g"}, "needs --memory"},
		{[]string{"-m", "1g", "--memory-swap", "512m"}, "at least --memory"},
		{[]string{"-m", "64m", "--memory-reservation", "1g"}, "must not exceed"},
		{[]string{"--cpus", "-1"}, "invalid --cpus"},
		{[]string{"--cpus", "many"}, "invalid --cpus"},
		{[]string{"--cpu-shares", "1"}, "invalid --cpu-shares"},
		{[]string{"--cpuset-cpus", "3-1"}, "invalid --cpuset-cpus"},
		{[]string{"--pids-limit", "0"}, "invalid --pids-limit"},
		{[]string{"--blkio-weight", "5"}, "invalid --blkio-weight"},
		{[]string{"--device-read-bps", "sda:1mb"}, "invalid --device-read-bps"},
		{[]string{"--device-write-bps", "/dev/sda:fast"}, "invalid --device-write-bps"},
		{[]string{"--oom-score-adj", "1001"}, "invalid --oom-score-adj"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			sb.in(t).Fails(tt.want, append(append([]string{"run", "--rm"}, tt.args...), "bb", "true")...)
		})
	}
}
