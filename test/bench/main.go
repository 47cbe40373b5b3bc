// Command bench measures skiff against podman in the same run and writes
// docs/benchmarks.md. As root it runs both tools rootless, as a benchmark
// user with subordinate ids; otherwise as the calling user. The build
// group (build.go) also times buildah and Docker's BuildKit; -only runs
// some groups alone.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/skiff-containers/skiff/test/testenv"
)

type env struct {
	skiff, podman string // binaries; podman empty when not installed
	user          *testenv.User
	work          string
	reg           *testenv.Registry
	runs          int
	// sections are more of the report, after the table (the build
	// group's side by side figures).
	sections []string
}

// result is one benchmark's figures.
type result struct {
	name, unit    string
	skiff, podman []float64
	target        string
	// skiffNote stands in skiff's cell when it has no figures (why).
	skiffNote string
	// met judges the medians.
	met func(skiff, podman float64) bool
}

func main() {
	skiffBin := flag.String("skiff-bin", "bin/skiff", "skiff binary")
	out := flag.String("out", "docs/benchmarks.md", "report file")
	runs := flag.Int("runs", 7, "runs per figure (the median is reported)")
	only := flag.String("only", "", "run only these groups, comma-separated: "+strings.Join(groups, ", ")+" (network runs run too: its baseline)")
	flag.Parse()
	want, err := selectGroups(*only)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	if err := run(*skiffBin, *out, *runs, want); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// groups are the benchmarks -only can pick.
var groups = []string{"pull", "run", "network", "limits", "build"}

// selectGroups reads -only: every group when empty.
func selectGroups(only string) (map[string]bool, error) {
	want := map[string]bool{}
	for _, g := range groups {
		want[g] = only == ""
	}
	if only == "" {
		return want, nil
	}
	for _, g := range strings.Split(only, ",") {
		g = strings.TrimSpace(g)
		if _, ok := want[g]; !ok {
			return nil, fmt.Errorf("-only: unknown group %q (groups: %s)", g, strings.Join(groups, ", "))
		}
		want[g] = true
	}
	// The network start is judged against the --network none one.
	if want["network"] {
		want["run"] = true
	}
	return want, nil
}

func run(skiffBin, out string, runs int, want map[string]bool) error {
	work, err := os.MkdirTemp("", "skiff-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	if err := os.Chmod(work, 0o755); err != nil {
		return err
	}
	e := &env{work: work, runs: runs, skiff: filepath.Join(work, "skiff")}
	for _, name := range []string{"skiff", "skiff-supervisor", "skiff-init", "skiff-monitor", "skiff-ports"} {
		if err := copyExec(filepath.Join(filepath.Dir(skiffBin), name), filepath.Join(work, name)); err != nil {
			return err
		}
	}
	// The anchor is podman with runc, which Debian's podman does not pull
	// in (it recommends crun, which refuses this host).
	_, runcErr := exec.LookPath("runc")
	if p, err := exec.LookPath("podman"); err == nil && runcErr == nil {
		e.podman = p
	} else {
		fmt.Fprintln(os.Stderr, "bench: podman or runc not installed; measuring skiff alone (apt-get install podman runc to compare)")
	}
	if os.Geteuid() == 0 {
		u, err := testenv.EnsureUser("skiff-bench", true, 500000)
		if err != nil {
			return err
		}
		e.user = &u
	}
	ctx := context.Background()
	if want["pull"] || want["run"] {
		regDir := filepath.Join(work, "registry")
		os.MkdirAll(regDir, 0o755)
		if e.reg, err = testenv.StartRegistry(ctx, regDir); err != nil {
			return err
		}
		defer e.reg.Stop()
	}

	var results []result
	if want["pull"] {
		r, err := benchPull(e)
		if err != nil {
			return err
		}
		results = append(results, r)
	}
	if want["run"] {
		re, err := prepareRun(e)
		if err != nil {
			return err
		}
		rs, err := benchRun(e, re)
		if err != nil {
			return err
		}
		results = append(results, rs...)
		if want["network"] {
			ns, err := benchNetwork(e, re, median(rs[0].skiff))
			if err != nil {
				return err
			}
			results = append(results, ns...)
		}
	}
	if want["limits"] {
		ls, err := benchLimitsVM(e, skiffBin)
		if err != nil {
			return err
		}
		results = append(results, ls...)
	}
	if want["build"] {
		bs, err := benchBuild(e)
		if err != nil {
			return err
		}
		results = append(results, bs...)
	}
	report := render(e, results)
	fmt.Print(report)
	return os.WriteFile(out, []byte(report), 0o644)
}

// benchPull: a 5-layer image of about 80 MB (four 20 MB random layers on
// busybox) pulled from the local registry into an empty store.
func benchPull(e *env) (result, error) {
	ref := e.reg.Addr + "/bench/layers:latest"
	img, err := testenv.WithRandomLayers(runtime.GOARCH, 4, 20<<20)
	if err != nil {
		return result{}, err
	}
	if err := testenv.Push(ref, img); err != nil {
		return result{}, err
	}
	res := result{
		name: "pull 5-layer 80 MB image, empty store", unit: "s",
		target: "skiff <= 0.5 x podman",
		met:    func(s, p float64) bool { return p > 0 && s/p <= 0.5 },
	}
	for i := 0; i < e.runs; i++ {
		home := e.sandbox(fmt.Sprintf("pull-skiff-%d", i))
		d, err := e.timed(home, e.skiff, "--root", filepath.Join(home, "store"), "--runroot", filepath.Join(home, "run"), "pull", "-q", ref)
		if err != nil {
			return result{}, fmt.Errorf("skiff pull: %w", err)
		}
		res.skiff = append(res.skiff, d.Seconds())
		if e.podman == "" {
			continue
		}
		home = e.sandbox(fmt.Sprintf("pull-podman-%d", i))
		d, err = e.timed(home, e.podman, "--root", filepath.Join(home, "store"), "--runroot", filepath.Join(home, "run"),
			"--storage-driver", "overlay", "pull", "-q", "--tls-verify=false", ref)
		if err != nil {
			return result{}, fmt.Errorf("podman pull: %w", err)
		}
		res.podman = append(res.podman, d.Seconds())
	}
	return res, nil
}

// runEnv is a skiff and a podman store with the busybox image pulled.
type runEnv struct {
	ref, sk, pm   string
	skiff, podman func(args ...string) []string
}

func prepareRun(e *env) (*runEnv, error) {
	ref := e.reg.Addr + "/bench/busybox:latest"
	img, err := testenv.Busybox(runtime.GOARCH)
	if err != nil {
		return nil, err
	}
	if err := testenv.Push(ref, img); err != nil {
		return nil, err
	}
	sk := e.sandbox("run-skiff")
	pm := e.sandbox("run-podman")
	re := &runEnv{ref: ref, sk: sk, pm: pm,
		skiff: func(args ...string) []string {
			return append([]string{"--root", filepath.Join(sk, "store"), "--runroot", filepath.Join(sk, "run")}, args...)
		},
		podman: func(args ...string) []string {
			return append([]string{"--root", filepath.Join(pm, "store"), "--runroot", filepath.Join(pm, "run"), "--storage-driver", "overlay", "--runtime", "runc", "--cgroup-manager", "cgroupfs", "--events-backend", "none"}, args...)
		},
	}
	if _, err := e.output(sk, e.skiff, re.skiff("pull", "-q", ref)...); err != nil {
		return nil, err
	}
	if e.podman != "" {
		if _, err := e.output(pm, e.podman, re.podman("pull", "-q", "--tls-verify=false", ref)...); err != nil {
			return nil, err
		}
	}
	return re, nil
}

// benchRun: `run --rm IMAGE true` on a warm image, no network, and the
// memory of the process that owns an idle running container (skiff's
// supervisor, podman's conmon).
func benchRun(e *env, re *runEnv) ([]result, error) {
	ref, sk, pm, skiff, podman := re.ref, re.sk, re.pm, re.skiff, re.podman
	lat := result{
		name: "run --rm IMAGE true (warm, --network none)", unit: "s",
		target: "skiff <= 0.10 x podman (runc)",
		met:    func(s, p float64) bool { return p > 0 && s/p <= 0.10 },
	}
	runs := e.runs * 3
	for i := 0; i < runs; i++ {
		d, err := e.timed(sk, e.skiff, skiff("run", "--rm", "--network", "none", ref, "true")...)
		if err != nil {
			return nil, err
		}
		lat.skiff = append(lat.skiff, d.Seconds())
		if e.podman == "" {
			continue
		}
		d, err = e.timed(pm, e.podman, podman("run", "--rm", "--network", "none", ref, "true")...)
		if err != nil {
			return nil, err
		}
		lat.podman = append(lat.podman, d.Seconds())
	}
	rss := result{
		name: "RSS of the process owning an idle container", unit: "MB",
		target: "skiff <= 3 MB (conmon: 2.4 MB)",
		met:    func(s, _ float64) bool { return s > 0 && s <= 3 },
	}
	for i := 0; i < 3; i++ {
		name := fmt.Sprintf("idle%d", i)
		if _, err := e.output(sk, e.skiff, skiff("run", "-d", "--name", name, "--network", "none", ref, "sleep", "600")...); err != nil {
			return nil, err
		}
		time.Sleep(500 * time.Millisecond)
		pid, err := e.output(sk, e.skiff, skiff("inspect", "-f", "{{.State.SupervisorPid}}", name)...)
		if err != nil {
			return nil, err
		}
		mb, err := rssMB(pid)
		if err != nil {
			return nil, err
		}
		rss.skiff = append(rss.skiff, mb)
		if _, err := e.output(sk, e.skiff, skiff("rm", "-f", name)...); err != nil {
			return nil, err
		}
		if e.podman == "" {
			continue
		}
		if _, err := e.output(pm, e.podman, podman("run", "-d", "--name", name, "--network", "none", ref, "sleep", "600")...); err != nil {
			return nil, err
		}
		time.Sleep(500 * time.Millisecond)
		pid, err = e.output(pm, e.podman, podman("inspect", "-f", "{{.State.ConmonPid}}", name)...)
		if err != nil {
			return nil, err
		}
		if mb, err = rssMB(pid); err != nil {
			return nil, err
		}
		rss.podman = append(rss.podman, mb)
		if _, err := e.output(pm, e.podman, podman("rm", "-f", "-t", "0", name)...); err != nil {
			return nil, err
		}
	}
	return []result{lat, rss}, nil
}

// rssMB reads a process's resident set size.
func rssMB(pid string) (float64, error) {
	data, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return 0, err
	}
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			var kb float64
			fmt.Sscanf(strings.TrimSpace(v), "%f", &kb)
			return kb / 1024, nil
		}
	}
	return 0, fmt.Errorf("no VmRSS for pid %s", pid)
}

