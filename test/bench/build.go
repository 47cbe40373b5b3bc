package main

import (
	"fmt"
	"io"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/skiff-containers/skiff/test/testenv"
)

// The build benchmark's Dockerfile: 10 steps, 3 of them RUN and 2 COPY,
// on a busybox base that each tool imports from the same rootfs tarball
// (nothing is pulled). The second COPY's b/changing.txt changes for (c);
// the last RUN steps depend on it, so they run again.
const buildDockerfile = `FROM bench-base
ENV BENCH=build LANG=C.UTF-8
WORKDIR /app
COPY a/ /app/a/
RUN mkdir -p /app/out && cat /app/a/*.txt | wc -c > /app/out/a-size && echo a > /app/out/steps
LABEL org.skiff.bench=build
COPY b/ /app/b/
RUN cat /app/b/* > /app/out/b.txt && echo b >> /app/out/steps
RUN ls -lR /app > /app/out/list && wc -l /app/out/list >> /app/out/steps
CMD ["cat", "/app/out/b.txt"]
`

const (
	buildBase = "bench-base:latest"
	buildTag  = "bench-build:latest"
	// buildTimeout bounds one build, so that a hung tool fails its
	// column instead of the bench.
	buildTimeout = 10 * time.Minute
)

var buildCases = [3]string{
	"build --no-cache, cold",
	"the same build again, all cached",
	"rebuild after a file of the second COPY changed",
}

// builder is one tool's column.
type builder struct {
	name string
	// note says why the tool has no figures ("unavailable (...)",
	// "failed: ..."); empty while it runs.
	note  string
	ctx   string // its own copy of the build context
	build func(noCache bool) *exec.Cmd
	// check returns what the built image's CMD prints (b.txt).
	check func() (string, error)
	// version is the tool's version line.
	version string
	// cleanup ends what the tool left running; nil when nothing.
	cleanup func()
	times   [3][]float64
}

// benchBuild times the Dockerfile above with skiff, podman build (buildah
// inside), buildah bud and Docker's BuildKit (a dockerd of its own), each
// in its own store: (a) --no-cache, (b) the same build all cached, (c)
// after one file of the second COPY changed, a new content each run.
func benchBuild(e *env) ([]result, error) {
	dir := filepath.Join(e.work, "build")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	rootfs := filepath.Join(dir, "rootfs.tar")
	if err := writeRootfs(rootfs); err != nil {
		return nil, err
	}
	var bs []*builder
	defer func() {
		for _, b := range bs {
			if b.cleanup != nil {
				b.cleanup()
			}
		}
	}()
	bs = append(bs, skiffBuilder(e, rootfs))
	bs = append(bs, podmanBuilder(e, rootfs))
	bs = append(bs, buildahBuilder(e, rootfs))
	bs = append(bs, buildkitBuilder(e, dir, rootfs))
	for _, b := range bs {
		if b.note != "" {
			continue
		}
		if err := writeContext(b.ctx); err != nil {
			return nil, err
		}
	}
	for i := 0; i < e.runs; i++ {
		for _, b := range bs {
			if b.note != "" {
				continue
			}
			if err := b.round(i, i == e.runs-1); err != nil {
				b.fail(err)
			}
		}
	}
	return buildResults(e, bs), nil
}

// round is one run of the three cases; last also checks that (c)'s image
// holds the changed file.
func (b *builder) round(i int, last bool) error {
	for c := 0; c < 3; c++ {
		content := ""
		if c == 2 {
			content = fmt.Sprintf("%s run %d at %d\n", b.name, i, time.Now().UnixNano())
			if err := os.WriteFile(filepath.Join(b.ctx, "b", "changing.txt"), []byte(content), 0o644); err != nil {
				return err
			}
		}
		d, err := timeBuild(b.build(c == 0))
		if err != nil {
			return fmt.Errorf("(%c) %s: %w", 'a'+c, buildCases[c], err)
		}
		b.times[c] = append(b.times[c], d.Seconds())
		if c == 2 && last {
			out, err := b.check()
			if err != nil {
				return fmt.Errorf("running the built image: %w", err)
			}
			if !strings.Contains(out, content) {
				return fmt.Errorf("the rebuilt image lacks the changed file: its b.txt is %q", out)
			}
		}
	}
	return nil
}

