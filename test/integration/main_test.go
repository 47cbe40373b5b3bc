// Package integration runs the built skiff binary as an unprivileged user
// against a real registry on loopback. As root, the set-up creates the users
// (one with subordinate id ranges, one without) and drops to them.
package integration

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/skiff-containers/skiff/test/testenv"
)

var skiffBin = flag.String("skiff-bin", "", "skiff binary under test (make integration sets it)")

// Users the tests run skiff as. SKIFF_IT_USER names another pair (with
// SKIFF_IT_SUBSTART for its range), so that two runs of the suite on one
// machine do not see each other's processes.
var (
	subUser   = envOr("SKIFF_IT_USER", "skiff-it")
	subStart  = envInt("SKIFF_IT_SUBSTART", 400000)
	noSubUser = subUser + "-nosub"
)

const autoStart = 1500000

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func envInt(key string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(key)); err == nil && n > 0 {
		return n
	}
	return def
}

// suite is the state TestMain sets up for every test.
type suite struct {
	reg   *testenv.Registry
	bin   string // a copy of skiff the test users can execute
	work  string // base directory, readable by the test users
	user  *testenv.User
	noSub *testenv.User
	// Images pushed to the registry.
	busybox, multi, sharedA, sharedB, big string
	// netimg is busybox with netutil (UDP echo and client).
	netimg string
	// tunMode is /dev/net/tun's mode before the set-up made it usable.
	tunMode os.FileMode
}

var st suite

func TestMain(m *testing.M) {
	flag.Parse()
	code, err := setup()
	if err != nil {
		fmt.Fprintln(os.Stderr, "integration set-up:", err)
		teardown()
		os.Exit(1)
	}
	if code == 0 {
		code = m.Run()
	}
	teardown()
	os.Exit(code)
}

