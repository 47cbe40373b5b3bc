// Command vm proves skiff's resource limits on a real cgroup v2 kernel:
// it boots Debian's kernel under qemu (software emulation) with an
// initramfs holding busybox, skiff, a test image and a systemd user
// manager, runs init.sh as the guest's first program, and reports its
// lines. make test-vm runs it.
package main

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/opencontainers/cgroups"
)

func main() {
	bin := flag.String("bin", "bin", "directory of skiff and its helpers")
	cache := flag.String("cache", filepath.Join(os.TempDir(), "skiff-vm-cache"), "where the kernel package is kept")
	timeout := flag.Duration("timeout", 6*time.Minute, "how long the guest may take")
	bench := flag.Int("bench", 0, "instead of the checks, time N starts with and without limits (make bench); prints BENCH lines")
	flag.Parse()
	if err := run(*bin, *cache, *timeout, *bench); err != nil {
		fmt.Fprintln(os.Stderr, "test-vm:", err)
		os.Exit(1)
	}
}

func run(bin, cache string, timeout time.Duration, bench int) error {
	kernel, err := kernelImage(cache)
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "skiff-vm-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	initrd := filepath.Join(work, "initramfs.cpio")
	var extra map[string]string
	cmdline := "console=ttyS0 panic=-1 quiet loglevel=3"
	if bench > 0 {
		timer := filepath.Join(work, "timer")
		build := exec.Command("go", "build", "-o", timer, "./test/vm/timer")
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := build.CombinedOutput(); err != nil {
			return fmt.Errorf("build the guest's timer: %v: %s", err, out)
		}
		extra = map[string]string{"usr/local/bin/timer": timer}
		cmdline += fmt.Sprintf(" skiff.bench=%d", bench)
	}
	if err := buildInitramfs(initrd, bin, extra); err != nil {
		return fmt.Errorf("initramfs: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "qemu-system-x86_64", "-accel", "tcg", "-m", "1536", "-smp", "2",
		"-nographic", "-no-reboot", "-kernel", kernel, "-initrd", initrd,
		"-append", cmdline)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	cmd.Stderr = os.Stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("qemu-system-x86_64 (apt-get install qemu-system-x86): %w", err)
	}
	var failed, passed int
	result := ""
	var log bytes.Buffer
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		log.WriteString(line + "\n")
		switch {
		case strings.HasPrefix(line, "ok - "):
			passed++
			fmt.Println(line)
		case strings.HasPrefix(line, "not ok - "):
			failed++
			fmt.Println(line)
		case strings.HasPrefix(line, "VM-"), strings.HasPrefix(line, "BENCH "):
			fmt.Println(line)
			if v, ok := strings.CutPrefix(line, "VM-RESULT: "); ok {
				result = v
			}
		}
	}
	werr := cmd.Wait()
	fmt.Printf("guest ran %.1f s: %d checks passed, %d failed\n", time.Since(start).Seconds(), passed, failed)
	if result == "" {
		return fmt.Errorf("the guest gave no result (qemu: %v); its console:\n%s", werr, tail(log.String(), 40))
	}
	if failed > 0 || result != "0" || (passed == 0 && bench == 0) {
		return fmt.Errorf("%d checks failed; the guest's console:\n%s", failed, tail(log.String(), 30))
	}
	return nil
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// kernelImage fetches the kernel package that linux-image-amd64 depends
// on from Debian's archive (once) and returns its vmlinuz.
func kernelImage(cache string) (string, error) {
	if found, _ := filepath.Glob(filepath.Join(cache, "root", "boot", "vmlinuz-*")); len(found) > 0 {
		return found[0], nil
	}
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return "", err
	}
	deps, err := exec.Command("apt-cache", "depends", "linux-image-amd64").Output()
	if err != nil {
		return "", fmt.Errorf("apt-cache depends linux-image-amd64: %w", err)
	}
	m := regexp.MustCompile(`Depends: (linux-image-\S+)`).FindSubmatch(deps)
	if m == nil {
		return "", fmt.Errorf("no kernel package among linux-image-amd64's dependencies:\n%s", deps)
	}
	get := exec.Command("apt-get", "download", string(m[1]))
	get.Dir = cache
	if out, err := get.CombinedOutput(); err != nil {
		return "", fmt.Errorf("apt-get download %s: %v: %s", m[1], err, out)
	}
	debs, _ := filepath.Glob(filepath.Join(cache, string(m[1])+"_*.deb"))
	if len(debs) == 0 {
		return "", fmt.Errorf("apt-get download %s left no package", m[1])
	}
	if out, err := exec.Command("dpkg", "-x", debs[0], filepath.Join(cache, "root")).CombinedOutput(); err != nil {
		return "", fmt.Errorf("dpkg -x: %v: %s", err, out)
	}
	found, _ := filepath.Glob(filepath.Join(cache, "root", "boot", "vmlinuz-*"))
	if len(found) == 0 {
		return "", fmt.Errorf("no vmlinuz in %s", debs[0])
	}
	return found[0], nil
}