// sandbox is an empty home for one run, owned by the benchmark user.
func (e *env) sandbox(name string) string {
	home := filepath.Join(e.work, name)
	for _, d := range []string{home, filepath.Join(home, "run"), filepath.Join(home, "xdg")} {
		os.MkdirAll(d, 0o700)
		if e.user != nil {
			os.Chown(d, e.user.UID, e.user.GID)
		}
	}
	return home
}

func (e *env) command(home string, bin string, args ...string) *exec.Cmd {
	cmd := exec.Command(bin, args...)
	cmd.Dir = home
	cmd.Env = []string{"HOME=" + home, "XDG_RUNTIME_DIR=" + filepath.Join(home, "xdg"), "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
	if e.user != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: e.user.Credential()}
	}
	return cmd
}

// output runs a command and returns its stdout.
func (e *env) output(home string, bin string, args ...string) (string, error) {
	cmd := e.command(home, bin, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("%s %v: %v: %s", filepath.Base(bin), args, err, stderr.String())
	}
	return strings.TrimSpace(string(out)), nil
}

func (e *env) timed(home string, bin string, args ...string) (time.Duration, error) {
	cmd := e.command(home, bin, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	// Write back what earlier runs left dirty, so that no run pays for
	// another's writes.
	syscall.Sync()
	start := time.Now()
	err := cmd.Run()
	d := time.Since(start)
	if err != nil {
		return 0, fmt.Errorf("%v: %s", err, stderr.String())
	}
	return d, nil
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func render(e *env, results []result) string {
	var b strings.Builder
	b.WriteString("# Benchmarks\n\n")
	b.WriteString("Written by `make bench` (test/bench). Each figure is the median of the runs listed; skiff and podman run in the same session on the same machine, rootless, against the same local registry.\n\n")
	fmt.Fprintf(&b, "- date: %s\n- machine: %s\n", time.Now().UTC().Format("2006-01-02 15:04 UTC"), machine())
	if e.podman != "" {
		fmt.Fprintf(&b, "- podman: %s\n", toolVersion(e.podman))
	}
	fmt.Fprintf(&b, "- skiff: %s\n- runs per figure: %d\n\n", toolVersion(e.skiff), e.runs)
	b.WriteString("| benchmark | skiff | podman | ratio | target | met |\n|---|---|---|---|---|---|\n")
	for _, r := range results {
		ms, mp := median(r.skiff), median(r.podman)
		ratio, met := "n/a", "no"
		if mp > 0 && ms > 0 {
			ratio = fmt.Sprintf("%.2f", ms/mp)
		}
		if r.met(ms, mp) {
			met = "yes"
		}
		sk := fmt.Sprintf("%.3f %s", ms, r.unit)
		if r.skiffNote != "" && len(r.skiff) == 0 {
			sk = r.skiffNote
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", r.name, sk, fmtOr(mp, r.unit), ratio, r.target, met)
	}
	for _, s := range e.sections {
		b.WriteString("\n" + s)
	}
	b.WriteString("\nWhere the time goes, and what is left: [performance.md](performance.md).\n")
	b.WriteString("\nAll runs:\n\n")
	for _, r := range results {
		fmt.Fprintf(&b, "- %s: skiff %s; podman %s\n", r.name, fmtList(r.skiff), fmtList(r.podman))
	}
	return b.String()
}

func fmtOr(v float64, unit string) string {
	if v == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.3f %s", v, unit)
}

func fmtList(xs []float64) string {
	if len(xs) == 0 {
		return "n/a"
	}
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = fmt.Sprintf("%.3f", x)
	}
	return strings.Join(parts, ", ")
}

func machine() string {
	cpu := "unknown cpu"
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(data), "\n") {
			if strings.HasPrefix(l, "model name") {
				cpu = strings.TrimSpace(strings.SplitN(l, ":", 2)[1])
				break
			}
		}
	}
	var si syscall.Sysinfo_t
	syscall.Sysinfo(&si)
	var uts syscall.Utsname
	syscall.Uname(&uts)
	rel := make([]byte, 0, 65)
	for _, c := range uts.Release {
		if c == 0 {
			break
		}
		rel = append(rel, byte(c))
	}
	return fmt.Sprintf("%s, %d cores, %.0f GiB, kernel %s", cpu, runtime.NumCPU(), float64(si.Totalram)*float64(si.Unit)/(1<<30), rel)
}

func toolVersion(bin string) string {
	out, err := exec.Command(bin, "--version").Output()
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(out))
}

func copyExec(src, dst string) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, data, 0o755)
}