// fail drops a tool's figures: a column measured only in part would
// mislead.
func (b *builder) fail(err error) {
	msg := err.Error()
	fmt.Fprintf(os.Stderr, "bench: build: %s failed: %s\n", b.name, msg)
	b.note = "failed: " + shorten(msg)
	b.times = [3][]float64{}
}

// timeBuild runs one build with its output discarded (-q: the id).
func timeBuild(cmd *exec.Cmd) (time.Duration, error) {
	var stderr strings.Builder
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr
	syscall.Sync()
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	timer := time.AfterFunc(buildTimeout, func() { cmd.Process.Kill() })
	err := cmd.Wait()
	d := time.Since(start)
	timer.Stop()
	if err != nil {
		return 0, fmt.Errorf("%v: %s", err, strings.TrimSpace(stderr.String()))
	}
	return d, nil
}

func skiffBuilder(e *env, rootfs string) *builder {
	home := e.sandbox("build-skiff")
	b := &builder{name: "skiff", ctx: filepath.Join(home, "ctx"), version: toolVersion(e.skiff)}
	g := func(args ...string) []string {
		return append([]string{"--root", filepath.Join(home, "store"), "--runroot", filepath.Join(home, "run")}, args...)
	}
	if _, err := e.output(home, e.skiff, "build", "--help"); err != nil {
		b.note = "unavailable (no build command)"
		return b
	}
	if _, err := e.output(home, e.skiff, g("import", rootfs, buildBase)...); err != nil {
		b.note = "failed: import: " + shorten(err.Error())
		return b
	}
	b.build = func(noCache bool) *exec.Cmd {
		return e.command(home, e.skiff, g(buildArgs("build", noCache, "-q", "-t", buildTag, b.ctx)...)...)
	}
	b.check = func() (string, error) {
		return e.output(home, e.skiff, g("run", "--rm", "--network", "none", buildTag)...)
	}
	return b
}

func podmanBuilder(e *env, rootfs string) *builder {
	b := &builder{name: "podman build"}
	if e.podman == "" {
		b.note = "unavailable (podman or runc not installed: bash test/setup-bench-deps.sh)"
		return b
	}
	b.version = toolVersion(e.podman)
	home := e.sandbox("build-podman")
	b.ctx = filepath.Join(home, "ctx")
	b.cleanup = func() { endPodmanPause(home) }
	g := func(args ...string) []string {
		return append([]string{"--root", filepath.Join(home, "store"), "--runroot", filepath.Join(home, "run"), "--storage-driver", "overlay",
			"--runtime", "runc", "--cgroup-manager", "cgroupfs", "--events-backend", "none"}, args...)
	}
	if _, err := e.output(home, e.podman, g("import", "-q", rootfs, buildBase)...); err != nil {
		b.note = "failed: import: " + shorten(err.Error())
		return b
	}
	b.build = func(noCache bool) *exec.Cmd {
		return e.command(home, e.podman, g(buildArgs("build", noCache, "--pull=never", "-q", "-t", buildTag, b.ctx)...)...)
	}
	b.check = func() (string, error) {
		return e.output(home, e.podman, g("run", "--rm", "--network", "none", buildTag)...)
	}
	return b
}

// buildahBuilder: buildah bud with --layers (podman build's default; bud
// alone caches no step). buildah has no import: the base is a container
// from scratch with the tarball added, committed.
func buildahBuilder(e *env, rootfs string) *builder {
	b := &builder{name: "buildah bud"}
	bin, err := exec.LookPath("buildah")
	if err != nil {
		b.note = "unavailable (buildah not installed: bash test/setup-bench-deps.sh)"
		return b
	}
	b.version = toolVersion(bin)
	home := e.sandbox("build-buildah")
	b.ctx = filepath.Join(home, "ctx")
	g := func(args ...string) []string {
		return append([]string{"--root", filepath.Join(home, "store"), "--runroot", filepath.Join(home, "run"), "--storage-driver", "overlay",
			"--cgroup-manager", "cgroupfs"}, args...)
	}
	base, err := e.output(home, bin, g("from", "--pull=never", "scratch")...)
	if err == nil {
		_, err = e.output(home, bin, g("add", base, rootfs, "/")...)
	}
	if err == nil {
		_, err = e.output(home, bin, g("commit", "-q", "--rm", base, buildBase)...)
	}
	if err != nil {
		b.note = "failed: import: " + shorten(err.Error())
		return b
	}
	b.build = func(noCache bool) *exec.Cmd {
		return e.command(home, bin, g(buildArgs("bud", noCache, "--layers", "--pull=never", "--runtime", "runc", "-q", "-t", buildTag, b.ctx)...)...)
	}
	b.check = func() (string, error) {
		ctr, err := e.output(home, bin, g("from", "--pull=never", buildTag)...)
		if err != nil {
			return "", err
		}
		defer e.output(home, bin, g("rm", ctr)...)
		return e.output(home, bin, g("run", "--runtime", "runc", ctr, "--", "cat", "/app/out/b.txt")...)
	}
	return b
}