// buildInitramfs writes the guest's root: busybox, skiff with its helpers
// and the libraries they link, the test image, init.sh and checks.sh.
func buildInitramfs(path, bin string, extra map[string]string) error {
	w := newCpio()
	for _, d := range []string{"bin", "dev", "proc", "sys", "tmp", "var", "run", "root", "etc", "vm", "usr", "usr/local", "usr/local/bin"} {
		w.dir(d)
	}
	w.charDev("dev/console", 5, 1)
	w.charDev("dev/null", 1, 3)
	here, err := os.Getwd()
	if err != nil {
		return err
	}
	files := map[string]string{"bin/busybox": "/bin/busybox", "init": filepath.Join(here, "test/vm/init.sh")}
	for _, s := range []string{"checks.sh", "user-checks.sh", "lib.sh", "bench.sh"} {
		files["vm/"+s] = filepath.Join(here, "test/vm", s)
	}
	for n, p := range extra {
		files[n] = p
	}
	programs := map[string]string{}
	for _, name := range []string{"skiff", "skiff-supervisor", "skiff-monitor", "skiff-init", "skiff-ports"} {
		programs["usr/local/bin/"+name] = filepath.Join(bin, name)
	}
	// The unprivileged user's namespace maps its subordinate ranges
	// through these (setuid root, as the uidmap package installs them).
	setuid := map[string]bool{}
	for _, name := range []string{"newuidmap", "newgidmap"} {
		p, err := exec.LookPath(name)
		if err != nil {
			return fmt.Errorf("%s (apt-get install uidmap): %w", name, err)
		}
		programs["usr/bin/"+name] = p
		setuid["usr/bin/"+name] = true
	}
	um, err := userManager()
	if err != nil {
		return err
	}
	maps.Copy(programs, um.programs)
	maps.Copy(files, um.files)
	var libs []string
	for n, p := range programs {
		files[n] = p
		l, err := sharedLibs(p)
		if err != nil {
			return err
		}
		libs = append(libs, l...)
	}
	for _, l := range libs {
		files[strings.TrimPrefix(l, "/")] = l
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		w.parents(n)
		data, err := os.ReadFile(files[n])
		if err != nil {
			return err
		}
		mode := 0o755
		if setuid[n] {
			mode = 0o4755
		}
		w.file(n, data, mode)
	}
	for n, target := range um.links {
		w.parents(n)
		w.symlink(n, target)
	}
	w.file("etc/passwd", []byte("root:x:0:0:root:/root:/bin/sh\nskiffu:x:1000:1000::/home/skiffu:/bin/sh\n"), 0o644)
	w.file("etc/group", []byte("root:x:0:\nskiffu:x:1000:\n"), 0o644)
	w.file("etc/subuid", []byte("skiffu:100000:65536\n"), 0o644)
	w.file("etc/subgid", []byte("skiffu:100000:65536\n"), 0o644)
	rootfs, err := imageTar()
	if err != nil {
		return err
	}
	w.file("vm/rootfs.tar", rootfs, 0o644)
	// cpu.weight is what the cgroups library's own conversion makes of --cpu-shares 512.
	w.file("vm/cpu-weight", []byte(fmt.Sprint(cgroups.ConvertCPUSharesToCgroupV2Value(512))), 0o644)
	// io.weight likewise, of --blkio-weight 300.
	w.file("vm/io-weight", []byte(fmt.Sprint(cgroups.ConvertBlkIOToIOWeightValue(300))), 0o644)
	return os.WriteFile(path, w.bytes(), 0o644)
}

// sharedLibs lists what ldd resolves for a binary (none for static ones).
func sharedLibs(path string) ([]string, error) {
	out, err := exec.Command("ldd", path).CombinedOutput()
	if err != nil {
		if strings.Contains(string(out), "not a dynamic executable") {
			return nil, nil
		}
		return nil, fmt.Errorf("ldd %s: %v: %s", path, err, out)
	}
	var libs []string
	for _, l := range strings.Split(string(out), "\n") {
		for _, f := range strings.Fields(l) {
			if strings.HasPrefix(f, "/") {
				libs = append(libs, f)
				break
			}
		}
	}
	return libs, nil
}

// imageTar is the test image's root: static busybox and its applets.
func imageTar() ([]byte, error) {
	bb, err := os.ReadFile("/bin/busybox")
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, d := range []string{"bin/", "tmp/", "proc/", "sys/", "dev/", "etc/"} {
		tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: d, Mode: 0o755})
	}
	tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: "bin/busybox", Mode: 0o755, Size: int64(len(bb))})
	tw.Write(bb)
	for _, a := range []string{"sh", "sleep", "dd", "seq", "echo", "cat", "true"} {
		tw.WriteHeader(&tar.Header{Typeflag: tar.TypeSymlink, Name: "bin/" + a, Linkname: "busybox"})
	}
	passwd := "root:x:0:0:root:/root:/bin/sh\n"
	tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: "etc/passwd", Mode: 0o644, Size: int64(len(passwd))})
	io.WriteString(tw, passwd)
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