func setup() (int, error) {
	if *skiffBin == "" {
		return 0, fmt.Errorf("-skiff-bin not given: run 'make integration'")
	}
	work, err := os.MkdirTemp("", "skiff-it-")
	if err != nil {
		return 0, err
	}
	st.work = work
	if err := os.Chmod(work, 0o755); err != nil {
		return 0, err
	}
	st.bin = filepath.Join(work, "skiff")
	if err := copyFile(*skiffBin, st.bin, 0o755); err != nil {
		return 0, err
	}
	for _, helper := range []string{"skiff-supervisor", "skiff-init", "skiff-monitor", "skiff-ports"} {
		if err := copyFile(filepath.Join(filepath.Dir(*skiffBin), helper), filepath.Join(work, helper), 0o755); err != nil {
			return 0, fmt.Errorf("%s (run 'make build'): %w", helper, err)
		}
	}
	if os.Geteuid() == 0 {
		u, err := testenv.EnsureUser(subUser, true, subStart)
		if err != nil {
			return 0, err
		}
		st.user = &u
		n, err := testenv.EnsureUser(noSubUser, false, 0)
		if err != nil {
			return 0, err
		}
		st.noSub = &n
		// --userns=auto hands out ranges of this user's.
		if _, err := testenv.EnsureUser("containers", true, autoStart); err != nil {
			return 0, err
		}
	}
	if err := tunUsable(); err != nil {
		return 0, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	regDir := filepath.Join(work, "registry")
	if err := os.MkdirAll(regDir, 0o755); err != nil {
		return 0, err
	}
	if st.reg, err = testenv.StartRegistry(ctx, regDir); err != nil {
		return 0, err
	}
	return 0, pushImages()
}

func pushImages() error {
	arch := runtime.GOARCH
	r := st.reg.Addr
	st.busybox = r + "/test/busybox:latest"
	st.multi = r + "/test/multi:latest"
	st.sharedA = r + "/test/shared-a:latest"
	st.sharedB = r + "/test/shared-b:latest"
	st.big = r + "/test/big:latest"

	bb, err := testenv.Busybox(arch)
	if err != nil {
		return err
	}
	if err := testenv.Push(st.busybox, bb); err != nil {
		return fmt.Errorf("push busybox: %w", err)
	}
	other := "arm64"
	if arch == "arm64" {
		other = "amd64"
	}
	native, err := testenv.Busybox(arch, testenv.File{Path: "etc/arch", Body: arch + "\n", Mode: 0o644})
	if err != nil {
		return err
	}
	foreign, err := testenv.Busybox(other, testenv.File{Path: "etc/arch", Body: other + "\n", Mode: 0o644})
	if err != nil {
		return err
	}
	idx, err := testenv.MultiArch(map[string]v1.Image{arch: native, other: foreign})
	if err != nil {
		return err
	}
	if err := testenv.Push(st.multi, idx); err != nil {
		return fmt.Errorf("push multi: %w", err)
	}
	base, err := testenv.BusyboxLayer()
	if err != nil {
		return err
	}
	for ref, body := range map[string]string{st.sharedA: "a", st.sharedB: "b"} {
		top, err := testenv.FileLayer(testenv.File{Path: "which", Body: body})
		if err != nil {
			return err
		}
		img, err := testenv.Image(arch, base, top)
		if err != nil {
			return err
		}
		if err := testenv.Push(ref, img); err != nil {
			return fmt.Errorf("push %s: %w", ref, err)
		}
	}
	st.netimg = r + "/test/net:latest"
	netutil, err := testenv.GoProgram("../netutil", "usr/bin/netutil")
	if err != nil {
		return err
	}
	netimg, err := testenv.Busybox(arch, netutil)
	if err != nil {
		return err
	}
	if err := testenv.Push(st.netimg, netimg); err != nil {
		return fmt.Errorf("push net: %w", err)
	}
	big, err := testenv.WithRandomLayers(arch, 4, 8<<20)
	if err != nil {
		return err
	}
	if err := testenv.Push(st.big, big); err != nil {
		return fmt.Errorf("push big: %w", err)
	}
	return nil
}

// tunUsable makes /dev/net/tun usable by the test users, as distributions
// ship it, when it is not (teardown restores it).
func tunUsable() error {
	fi, err := os.Stat("/dev/net/tun")
	if err != nil || os.Geteuid() != 0 || fi.Mode().Perm() == 0o666 {
		return nil
	}
	st.tunMode = fi.Mode().Perm()
	return os.Chmod("/dev/net/tun", 0o666)
}

func teardown() {
	if st.tunMode != 0 {
		_ = os.Chmod("/dev/net/tun", st.tunMode)
	}
	if st.reg != nil {
		st.reg.Stop()
	}
	if st.work != "" && os.Getenv("SKIFF_KEEP_TEST_DIRS") == "" {
		_ = os.RemoveAll(st.work)
	}
}

func copyFile(src, dst string, mode os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// sandbox is one test's skiff user, with its own home and runtime dir, so
// every test starts from an empty store.
type sandbox struct {
	t    *testing.T
	user *testenv.User // nil: run as the test process's own user
	Home string
	Run  string // XDG_RUNTIME_DIR
	env  []string
	// driver, when set, is passed as --storage-driver to every command.
	driver string
	// global options put before every command (a root sandbox's store).
	global []string
	// groups are supplementary groups of the sandbox's user.
	groups []uint32
}

func newSandbox(t *testing.T) *sandbox { return newSandboxAs(t, st.user) }

func newSandboxAs(t *testing.T, u *testenv.User) *sandbox {
	t.Helper()
	dir, err := os.MkdirTemp(st.work, "sb-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	sb := &sandbox{t: t, user: u, Home: filepath.Join(dir, "home"), Run: filepath.Join(dir, "run")}
	for _, d := range []string{sb.Home, sb.Run} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
		if u != nil {
			if err := os.Chown(d, u.UID, u.GID); err != nil {
				t.Fatal(err)
			}
		}
	}
	sb.env = []string{
		"HOME=" + sb.Home,
		"XDG_RUNTIME_DIR=" + sb.Run,
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"LANG=C.UTF-8",
	}
	t.Cleanup(func() {
		if os.Getenv("SKIFF_KEEP_TEST_DIRS") != "" {
			return
		}
		if os.Geteuid() == 0 {
			_ = os.RemoveAll(dir)
		} else {
			_ = exec.Command(st.bin, "unshare", "rm", "-rf", dir).Run()
		}
	})
	return sb
}

// in returns the sandbox reporting to t, for use in subtests.
func (sb *sandbox) in(t *testing.T) *sandbox {
	c := *sb
	c.t = t
	return &c
}

// GraphRoot is the store directory skiff uses in this sandbox.
func (sb *sandbox) GraphRoot() string {
	for i, a := range sb.global {
		if a == "--root" && i+1 < len(sb.global) {
			return sb.global[i+1]
		}
	}
	return filepath.Join(sb.Home, ".local", "share", "skiff")
}

// setRoot points the sandbox's skiff at another store.
func (sb *sandbox) setRoot(dir string) {
	for i, a := range sb.global {
		if a == "--root" && i+1 < len(sb.global) {
			sb.global[i+1] = dir
			return
		}
	}
	sb.global = append(sb.global, "--root", dir)
}

// newRootSandbox runs skiff as root with a store of its own.
func newRootSandbox(t *testing.T) *sandbox {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	sb := newSandboxAs(t, nil)
	// Like /var/lib and /run, the store's and the run root's parents are
	// open to search.
	os.Chmod(sb.Home, 0o755)
	os.Chmod(sb.Run, 0o755)
	sb.global = []string{"--root", filepath.Join(sb.Home, "store"), "--runroot", filepath.Join(sb.Run, "skiff")}
	return sb
}

type result struct {
	Out, Err string
	Code     int
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\nstdout: %s\nstderr: %s", r.Code, r.Out, r.Err)
}

// Cmd prepares skiff with args as the sandbox's user.
func (sb *sandbox) Cmd(args ...string) *exec.Cmd {
	if sb.driver != "" {
		args = append([]string{"--storage-driver", sb.driver}, args...)
	}
	args = append(append([]string{}, sb.global...), args...)
	cmd := exec.Command(st.bin, args...)
	cmd.Env = sb.env
	cmd.Dir = sb.Home
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if sb.user != nil {
		cmd.SysProcAttr.Credential = sb.user.Credential()
		cmd.SysProcAttr.Credential.Groups = sb.groups
	}
	return cmd
}

// Skiff runs skiff and returns what it printed and its exit code.
func (sb *sandbox) Skiff(args ...string) result {
	return sb.SkiffIn(nil, args...)
}

// SkiffIn runs skiff with stdin.
func (sb *sandbox) SkiffIn(stdin io.Reader, args ...string) result {
	sb.t.Helper()
	cmd := sb.Cmd(args...)
	cmd.Stdin = stdin
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := result{Out: out.String(), Err: errb.String()}
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			sb.t.Fatalf("skiff %v: %v", args, err)
		}
		r.Code = ee.ExitCode()
	}
	return r
}