// buildkitBuilder: docker build with DOCKER_BUILDKIT=1 against a dockerd
// the bench starts (see startDockerd). Its bridge is off, so RUN steps
// take --network host: the daemon's own network namespace, loopback
// alone (what a standalone buildkitd without CNI does too). Its cleanup
// ends the daemon and removes its files.
func buildkitBuilder(e *env, dir, rootfs string) *builder {
	b := &builder{name: "BuildKit"}
	if os.Geteuid() != 0 {
		b.note = "unavailable (dockerd needs root: run the bench as root)"
		return b
	}
	d, err := startDockerd(filepath.Join(dir, "docker"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench: build: BuildKit:", err)
		b.note = "unavailable (" + shorten(err.Error()) + ")"
		return b
	}
	b.cleanup = d.stop
	b.version = "dockerd " + d.version
	b.ctx = filepath.Join(dir, "docker-ctx")
	if _, err := d.output("import", rootfs, buildBase); err != nil {
		b.note = "failed: import: " + shorten(err.Error())
		return b
	}
	b.build = func(noCache bool) *exec.Cmd {
		return d.command(buildArgs("build", noCache, "--network", "host", "-q", "-t", buildTag, b.ctx)...)
	}
	b.check = func() (string, error) {
		return d.output("run", "--rm", "--network", "none", buildTag)
	}
	return b
}

// endPodmanPause ends the pause process rootless podman leaves holding
// its user namespace, found by the pid file in the sandbox's runtime dir.
func endPodmanPause(home string) {
	data, err := os.ReadFile(filepath.Join(home, "xdg", "libpod", "tmp", "pause.pid"))
	if err != nil {
		return
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(data)))
	if cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid)); pid > 0 && err == nil && strings.Contains(string(cmdline), "podman") {
		syscall.Kill(pid, syscall.SIGTERM)
	}
}

// buildArgs is VERB [--no-cache] ARGS...
func buildArgs(verb string, noCache bool, args ...string) []string {
	out := []string{verb}
	if noCache {
		out = append(out, "--no-cache")
	}
	return append(out, args...)
}

// writeRootfs writes the busybox root file system the tests use (Debian's
// busybox-static, its applet links, /etc/passwd and group) as a tarball.
func writeRootfs(path string) error {
	l, err := testenv.BusyboxLayer()
	if err != nil {
		return err
	}
	rc, err := l.Uncompressed()
	if err != nil {
		return err
	}
	defer rc.Close()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, rc); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// writeContext lays out a build context: the Dockerfile, a/ (64 text
