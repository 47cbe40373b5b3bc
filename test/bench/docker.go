package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// dockerd is a Docker daemon of the bench's own: its data root, exec
// root, pid file, socket and configuration in one directory, in network
// and mount namespaces of its own (unshare), with no iptables rules and
// no bridge, so that the host's network, /run and /var/lib/docker are
// left as they were. The docker CLI is docker.io's, pointed at its socket.
type dockerd struct {
	dir, sock, cli, version string
	cmd                     *exec.Cmd
	done                    chan struct{}
	log                     *os.File
}

// dockerCLI is the docker CLI to drive dockerd with BuildKit: the one
// Debian's docker.io ships next to it (a newer CLI elsewhere on PATH wants
// the buildx plugin for DOCKER_BUILDKIT=1).
func dockerCLI() (string, error) {
	if _, err := os.Stat("/usr/bin/docker"); err == nil {
		return "/usr/bin/docker", nil
	}
	return exec.LookPath("docker")
}

func startDockerd(dir string) (*dockerd, error) {
	bin, err := exec.LookPath("dockerd")
	if err != nil {
		return nil, fmt.Errorf("dockerd not installed: bash test/setup-bench-deps.sh")
	}
	cli, err := dockerCLI()
	if err != nil {
		return nil, fmt.Errorf("no docker CLI: bash test/setup-bench-deps.sh")
	}
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		return nil, fmt.Errorf("no unshare (util-linux) to give dockerd namespaces of its own")
	}
	for _, d := range []string{dir, filepath.Join(dir, "data"), filepath.Join(dir, "exec"), filepath.Join(dir, "home")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, err
		}
	}
	d := &dockerd{dir: dir, sock: filepath.Join(dir, "docker.sock"), cli: cli, done: make(chan struct{})}
	// Its own configuration file, so that no /etc/docker/daemon.json
	// applies, and its key file here rather than in /etc/docker.
	conf := filepath.Join(dir, "daemon.json")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf("{%q: %q}\n", "deprecated-key-path", filepath.Join(dir, "key.json"))), 0o600); err != nil {
		return nil, err
	}
	if d.log, err = os.Create(filepath.Join(dir, "dockerd.log")); err != nil {
		return nil, err
	}
	// In the new mount namespace a tmpfs hides the host's /run: dockerd
	// would use a running system containerd's socket there, and runc
	// keeps its state under it.
	script := `set -e; mount -t tmpfs -o mode=0755 tmpfs /run; ip link set lo up 2>/dev/null || true; exec "$@"`
	d.cmd = exec.Command(unshare, "--net", "--mount", "--propagation", "private", "--", "/bin/sh", "-c", script, "sh",
		bin, "--config-file", conf, "--data-root", filepath.Join(dir, "data"), "--exec-root", filepath.Join(dir, "exec"),
		"--pidfile", filepath.Join(dir, "docker.pid"), "-H", "unix://"+d.sock,
		"--iptables=false", "--ip6tables=false", "--ip-masq=false", "--bridge=none", "--log-level", "warn")
	d.cmd.Stdout, d.cmd.Stderr = d.log, d.log
	d.cmd.Env = []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=" + filepath.Join(dir, "home")}
	// Its own process group (a ^C to the bench does not reach it half
	// way), and ended with the bench if the bench dies first.
	d.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := d.cmd.Start(); err != nil {
		d.log.Close()
		return nil, err
	}
	go func() { d.cmd.Wait(); close(d.done) }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		v, err := d.output("version", "--format", "{{.Server.Version}}")
		if err == nil {
			d.version = v
			return d, nil
		}
		select {
		case <-d.done:
			why := lastLine(d.logText())
			d.stop()
			return nil, fmt.Errorf("dockerd exited: %s", why)
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			why := lastLine(d.logText())
			d.stop()
			return nil, fmt.Errorf("dockerd did not answer in 60 s: %s", why)
		}
	}
}

// command is the docker CLI with BuildKit on, talking to this daemon.
func (d *dockerd) command(args ...string) *exec.Cmd {
	cmd := exec.Command(d.cli, args...)
	cmd.Dir = d.dir
	cmd.Env = []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=" + filepath.Join(d.dir, "home"),
		"DOCKER_CONFIG=" + filepath.Join(d.dir, "home", ".docker"), "DOCKER_HOST=unix://" + d.sock, "DOCKER_BUILDKIT=1"}
	return cmd
}

func (d *dockerd) output(args ...string) (string, error) {
	cmd := d.command(args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("docker %v: %v: %s", args, err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(string(out)), nil
}

// stop ends the daemon (SIGTERM, SIGKILL after 30 s), then the containerd
// it started if that outlived it, and removes the directory.
func (d *dockerd) stop() {
	if d.cmd.Process != nil {
		select {
		case <-d.done:
		default:
			d.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-d.done:
			case <-time.After(30 * time.Second):
				d.cmd.Process.Kill()
				<-d.done
			}
		}
	}
	if data, err := os.ReadFile(filepath.Join(d.dir, "exec", "containerd", "containerd.pid")); err == nil {
		// Only if that pid is still this daemon's containerd.
		pid, _ := strconv.Atoi(strings.TrimSpace(string(data)))
		if cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid)); pid > 0 && err == nil && strings.Contains(string(cmdline), d.dir) {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	}
	d.log.Close()
	// The namespace's mounts went with its last process; what is left is
	// plain files.
	if err := os.RemoveAll(d.dir); err != nil {
		fmt.Fprintln(os.Stderr, "bench: build: removing dockerd's files:", err)
	}
}

func (d *dockerd) logText() string {
	data, _ := os.ReadFile(filepath.Join(d.dir, "dockerd.log"))
	return string(data)
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
