package integration

import (
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// capMask reads the mask of a "CapXxx:\tHEX" line of /proc/PID/status.
func capMask(t *testing.T, status, key string) uint64 {
	t.Helper()
	for _, l := range strings.Split(status, "\n") {
		if v, ok := strings.CutPrefix(l, key+":"); ok {
			m, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			if err != nil {
				t.Fatalf("%s: %v", l, err)
			}
			return m
		}
	}
	t.Fatalf("no %s in %q", key, status)
	return 0
}

const (
	capNetAdmin    = 12
	capSysResource = 24
)

// --privileged and --cap-add ALL give the container every capability skiff
// has where it runs, which need not be all there are: this host's root
// lacks CAP_SYS_RESOURCE, as CI and Docker-in-Docker runners lack more.
// Rootless, they are the capabilities of skiff's user namespace.
func TestPrivilegedWithinCallerCaps(t *testing.T) {
	asUserAndRoot(t, func(t *testing.T, sb *sandbox) {
		withBusybox(sb)
		have := capMask(t, sb.OK("unshare", "cat", "/proc/self/status").Out, "CapBnd")
		if sb.user == nil {
			self, err := os.ReadFile("/proc/self/status")
			if err != nil {
				t.Fatal(err)
			}
			if own := capMask(t, string(self), "CapBnd"); own != have {
				t.Fatalf("skiff as root has bounding set %x, the test %x", have, own)
			}
		}
		tests := []struct {
			name string
			args []string
			want uint64
		}{
			{"privileged", []string{"--privileged"}, have},
			{"cap-add ALL", []string{"--cap-add=ALL"}, have},
			{"cap-add all, drop one", []string{"--cap-add", "all", "--cap-drop", "NET_ADMIN"}, have &^ (1 << capNetAdmin)},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := sb.in(t).OK(append(append([]string{"run", "--rm"}, tt.args...), "bb", "cat", "/proc/self/status")...)
				for _, set := range []string{"CapEff", "CapPrm", "CapBnd"} {
					if got := capMask(t, r.Out, set); got != tt.want {
						t.Errorf("%s %x, want %x", set, got, tt.want)
					}
				}
			})
		}
		// One asked for by name that skiff lacks: the container runs
		// without it, and one line says so.
		r := sb.OK("run", "--rm", "--cap-add", "SYS_RESOURCE", "bb", "cat", "/proc/self/status")
		got := capMask(t, r.Out, "CapEff")
		warned := strings.Contains(r.Err, "runs without CAP_SYS_RESOURCE")
		if have&(1<<capSysResource) != 0 {
			if got&(1<<capSysResource) == 0 || warned {
				t.Errorf("--cap-add SYS_RESOURCE where skiff has it: CapEff %x, stderr %q", got, r.Err)
			}
		} else if got&(1<<capSysResource) != 0 || !warned || strings.Count(strings.TrimSpace(r.Err), "\n") != 0 {
			t.Errorf("--cap-add SYS_RESOURCE where skiff lacks it: CapEff %x, want a one-line warning, stderr %q", got, r.Err)
		}
	})
}

func callerCanRaiseLimits(sb *sandbox) bool {
	if sb.user != nil {
		return false // the host's CAP_SYS_RESOURCE is never a user's
	}
	self, _ := os.ReadFile("/proc/self/status")
	for _, l := range strings.Split(string(self), "\n") {
		if v, ok := strings.CutPrefix(l, "CapEff:"); ok {
			m, _ := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			return m&(1<<capSysResource) != 0
		}
	}
	return false
}

func TestUlimit(t *testing.T) {
	asUserAndRoot(t, func(t *testing.T, sb *sandbox) {
		withBusybox(sb)
		out := sb.OK("run", "--rm", "--ulimit", "nofile=1024:2048", "--ulimit", "nproc=500", "bb", "sh", "-c",
			`ulimit -Sn; ulimit -Hn; grep -E "open files|processes" /proc/self/limits | tr -s " "`).Out
		if want := "1024\n2048\nMax processes 500 500 processes \nMax open files 1024 2048 files \n"; out != want {
			t.Errorf("inside: %q, want %q", out, want)
		}
		// exec'd processes have the container's limits, as in Docker.
		sb.OK("run", "-d", "--name", "u", "--ulimit", "nofile=1000:1500", "bb", "sleep", "60")
		if out := sb.OK("exec", "u", "sh", "-c", "ulimit -Sn; ulimit -Hn").Out; out != "1000\n1500\n" {
			t.Errorf("exec: %q", out)
		}
		var ul []map[string]any
		if err := json.Unmarshal([]byte(sb.OK("inspect", "-f", "{{json .HostConfig.Ulimits}}", "u").Out), &ul); err != nil {
			t.Fatal(err)
		}
		if len(ul) != 1 || ul[0]["Name"] != "nofile" || ul[0]["Soft"] != 1000.0 || ul[0]["Hard"] != 1500.0 {
			t.Errorf("inspect HostConfig.Ulimits: %v", ul)
		}
		sb.OK("rm", "-f", "u")

		// Above the caller's own hard limit: refused before anything is
		// made, unless the caller may raise its own.
		var lim syscall.Rlimit
		if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			t.Fatal(err)
		}
		if lim.Max > 1<<30 {
			t.Skipf("nofile hard limit %d: nothing above it to ask for", lim.Max)
		}
		above := strconv.FormatUint(lim.Max+10000, 10)
		arg := "nofile=" + above + ":" + above
		if callerCanRaiseLimits(sb) {
			sb.OK("run", "--rm", "--ulimit", arg, "bb", "true")
		} else {
			sb.Fails("the hard limit "+above+" is above your own hard limit for nofile, "+strconv.FormatUint(lim.Max, 10), "run", "--rm", "--ulimit", arg, "bb", "true")
		}
		for _, bad := range [][]string{{"--ulimit", "nofile=3:2"}, {"--ulimit", "bogus=1"}, {"--ulimit", "nofile"}} {
			sb.Fails("invalid --ulimit", append(append([]string{"run", "--rm"}, bad...), "bb", "true")...)
		}
		if out := sb.OK("ps", "-aq").Out; out != "" {
			t.Errorf("refused ulimits left containers: %q", out)
		}
	})
}