// OK runs skiff and fails the test unless it exits 0.
func (sb *sandbox) OK(args ...string) result {
	sb.t.Helper()
	r := sb.Skiff(args...)
	if r.Code != 0 {
		sb.t.Fatalf("skiff %s: %s", strings.Join(args, " "), r)
	}
	return r
}

// Fails runs skiff and checks for exit code 125 (a usage error, or a
// failed run or create) with one error line that contains want.
func (sb *sandbox) Fails(want string, args ...string) result {
	sb.t.Helper()
	return sb.FailsWith(125, want, args...)
}

// FailsWith is Fails for a verb that fails with another code: Docker's 1
// for every verb but run and create (docs/exit-codes.md).
func (sb *sandbox) FailsWith(code int, want string, args ...string) result {
	sb.t.Helper()
	r := sb.Skiff(args...)
	checkFailureCode(sb.t, r, code, want, args)
	return r
}

func checkFailure(t *testing.T, r result, want string, args []string) {
	t.Helper()
	checkFailureCode(t, r, 125, want, args)
}

func checkFailureCode(t *testing.T, r result, code int, want string, args []string) {
	t.Helper()
	if r.Code != code {
		t.Fatalf("skiff %s: want exit %d, got %s", strings.Join(args, " "), code, r)
	}
	lines := strings.Split(strings.TrimRight(r.Err, "\n"), "\n")
	var errLines []string
	for _, l := range lines {
		if strings.HasPrefix(l, "Error: ") {
			errLines = append(errLines, l)
		}
	}
	if len(errLines) != 1 {
		t.Fatalf("skiff %s: want one error line, got stderr %q", strings.Join(args, " "), r.Err)
	}
	if !strings.Contains(errLines[0], want) {
		t.Fatalf("skiff %s: error %q does not mention %q", strings.Join(args, " "), errLines[0], want)
	}
}
