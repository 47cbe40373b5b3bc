// Package testenv builds what skiff's integration tests, demo and
// benchmarks run against: a real registry on loopback, images made from
// Debian's busybox-static, and an unprivileged user to run skiff as.
package testenv

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// Registry is a docker-registry (Debian's distribution build) serving
// plain HTTP on 127.0.0.1 with storage in its own directory.
type Registry struct {
	Addr string // host:port
	Dir  string // its storage root
	cmd  *exec.Cmd
}

// StartRegistry starts a registry on a free loopback port.
func StartRegistry(ctx context.Context, dir string) (*Registry, error) {
	return startRegistry(ctx, dir, "")
}

// StartAuthRegistry starts a registry that demands HTTP basic auth with
// the given user and password.
func StartAuthRegistry(ctx context.Context, dir, user, password string) (*Registry, error) {
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		return nil, err
	}
	htpasswd := filepath.Join(dir, "htpasswd")
	if err := os.WriteFile(htpasswd, []byte(user+":"+string(hash)+"\n"), 0o644); err != nil {
		return nil, err
	}
	return startRegistry(ctx, dir, fmt.Sprintf("auth:\n  htpasswd:\n    realm: skiff-test\n    path: %s\n", htpasswd))
}

func startRegistry(ctx context.Context, dir, extra string) (*Registry, error) {
	bin, err := exec.LookPath("docker-registry")
	if err != nil {
		return nil, fmt.Errorf("docker-registry not installed (apt-get install docker-registry): %w", err)
	}
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	storage := filepath.Join(dir, "storage")
	if err := os.MkdirAll(storage, 0o755); err != nil {
		return nil, err
	}
	cfg := fmt.Sprintf(`version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: %s
  delete:
    enabled: true
http:
  addr: %s
%s`, storage, addr, extra)
	cfgPath := filepath.Join(dir, "config.yml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		return nil, err
	}
	logf, err := os.Create(filepath.Join(dir, "registry.log"))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "serve", cfgPath)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start docker-registry: %w", err)
	}
	logf.Close()
	r := &Registry{Addr: addr, Dir: dir, cmd: cmd}
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/v2/")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK || (extra != "" && resp.StatusCode == http.StatusUnauthorized) {
				return r, nil
			}
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			r.Stop()
			log, _ := os.ReadFile(filepath.Join(dir, "registry.log"))
			return nil, fmt.Errorf("docker-registry did not come up on %s: %s", addr, log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop ends the registry.
func (r *Registry) Stop() {
	if r.cmd != nil && r.cmd.Process != nil {
		_ = r.cmd.Process.Kill()
		_ = r.cmd.Wait()
	}
}

// BlobPath is where the registry keeps a blob's bytes; tests corrupt it
// to check that skiff notices.
func (r *Registry) BlobPath(hex string) string {
	return filepath.Join(r.Dir, "storage", "docker", "registry", "v2", "blobs", "sha256", hex[:2], hex, "data")
}

// FreePort is a TCP port on 127.0.0.1 that nobody listens on right now.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
