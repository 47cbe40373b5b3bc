package integration

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"

	"github.com/skiff-containers/skiff/test/testenv"
)

func TestCommandLine(t *testing.T) {
	sb := newSandbox(t)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown verb", []string{"frobnicate"}, "'frobnicate' is not a skiff command"},
		{"unknown flag", []string{"images", "--bogus"}, "unknown flag --bogus"},
		{"unknown global flag", []string{"--bogus", "images"}, "unknown flag --bogus"},
		{"unknown image subcommand", []string{"image", "frob"}, "'frob' is not a 'skiff image' command"},
		{"bad log level", []string{"--log-level", "loud", "images"}, "invalid --log-level"},
		{"bad driver", []string{"--storage-driver", "zfs", "images"}, "storage driver \"zfs\" is not supported"},
		{"pull needs one arg", []string{"pull"}, "takes exactly one image name"},
		{"tag needs two", []string{"tag", "a"}, "takes SOURCE and TARGET"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sb.in(t).Fails(tt.want, tt.args...)
		})
	}
	// Help everywhere, exit 0.
	for _, args := range [][]string{{"--help"}, {"pull", "--help"}, {"image", "--help"}, {"image", "ls", "--help"}, {"help"}} {
		r := sb.Skiff(args...)
		if r.Code != 0 || !strings.Contains(r.Out, "USAGE") {
			t.Errorf("skiff %v: %s", args, r)
		}
	}
	// Combined short flags.
	sb.OK("pull", "-q", st.busybox)
	if out := sb.OK("images", "-aq").Out; strings.TrimSpace(out) == "" {
		t.Error("images -aq listed nothing")
	}
}

func TestBadInput(t *testing.T) {
	sb := newSandbox(t)
	dead := deadAddr(t)
	tests := []struct {
		name string
		args []string
		want string
		code int // 125 for a reference refused; Docker's 1 for a pull that failed
	}{
		{"malformed reference", []string{"pull", "Not/Valid:Ref"}, "invalid reference format", 125},
		{"empty tag", []string{"pull", "busybox:"}, "invalid reference format", 125},
		{"unknown image", []string{"pull", st.reg.Addr + "/test/nothere:latest"}, "image not found in registry", 1},
		{"unknown tag", []string{"pull", st.reg.Addr + "/test/busybox:nosuchtag"}, "image not found in registry", 1},
		{"unreachable registry", []string{"pull", dead + "/test/busybox"}, "unreachable", 1},
		{"unknown local image", []string{"image", "inspect", "nothere"}, "No such image: nothere", 1},
		{"plain http elsewhere", []string{"pull", "10.255.255.1:5000/x/y"}, "plain HTTP", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sb.in(t).FailsWith(tt.code, tt.want, tt.args...)
		})
	}
	if out := sb.OK("images", "-q").Out; out != "" {
		t.Errorf("failed pulls left images: %q", out)
	}
	if n := countLayers(t, sb); n != 0 {
		t.Errorf("failed pulls left %d layers", n)
	}
}

// The plain-HTTP guard lets a registry through once it is listed as
// insecure in the config file.
func TestInsecureConfig(t *testing.T) {
	sb := newSandbox(t)
	cfgDir := filepath.Join(sb.Home, ".config", "skiff")
	writeAsUser(t, filepath.Join(cfgDir, "config.toml"), "[registries]\ninsecure = [\"10.255.255.1:5000\"]\n")
	// Listed: skiff tries it (and finds nothing there) instead of refusing.
	r := sb.Skiff("pull", "10.255.255.1:5000/x/y")
	if r.Code != 1 || strings.Contains(r.Err, "plain HTTP") {
		t.Errorf("listed insecure registry still refused: %s", r)
	}
	writeAsUser(t, filepath.Join(cfgDir, "config.toml"), "[registries]\ninsecur = []\n")
	sb.Fails("unknown key", "images")
}

func writeAsUser(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	if st.user != nil {
		for p := path; strings.HasPrefix(p, st.work+"/"); p = filepath.Dir(p) {
			os.Chown(p, st.user.UID, st.user.GID)
			if strings.HasSuffix(p, "/home") {
				break
			}
		}
	}
}

func deadAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func TestMissingHome(t *testing.T) {
	sb := newSandbox(t)
	cmd := sb.Cmd("images")
	cmd.Env = []string{"PATH=/usr/bin:/bin", "XDG_RUNTIME_DIR=" + sb.Run}
	var errb bytes.Buffer
	cmd.Stderr = &errb
	err := cmd.Run()
	r := result{Err: errb.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.Code = ee.ExitCode()
	}
	if st.user == nil {
		t.Skip("as root the store does not live under HOME")
	}
	checkFailure(t, r, "HOME is not set", []string{"images"})
}

// A registry that serves a layer whose bytes do not match its digest: the
// pull fails, and nothing of the image is stored.
func TestDigestMismatch(t *testing.T) {
	reg := ownRegistry(t)
	ref := reg.Addr + "/test/corrupt:latest"
	img, err := testenv.WithRandomLayers("amd64", 1, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	img, err = testenv.Image(goarch(), mustLayers(t, img)...)
	if err != nil {
		t.Fatal(err)
	}
	if err := testenv.Push(ref, img); err != nil {
		t.Fatal(err)
	}
	spoilBlob(t, reg, mustLayers(t, img)[1], func(n int) int { return n / 2 })
	for _, driver := range []string{"overlay", "vfs"} {
		t.Run(driver, func(t *testing.T) {
			sb := newSandbox(t).in(t)
			sb.FailsWith(1, "does not match its digest", "--storage-driver", driver, "pull", ref)
			if out := sb.OK("--storage-driver", driver, "images", "-q").Out; out != "" {
				t.Errorf("corrupt pull left an image: %q", out)
			}
			if n := countLayers(t, sb); n > 1 {
				t.Errorf("corrupt pull stored %d layers (only the intact base may stay)", n)
			}
		})
	}
}

// ownRegistry is a registry of the test's own, for images it spoils.
func ownRegistry(t *testing.T) *testenv.Registry {
	t.Helper()
	dir, err := os.MkdirTemp(st.work, "reg-")
	if err != nil {
		t.Fatal(err)
	}
	reg, err := testenv.StartRegistry(t.Context(), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(reg.Stop)
	return reg
}

// spoilBlob flips one byte of a layer's blob in the registry, at the
// offset at gives for the blob's size.
func spoilBlob(t *testing.T, reg *testenv.Registry, l v1.Layer, at func(size int) int) {
	t.Helper()
	d, err := l.Digest()
	if err != nil {
		t.Fatal(err)
	}
	blob := reg.BlobPath(d.Hex)
	data, err := os.ReadFile(blob)
	if err != nil {
		t.Fatal(err)
	}
	data[at(len(data))] ^= 0xff
	if err := os.WriteFile(blob, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// A pull killed with SIGKILL at any moment leaves a store where images
// lists only complete images and the next pull succeeds.
func TestPullKilled(t *testing.T) {
	for _, driver := range []string{"overlay", "vfs"} {
		t.Run(driver, func(t *testing.T) { testPullKilled(t, driver) })
	}
}

func testPullKilled(t *testing.T, driver string) {
	sb := newSandbox(t).in(t)
	sb.driver = driver
	delays := []time.Duration{5, 30, 60, 100, 150, 200, 300, 450, 700, 1000}
	completed, midPull := 0, 0
	for _, d := range delays {
		cmd := sb.Cmd("pull", "-q", st.big)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(d * time.Millisecond)
		// The whole process group: the CLI and any helper it started.
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		state, _ := cmd.Process.Wait()
		if state != nil && state.Success() {
			completed++
		}
		waitGroupGone(t, cmd.Process.Pid)
		// Before anything opens the store (which cleans up after the
		// killed pull): a download under way, or layers of the image
		// already committed, show the kill landed mid-pull.
		tmp, _ := os.ReadDir(filepath.Join(sb.GraphRoot(), "skiff-tmp"))
		staged, _ := os.ReadDir(filepath.Join(sb.GraphRoot(), "overlay", "staging"))
		if state != nil && !state.Success() && (len(tmp)+len(staged) > 0 || countLayers(t, sb) > 0) {
			midPull++
		}
		out := sb.OK("images", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}").Out
		listed := strings.Contains(out, st.big)
		if listed {
			// Listed images must be whole: inspect reads config and
			// every layer of it must exist.
			sb.OK("image", "inspect", st.big)
			sb.OK("rmi", st.big)
		}
	}
	t.Logf("%d of %d pulls completed before the kill, %d killed mid-pull", completed, len(delays), midPull)
	if midPull == 0 {
		t.Fatalf("no kill landed while the pull was under way (%d of %d completed first): the test proved nothing", completed, len(delays))
	}
	sb.OK("pull", "-q", st.big)
	sb.OK("image", "inspect", st.big)
	if n := countLayers(t, sb); n != 5 {
		t.Errorf("store has %d layers after the final pull, want 5", n)
	}
	tmp, _ := os.ReadDir(filepath.Join(sb.GraphRoot(), "skiff-tmp"))
	if len(tmp) != 0 {
		t.Errorf("download directories left behind: %v", tmp)
	}
}

func waitGroupGone(t *testing.T, pgid int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for syscall.Kill(-pgid, 0) == nil {
		if time.Now().After(deadline) {
			t.Fatalf("process group %d still alive after SIGKILL", pgid)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Two pulls of one image at once both succeed, with one copy stored.
func TestConcurrentPulls(t *testing.T) {
	for _, driver := range []string{"overlay", "vfs"} {
		t.Run(driver, func(t *testing.T) { testConcurrentPulls(t, driver) })
	}
}

func testConcurrentPulls(t *testing.T, driver string) {
	sb := newSandbox(t).in(t)
	sb.driver = driver
	var wg sync.WaitGroup
	results := make([]result, 2)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = sb.Skiff("pull", "-q", st.big)
		}()
	}
	wg.Wait()
	for i, r := range results {
		if r.Code != 0 {
			t.Fatalf("pull %d: %s", i, r)
		}
	}
	if results[0].Out != results[1].Out {
		t.Errorf("pulls reported different images: %q vs %q", results[0].Out, results[1].Out)
	}
	var rows []string
	for _, l := range strings.Split(strings.TrimSpace(sb.OK("images", "--format", "json").Out), "\n") {
		var row map[string]string
		if err := json.Unmarshal([]byte(l), &row); err != nil {
			t.Fatal(err)
		}
		rows = append(rows, fmt.Sprint(row["Repository"], ":", row["Tag"]))
	}
	if len(rows) != 1 {
		t.Errorf("images lists %v, want one image", rows)
	}
	if n := countLayers(t, sb); n != 5 {
		t.Errorf("store has %d layers, want 5", n)
	}
}

// A registry serving an image config or a manifest over 4 MiB: the pull
// refuses it with one line naming it and the limit, and stores nothing.
func TestOversizedConfigAndManifest(t *testing.T) {
	img, err := testenv.Busybox(goarch())
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.Config.Labels = map[string]string{"big": strings.Repeat("x", 5<<20)}
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		t.Fatal(err)
	}
	bigConfig := st.reg.Addr + "/test/bigconfig:latest"
	if err := testenv.Push(bigConfig, img); err != nil {
		t.Fatal(err)
	}
	// distribution refuses to store manifests over 4 MiB, so a registry
	// of the test's own serves one (and /v2/ for the ping).
	manifest := `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","annotations":{"pad":"` + strings.Repeat("p", 5<<20) + `"}}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "/manifests/") {
			w.Header().Set("Content-Type", "application/vnd.oci.image.manifest.v1+json")
			io.WriteString(w, manifest)
		}
	}))
	defer srv.Close()
	bigManifest := strings.TrimPrefix(srv.URL, "http://") + "/test/bigmanifest:latest"

	sandboxes := map[string]func(*testing.T) *sandbox{"rootless": newSandbox, "root": newRootSandbox}
	for name, mk := range sandboxes {
		t.Run(name, func(t *testing.T) {
			sb := mk(t).in(t)
			sb.FailsWith(1, "image config sha256:", "pull", bigConfig)
			r := sb.FailsWith(1, "larger than the 4 MiB skiff accepts", "pull", bigManifest)
			if !strings.Contains(r.Err, "manifest latest") {
				t.Errorf("the error does not name the manifest: %s", r.Err)
			}
			sb.Fails("larger than the 4 MiB", "run", "--rm", bigConfig, "true")
			if out := sb.OK("images", "-q").Out; out != "" {
				t.Errorf("refused pulls left images: %q", out)
			}
			if n := countLayers(t, sb); n != 0 {
				t.Errorf("refused pulls left %d layers", n)
			}
		})
	}
}

// A pull that fails on a later layer leaves the layers it committed, which
// no image uses; image prune collects them, keeps the layers of images
// still there, and leaves a pull in progress alone.
func TestImagePruneOrphanLayers(t *testing.T) {
	reg := ownRegistry(t)
	small, err := testenv.WithRandomLayers(goarch(), 1, 256<<10)
	if err != nil {
		t.Fatal(err)
	}
	large, err := testenv.WithRandomLayers(goarch(), 1, 8<<20)
	if err != nil {
		t.Fatal(err)
	}
	// busybox's base, a small good layer, and a large one whose bytes are
	// spoiled: the small one is committed before the large one fails.
	broken := mustLayers(t, large)[1]
	img, err := testenv.Image(goarch(), mustLayers(t, small)[0], mustLayers(t, small)[1], broken)
	if err != nil {
		t.Fatal(err)
	}
	ref := reg.Addr + "/test/halfway:latest"
	if err := testenv.Push(ref, img); err != nil {
		t.Fatal(err)
	}
	spoilBlob(t, reg, broken, func(n int) int { return n - 100 })
	for name, mk := range map[string]func(*testing.T) *sandbox{"rootless": newSandbox, "root": newRootSandbox} {
		t.Run(name, func(t *testing.T) {
			sb := mk(t).in(t)
			sb.OK("pull", "-q", st.busybox)
			for i := 0; i < 5 && countLayers(t, sb) < 2; i++ {
				if r := sb.Skiff("pull", ref); r.Code != 1 {
					t.Fatalf("pull of a broken image: %s", r)
				}
			}
			if n := countLayers(t, sb); n != 2 {
				t.Fatalf("the failed pulls left %d layers with busybox's, want busybox's and one orphan", n)
			}
			sb.Fails("takes no arguments", "image", "prune", "x")
			out := sb.OK("image", "prune").Out
			if strings.Count(out, "deleted layer: ") != 1 || strings.Contains(out, "deleted: ") {
				t.Errorf("image prune: %q, want the one orphan layer and no image", out)
			}
			if n := countLayers(t, sb); n != 1 {
				t.Errorf("after image prune %d layers, want busybox's alone", n)
			}
			sb.OK("run", "--rm", st.busybox, "true")

			// A pull in progress keeps its layers while prunes run. With
			// vfs: overlay's staging directories are open to another
			// process's clean-up for a moment after they are made (a race
			// in containers/storage of any concurrent command, not prune's).
			sb = mk(t).in(t)
			sb.driver = "vfs"
			pulling := sb.Cmd("pull", "-q", st.big)
			var perr bytes.Buffer
			pulling.Stderr = &perr
			if err := pulling.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- pulling.Wait() }()
			busy := false
		prune:
			for {
				select {
				case err := <-done:
					if err != nil {
						t.Fatalf("pull during image prune: %v: %s", err, perr.String())
					}
					break prune
				default:
					r := sb.OK("image", "prune")
					busy = busy || strings.Contains(r.Err, "in progress")
				}
			}
			t.Logf("a prune found the pull in progress: %v", busy)
			sb.OK("run", "--rm", st.big, "true")
			if n := countLayers(t, sb); n != 5 {
				t.Errorf("after the pull %d layers, want big's 5", n)
			}
			// -a: every image no container uses goes, and its layers.
			sb.OK("run", "--name", "keep", st.busybox, "true")
			out = sb.OK("image", "prune", "-a").Out
			if !strings.Contains(out, "untagged: "+st.big) || strings.Contains(out, "untagged: "+st.busybox) {
				t.Errorf("image prune -a: %q", out)
			}
			if imgs := strings.TrimSpace(sb.OK("images", "--format", "{{.Repository}}:{{.Tag}}").Out); imgs != st.busybox {
				t.Errorf("images after prune -a: %q, want only busybox (a container uses it)", imgs)
			}
			sb.OK("rm", "keep")
		})
	}
}