func TestCgroupns(t *testing.T) {
	host, err := os.Readlink("/proc/self/ns/cgroup")
	if err != nil {
		t.Skipf("no cgroup namespaces: %v", err)
	}
	asUserAndRoot(t, func(t *testing.T, sb *sandbox) {
		withBusybox(sb)
		script := "readlink /proc/self/ns/cgroup; cat /proc/self/cgroup"
		lines := func(args ...string) []string {
			return strings.Split(strings.TrimSpace(sb.OK(append(append([]string{"run", "--rm"}, args...), "bb", "sh", "-c", script)...).Out), "\n")
		}
		if got := lines("--cgroupns", "host"); got[0] != host {
			t.Errorf("--cgroupns host: namespace %s, the host's is %s", got[0], host)
		}
		got := lines("--cgroupns", "private")
		if got[0] == host {
			t.Errorf("--cgroupns private: the host's namespace %s", host)
		}
		// Its own namespace is rooted at its cgroup: every hierarchy is /.
		for _, l := range got[1:] {
			if !strings.HasSuffix(l, ":/") {
				t.Errorf("--cgroupns private: %q in /proc/self/cgroup, want the namespace's root", l)
			}
		}
		sb.OK("create", "--name", "dflt", "bb", "true")
		sb.OK("create", "--name", "priv", "--cgroupns=private", "bb", "true")
		want := "host"
		if cgroupV2() {
			want = "private"
		}
		for name, mode := range map[string]string{"dflt": want, "priv": "private"} {
			if got := strings.TrimSpace(sb.OK("inspect", "-f", "{{.HostConfig.CgroupnsMode}}", name).Out); got != mode {
				t.Errorf("inspect %s: CgroupnsMode %q, want %q", name, got, mode)
			}
		}
		if got := lines(); (got[0] == host) != (want == "host") {
			t.Errorf("default (%s): namespace %s, the host's %s", want, got[0], host)
		}
		sb.Fails("invalid --cgroupns", "run", "--rm", "--cgroupns", "shared", "bb", "true")
	})
}

// /dev/kmsg (c 1:11) is outside the default device rules: reading it
// takes the rule (and CAP_SYSLOG where dmesg is restricted).
func TestDeviceCgroupRule(t *testing.T) {
	read := []string{"--cap-add", "SYSLOG", "bb", "sh", "-c", "mknod /tmp/k c 1 11 && head -c 10 /tmp/k | wc -c"}
	asUserAndRoot(t, func(t *testing.T, sb *sandbox) {
		withBusybox(sb)
		if sb.user != nil {
			sb.Fails("needs root", append([]string{"run", "--rm", "--device-cgroup-rule", "c 1:11 r"}, read...)...)
			return
		}
		if _, err := os.Stat("/sys/fs/cgroup/devices"); err != nil && !cgroupV2() {
			t.Skip("no devices controller")
		}
		r := sb.Skiff(append([]string{"run", "--rm"}, read...)...)
		if !strings.Contains(r.Err, "Operation not permitted") {
			t.Errorf("without the rule: %s", r)
		}
		if out := sb.OK(append([]string{"run", "--rm", "--device-cgroup-rule", "c 1:11 r"}, read...)...).Out; strings.TrimSpace(out) != "10" {
			t.Errorf("with the rule: read %q bytes", out)
		}
		sb.OK("create", "--name", "d", "--device-cgroup-rule", "c 1:11 r", "--device-cgroup-rule", "b *:* m", "bb", "true")
		if got := strings.TrimSpace(sb.OK("inspect", "-f", "{{json .HostConfig.DeviceCgroupRules}}", "d").Out); got != `["c 1:11 r","b *:* m"]` {
			t.Errorf("inspect DeviceCgroupRules: %s", got)
		}
		sb.Fails("invalid --device-cgroup-rule", "run", "--rm", "--device-cgroup-rule", "c 1:3", "bb", "true")
	})
}

// Docker's deprecated --kernel-memory is accepted, said to be ignored,
// and ignored.
func TestKernelMemoryIgnored(t *testing.T) {
	asUserAndRoot(t, func(t *testing.T, sb *sandbox) {
		withBusybox(sb)
		r := sb.OK("run", "--rm", "--kernel-memory", "10m", "bb", "echo", "hi")
		if r.Out != "hi\n" || strings.TrimSpace(r.Err) != "skiff: warning: --kernel-memory is deprecated and ignored: kernel memory counts toward the container's --memory" {
			t.Errorf("--kernel-memory 10m: %s", r)
		}
		sb.Fails("invalid --kernel-memory", "run", "--rm", "--kernel-memory", "lots", "bb", "true")
		if out := sb.OK("ps", "-aq").Out; out != "" {
			t.Errorf("left: %q", out)
		}
	})
}
