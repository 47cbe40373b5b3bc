package integration

import (
	"encoding/json"
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
		// Raw cgroup v2 settings cannot apply through v1: the rest does.
		r := sb.OK("run", "--rm", "--network", "none", "-m", "64m", "--cgroup-conf", "memory.high=50331648", "bb", "true")
		if !strings.Contains(r.Err, "limits ignored (--cgroup-conf)") || strings.Contains(r.Err, "--memory") {
			t.Errorf("--cgroup-conf on v1: %s", r)
		}
	}
	pid := inspectInt(t, sb, "lim", ".State.Pid")
	if b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/oom_score_adj"); strings.TrimSpace(string(b)) != "300" {
		t.Errorf("oom_score_adj: %q", b)
	}

	// update changes a running container's cgroup, and its configuration.
	sb.OK("update", "-m", "128m", "--pids-limit", "30", "lim")
	memFile, pidsFile := "memory.limit_in_bytes", "pids.max"
	if v2 {
		memFile = "memory.max"
	}
	if got := cgroupFile(t, sb, "lim", "memory", memFile); got != "134217728" {
		t.Errorf("%s after update: %q", memFile, got)
	}
	if got := cgroupFile(t, sb, "lim", "pids", pidsFile); got != "30" {
		t.Errorf("pids.max after update: %q", got)
	}
	if out := sb.OK("inspect", "-f", "{{.HostConfig.Memory}} {{.HostConfig.PidsLimit}} {{.HostConfig.NanoCpus}}", "lim").Out; out != "134217728 30 500000000\n" {
		t.Errorf("configuration after update: %q", out)
	}
	sb.FailsWith(1, "at least --memory", "update", "--memory-swap", "64m", "lim")

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
	sb.Fails("cannot apply --cgroup-conf", "run", "--rm", "--strict-limits", "--cgroup-conf", "memory.high=50331648", "bb", "true")
	// update records what it cannot apply now, and says so.
	sb.OK("run", "-d", "--name", "later", "bb", "sleep", "300")
	r = sb.OK("update", "-m", "100m", "later")
	if !strings.Contains(r.Err, "recorded for its next start") {
		t.Errorf("update warning: %q", r.Err)
	}
	if out := sb.OK("inspect", "-f", "{{.HostConfig.Memory}}", "later").Out; out != "104857600\n" {
		t.Errorf("recorded limit: %q", out)
	}
	sb.Fails("invalid --cpus", "update", "--cpus", "fast", "later")
	sb.Fails("at least one limit", "update", "later")
	sb.FailsWith(1, "No such container", "update", "-m", "64m", "nosuch")
	sb.OK("rm", "-f", "later")
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
		{[]string{"--pids-limit", "-2"}, "invalid --pids-limit"},
		{[]string{"-m", "-1"}, "invalid --memory"},
		{[]string{"--blkio-weight", "5"}, "invalid --blkio-weight"},
		{[]string{"--device-read-bps", "sda:1mb"}, "invalid --device-read-bps"},
		{[]string{"--device-write-bps", "/dev/sda:fast"}, "invalid --device-write-bps"},
		{[]string{"--oom-score-adj", "1001"}, "invalid --oom-score-adj"},
		{[]string{"--cgroup-conf", "memory.high"}, "invalid --cgroup-conf"},
		{[]string{"--cgroup-conf", "cgroup.procs=1"}, "invalid --cgroup-conf"},
		{[]string{"--cgroup-conf", "../memory.max=1"}, "invalid --cgroup-conf"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			sb.in(t).Fails(tt.want, append(append([]string{"run", "--rm"}, tt.args...), "bb", "true")...)
		})
	}
}

func TestTop(t *testing.T) {
	sb := runSandbox(t)
	sb.OK("run", "-d", "--name", "busy", "--network", "none", "bb", "sh", "-c", "sleep 300 & sleep 301 & wait")
	// Its processes, and only its: the first and two children.
	var out string
	for range 50 {
		if out = sb.OK("top", "busy").Out; strings.Contains(out, "sleep 301") {
			break
		}
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 || !strings.Contains(lines[0], "PID") || !strings.Contains(out, "sleep 300") {
		t.Errorf("top:\n%s", out)
	}
	if out := sb.OK("top", "busy", "-o", "pid,comm").Out; !strings.HasPrefix(strings.TrimSpace(out), "PID COMMAND") || strings.Count(out, "sleep") != 2 {
		t.Errorf("top with ps options:\n%s", out)
	}
	sb.Fails("no PID column", "top", "busy", "-o", "comm")
	sb.Fails("ps --bogus", "top", "busy", "--bogus")
	sb.OK("stop", "-t", "0", "busy")
	sb.FailsWith(1, "is not running", "top", "busy")
}

func TestStats(t *testing.T) {
	sb := runSandbox(t)
	sb.OK("run", "-d", "--name", "spin", "--network", "none", "bb", "sh", "-c", "while :; do :; done")
	sb.OK("run", "-d", "--name", "three", "--network", "none", "bb", "sh", "-c", "sleep 300 & sleep 301 & wait")
	type row struct{ Name, CPUPerc, MemUsage, PIDs, NetIO, BlockIO string }
	var rows []row
	for _, l := range strings.Split(strings.TrimSpace(sb.OK("stats", "--no-stream", "--format", "json").Out), "\n") {
		var r row
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("%q: %v", l, err)
		}
		rows = append(rows, r)
	}
	if len(rows) != 2 {
		t.Fatalf("stats rows: %+v", rows)
	}
	for _, r := range rows {
		cpu, err := strconv.ParseFloat(strings.TrimSuffix(r.CPUPerc, "%"), 64)
		if err != nil {
			t.Errorf("CPU %%: %q", r.CPUPerc)
		}
		switch r.Name {
		case "spin":
			if cpu < 30 || r.PIDs != "1" {
				t.Errorf("a spinning container: %+v", r)
			}
		case "three":
			if cpu > 30 || r.PIDs != "3" || !strings.Contains(r.MemUsage, "iB / ") {
				t.Errorf("an idle container of three processes: %+v", r)
			}
		}
	}
	if out := sb.OK("stats", "--no-stream", "--format", "{{.Name}} {{.PIDs}}", "three").Out; out != "three 3\n" {
		t.Errorf("stats of one container: %q", out)
	}
	if out := sb.OK("stats", "--no-stream").Out; !strings.HasPrefix(out, "CONTAINER ID") || !strings.Contains(out, "MEM USAGE / LIMIT") {
		t.Errorf("stats table:\n%s", out)
	}
	sb.FailsWith(1, "No such container", "stats", "--no-stream", "nosuch")
	sb.Fails("invalid", "stats", "--no-stream", "--format", "{{.Nope")
}

// As root the memory figures are the container's cgroup's, against its
// limit.
func TestStatsAsRoot(t *testing.T) {
	sb := rootRunSandbox(t)
	sb.OK("run", "-d", "--name", "capped", "--network", "none", "-m", "64m", "bb", "sleep", "300")
	if out := sb.OK("stats", "--no-stream", "--format", "{{.MemUsage}}", "capped").Out; !strings.HasSuffix(out, " / 64MiB\n") {
		t.Errorf("memory against --memory: %q", out)
	}
}