// files of 4 KiB and a 2 MiB binary) and b/ (16 files of 1 KiB and
// changing.txt). The same seed gives every tool the same bytes.
func writeContext(dir string) error {
	rng := rand.New(rand.NewSource(1))
	text := func(n int) []byte {
		const letters = "abcdefghijklmnopqrstuvwxyz0123456789 \n"
		p := make([]byte, n)
		for i := range p {
			p[i] = letters[rng.Intn(len(letters))]
		}
		return p
	}
	files := map[string][]byte{"Dockerfile": []byte(buildDockerfile), "b/changing.txt": []byte("first\n")}
	for i := 0; i < 64; i++ {
		files[fmt.Sprintf("a/file%02d.txt", i)] = text(4 << 10)
	}
	bin := make([]byte, 2<<20)
	rng.Read(bin)
	files["a/data.bin"] = bin
	for i := 0; i < 16; i++ {
		files[fmt.Sprintf("b/part%02d.txt", i)] = text(1 << 10)
	}
	for name, data := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// buildResults turns the columns into the report's rows (skiff against
// podman build, BuildKit's figure and ratio in the name) and the side by
// side section.
func buildResults(e *env, bs []*builder) []result {
	col := map[string]*builder{}
	for _, b := range bs {
		col[b.name] = b
	}
	sk, pm, bk := col["skiff"], col["podman build"], col["BuildKit"]
	var results []result
	for c := 0; c < 3; c++ {
		name := fmt.Sprintf("build, 10-step Dockerfile (3 RUN, 2 COPY): (%c) %s", 'a'+c, buildCases[c])
		bkMedian := median(bk.times[c])
		if bkMedian > 0 {
			name += fmt.Sprintf("; BuildKit %.3f s", bkMedian)
			if s := median(sk.times[c]); s > 0 {
				name += fmt.Sprintf(", skiff/BuildKit %.2f", s/bkMedian)
			}
		}
		r := result{name: name, unit: "s", skiff: sk.times[c], podman: pm.times[c], skiffNote: sk.note}
		if c == 1 {
			r.target = "skiff <= 0.1 x podman build, and below BuildKit"
			r.met = func(s, p float64) bool { return s > 0 && p > 0 && s/p <= 0.1 && (bkMedian == 0 || s < bkMedian) }
		} else {
			r.target = "skiff <= 0.6 x podman build"
			r.met = func(s, p float64) bool { return s > 0 && p > 0 && s/p <= 0.6 }
		}
		results = append(results, r)
	}
	e.sections = append(e.sections, buildSection(bs, sk, pm, bk))
	return results
}

func buildSection(bs []*builder, sk, pm, bk *builder) string {
	var b strings.Builder
	b.WriteString("## Build: four tools side by side\n\n")
	b.WriteString("test/bench/build.go: a 10-step Dockerfile (FROM, ENV, WORKDIR, COPY a/ (2.3 MB), RUN, LABEL, COPY b/, RUN, RUN, CMD) on a busybox base that each tool imports from the same rootfs tarball, nothing pulled; each tool has its own store. " +
		"(a) `build --no-cache`; (b) the same build again, every step cached; (c) the build after one file of the second COPY got a new content (a new one each run): the last two RUN steps run again. " +
		"skiff, podman and buildah run rootless like the rows above (podman build and buildah bud with runc, `--pull=never`; buildah with `--layers`, podman build's default); " +
		"BuildKit is Docker's (`DOCKER_BUILDKIT=1 docker build`) against a dockerd the bench starts as root in network and mount namespaces of its own, with its bridge off, so RUN steps use `--network host`, that namespace's loopback alone. " +
		"The last run checks that (c)'s image holds the new file.\n\n")
	for _, t := range bs {
		v := t.version
		if v == "" {
			v = "n/a"
		}
		fmt.Fprintf(&b, "- %s: %s\n", t.name, v)
	}
	b.WriteString("\n| case |")
	for _, t := range bs {
		fmt.Fprintf(&b, " %s |", t.name)
	}
	b.WriteString(" skiff/podman | skiff/BuildKit |\n|---|")
	for range bs {
		b.WriteString("---|")
	}
	b.WriteString("---|---|\n")
	for c := 0; c < 3; c++ {
		fmt.Fprintf(&b, "| (%c) %s |", 'a'+c, buildCases[c])
		for _, t := range bs {
			if t.note != "" {
				fmt.Fprintf(&b, " %s |", t.note)
			} else {
				fmt.Fprintf(&b, " %s |", fmtOr(median(t.times[c]), "s"))
			}
		}
		s := median(sk.times[c])
		fmt.Fprintf(&b, " %s | %s |\n", fmtRatio(s, median(pm.times[c])), fmtRatio(s, median(bk.times[c])))
	}
	b.WriteString("\nAll runs of each tool:\n\n")
	for c := 0; c < 3; c++ {
		fmt.Fprintf(&b, "- (%c) %s:", 'a'+c, buildCases[c])
		for i, t := range bs {
			sep := ";"
			if i == 0 {
				sep = ""
			}
			fmt.Fprintf(&b, "%s %s %s", sep, t.name, fmtList(t.times[c]))
		}
		b.WriteString("\n")
	}
	return b.String()
}

func fmtRatio(a, b float64) string {
	if a == 0 || b == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.2f", a/b)
}

// shorten keeps a reason short enough for a table cell: its first line,
// at most 120 characters, without pipes.
func shorten(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 120 {
		s = s[:120] + "..."
	}
	return strings.ReplaceAll(s, "|", "/")
}
