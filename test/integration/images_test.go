package integration

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
)

func imageID(t *testing.T, sb *sandbox, ref string) string {
	t.Helper()
	return strings.TrimSpace(sb.OK("image", "inspect", "--format", "{{.Id}}", ref).Out)
}

func TestPullAndList(t *testing.T) {
	sb := newSandbox(t)
	r := sb.OK("pull", st.busybox)
	id := strings.TrimSpace(lastLine(r.Out))
	if len(id) != 64 {
		t.Fatalf("pull printed %q, want a 64-hex image id", r.Out)
	}
	if !strings.Contains(r.Err, "Pull complete") {
		t.Errorf("no per-layer progress on stderr: %q", r.Err)
	}
	repo := strings.TrimSuffix(st.busybox, ":latest")

	list := sb.OK("images").Out
	if !strings.Contains(list, "REPOSITORY") || !strings.Contains(list, repo) || !strings.Contains(list, id[:12]) {
		t.Errorf("images does not show the image:\n%s", list)
	}
	if got := strings.TrimSpace(sb.OK("images", "-q").Out); got != id[:12] {
		t.Errorf("images -q = %q, want %q", got, id[:12])
	}
	if got := strings.TrimSpace(sb.OK("images", "-q", "--no-trunc").Out); got != "sha256:"+id {
		t.Errorf("images -q --no-trunc = %q", got)
	}
	if got := sb.OK("images", "--format", "{{.Repository}}|{{.Tag}}").Out; got != repo+"|latest\n" {
		t.Errorf("--format template = %q", got)
	}
	var row map[string]string
	if err := json.Unmarshal([]byte(sb.OK("images", "--format", "json").Out), &row); err != nil {
		t.Fatalf("--format json: %v", err)
	}
	if row["ID"] != id[:12] || row["Tag"] != "latest" || !strings.HasPrefix(row["Digest"], "sha256:") {
		t.Errorf("json row = %v", row)
	}
	if out := sb.OK("images", "--digests").Out; !strings.Contains(out, "DIGEST") || !strings.Contains(out, row["Digest"]) {
		t.Errorf("--digests:\n%s", out)
	}
	if out := sb.OK("images", "--filter", "reference=*/test/busy*").Out; !strings.Contains(out, repo) {
		t.Errorf("matching filter hid the image:\n%s", out)
	}
	if out := sb.OK("images", "-q", "--filter", "reference=nomatch").Out; out != "" {
		t.Errorf("non-matching filter showed %q", out)
	}
	if out := sb.OK("images", "-a", "-q").Out; !strings.Contains(out, id[:12]) {
		t.Errorf("images -a: %q", out)
	}
	sb.Fails("invalid filter", "images", "--filter", "bogus=1")
	sb.Fails("invalid --format template", "images", "--format", "{{.Nope")

	// Pulling again is a no-op that reports the same image.
	r = sb.OK("pull", "-q", st.busybox)
	if strings.TrimSpace(r.Out) != id {
		t.Errorf("second pull printed %q", r.Out)
	}
	if r.Err != "" {
		t.Errorf("pull -q wrote to stderr: %q", r.Err)
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

func TestPullByDigest(t *testing.T) {
	sb := newSandbox(t)
	sb.OK("pull", "-q", st.busybox)
	digest := strings.TrimSpace(sb.OK("images", "--format", "{{.Digest}}").Out)
	repo := strings.TrimSuffix(st.busybox, ":latest")
	other := newSandbox(t)
	byDigest := repo + "@" + digest
	other.OK("pull", "-q", byDigest)
	inspect := other.OK("image", "inspect", byDigest).Out
	if !strings.Contains(inspect, byDigest) {
		t.Errorf("RepoDigests lack %s:\n%s", byDigest, inspect)
	}
	// The tagged image found through its digest.
	sb.OK("image", "inspect", byDigest)
}

func TestPlatformSelection(t *testing.T) {
	other := "arm64"
	if runtime.GOARCH == "arm64" {
		other = "amd64"
	}
	tests := []struct {
		name, platform, wantArch string
	}{
		{"host default", "", runtime.GOARCH},
		{"explicit other", "linux/" + other, other},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sb := newSandbox(t)
			args := []string{"pull", "-q"}
			if tt.platform != "" {
				args = append(args, "--platform", tt.platform)
			}
			sb.OK(append(args, st.multi)...)
			got := strings.TrimSpace(sb.OK("image", "inspect", "-f", "{{.Architecture}}", st.multi).Out)
			if got != tt.wantArch {
				t.Errorf("architecture = %s, want %s", got, tt.wantArch)
			}
		})
	}
	sb := newSandbox(t)
	sb.FailsWith(1, "no image for platform", "pull", "--platform", "linux/s390x", st.multi)
	sb.Fails("invalid platform", "pull", "--platform", "nonsense", st.multi)
}

// Layers are stored once, shared by the images standing on them, and keep
// their owners through the subordinate id range.
func TestLayerSharingAndOwnership(t *testing.T) {
	sb := newSandbox(t)
	sb.OK("pull", st.sharedA)
	r := sb.OK("pull", st.sharedB)
	if !strings.Contains(r.Err, "Already exists") {
		t.Errorf("second image did not reuse the base layer: %q", r.Err)
	}
	driver := strings.TrimSpace(sb.OK("info", "--format", "{{.Store.Driver}}").Out)
	layers := strings.Split(strings.TrimSpace(sb.OK("image", "inspect", "-f", `{{join .RootFS.Layers " "}}`, st.sharedA).Out), " ")
	if len(layers) != 2 {
		t.Fatalf("layers = %v", layers)
	}
	// Three layers for two images of two layers each: the base is shared.
	entries, err := os.ReadDir(filepath.Join(sb.GraphRoot(), driver+"-layers"))
	if err != nil {
		t.Fatal(err)
	}
	var n int
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tar-split.gz") {
			n++
		}
	}
	if n != 3 {
		t.Errorf("store holds %d layers, want 3", n)
	}
	if st.user == nil || os.Geteuid() != 0 {
		t.Skip("ownership check needs root to read the store from outside")
	}
	// The base layer's id is its diff id (a chain id of one element).
	base := strings.TrimPrefix(layers[0], "sha256:")
	var file string
	switch driver {
	case "overlay":
		file = filepath.Join(sb.GraphRoot(), "overlay", base, "diff", "home/app/owned-by-app")
	case "vfs":
		file = filepath.Join(sb.GraphRoot(), "vfs", "dir", base, "home/app/owned-by-app")
	default:
		t.Fatalf("unexpected driver %s", driver)
	}
	fi, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	// uid 1000 in the image is subordinate id 999 of the user's range
	// (container id 0 is the user itself).
	want := uint32(subStart + 999)
	if got := fi.Sys().(*syscall.Stat_t).Uid; got != want {
		t.Errorf("owner of %s = %d, want %d", file, got, want)
	}
}

func TestSingleMappingFallback(t *testing.T) {
	if st.noSub == nil {
		t.Skip("needs root to create a user without subordinate ids")
	}
	sb := newSandboxAs(t, st.noSub)
	r := sb.OK("pull", "-q", st.busybox)
	if n := strings.Count(r.Err, "warning: no subordinate id ranges"); n != 1 {
		t.Errorf("want one warning about the missing ranges, got %q", r.Err)
	}
	if mode := strings.TrimSpace(sb.OK("info", "-f", "{{.Host.IDMapping}}").Out); mode != "single" {
		t.Errorf("idMapping = %s, want single", mode)
	}
	if out := sb.OK("images", "-q").Out; strings.TrimSpace(out) == "" {
		t.Error("image not listed")
	}
}

func TestTagAndRmi(t *testing.T) {
	sb := newSandbox(t)
	sb.OK("pull", "-q", st.busybox)
	id := imageID(t, sb, st.busybox)
	sb.OK("tag", st.busybox, "busybox")
	sb.OK("tag", id[len("sha256:"):][:12], "example.com/team/app:v1")

	tags := sb.OK("image", "inspect", "-f", `{{join .RepoTags ","}}`, "busybox").Out
	for _, want := range []string{"busybox:latest", "example.com/team/app:v1", strings.TrimPrefix(st.busybox, "")} {
		if !strings.Contains(tags, want) {
			t.Errorf("RepoTags %q lack %q", tags, want)
		}
	}
	if out := sb.OK("images", "--format", "{{.Repository}}:{{.Tag}}").Out; !strings.Contains(out, "busybox:latest\n") {
		t.Errorf("short name not shown Docker-style:\n%s", out)
	}
	// The docker.io short name resolves to the same image.
	if got := imageID(t, sb, "docker.io/library/busybox:latest"); got != id {
		t.Errorf("docker.io/library/busybox = %s, want %s", got, id)
	}

	sb.Fails("cannot tag with a digest", "tag", "busybox", "x@sha256:"+strings.Repeat("a", 64))
	sb.FailsWith(1, "No such image", "tag", "nothere", "x:1")
	sb.Fails("invalid reference format", "tag", "busybox", "Bad/Name")

	// By id with several names: refused without -f.
	sb.FailsWith(1, "several names", "rmi", id)
	// By name: only that name goes.
	r := sb.OK("rmi", "busybox")
	if !strings.Contains(r.Out, "Untagged: busybox:latest") || strings.Contains(r.Out, "Deleted") {
		t.Errorf("rmi by name: %s", r)
	}
	// Several at once; an unknown one fails the command but not the others.
	r = sb.Skiff("rmi", "example.com/team/app:v1", "nothere")
	if r.Code != 1 || !strings.Contains(r.Out, "Untagged: example.com/team/app:v1") || !strings.Contains(r.Err, "No such image: nothere") {
		t.Errorf("rmi of two: %s", r)
	}
	r = sb.OK("rmi", st.busybox)
	if !strings.Contains(r.Out, "Deleted: "+id) {
		t.Errorf("rmi last name: %s", r)
	}
	if out := sb.OK("images", "-q").Out; out != "" {
		t.Errorf("images after rmi: %q", out)
	}
	// The layers went with the image.
	if n := countLayers(t, sb); n != 0 {
		t.Errorf("%d layers left after removing the only image", n)
	}
	sb.FailsWith(1, "No such image", "rmi", "busybox")

	// -f removes an image with several names at once.
	sb.OK("pull", "-q", st.busybox)
	sb.OK("tag", st.busybox, "second:name")
	sb.OK("rmi", "-f", id)
	if out := sb.OK("images", "-q").Out; out != "" {
		t.Errorf("images after rmi -f: %q", out)
	}
}

func countLayers(t *testing.T, sb *sandbox) int {
	t.Helper()
	driver := strings.TrimSpace(sb.OK("info", "--format", "{{.Store.Driver}}").Out)
	data, err := os.ReadFile(filepath.Join(sb.GraphRoot(), driver+"-layers", "layers.json"))
	if os.IsNotExist(err) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	var layers []map[string]any
	if err := json.Unmarshal(data, &layers); err != nil {
		t.Fatal(err)
	}
	return len(layers)
}

func TestImageInspect(t *testing.T) {
	sb := newSandbox(t)
	sb.OK("pull", "-q", st.busybox)
	var out []map[string]any
	if err := json.Unmarshal([]byte(sb.OK("image", "inspect", st.busybox).Out), &out); err != nil {
		t.Fatal(err)
	}
	if len(out) != 1 {
		t.Fatalf("inspect returned %d objects", len(out))
	}
	img := out[0]
	for _, k := range []string{"Id", "RepoTags", "RepoDigests", "Created", "Config", "Architecture", "Os", "Size", "RootFS", "GraphDriver"} {
		if _, ok := img[k]; !ok {
			t.Errorf("inspect lacks %s", k)
		}
	}
	cfg := img["Config"].(map[string]any)
	if fmt.Sprint(cfg["Cmd"]) != "[sh]" {
		t.Errorf("Config.Cmd = %v", cfg["Cmd"])
	}
	if img["Os"] != "linux" || img["Architecture"] != runtime.GOARCH {
		t.Errorf("platform = %v/%v", img["Os"], img["Architecture"])
	}
	r := sb.Skiff("image", "inspect", st.busybox, "nothere")
	if r.Code != 1 || !strings.Contains(r.Err, "No such image: nothere") || !strings.Contains(r.Out, `"Id"`) {
		t.Errorf("inspect of one known and one unknown: %s", r)
	}
}

func TestImport(t *testing.T) {
	sb := newSandbox(t)
	tarball := filepath.Join(sb.Home, "rootfs.tar")
	mkTar(t, tarball, map[string]string{"hello.txt": "hello\n", "bin/tool": "#!/bin/sh\n"})
	if st.user != nil {
		os.Chown(tarball, st.user.UID, st.user.GID)
	}
	r := sb.OK("import", "--change", `CMD ["/bin/tool"]`, "-c", "ENV A=1", "-m", "first import", tarball, "imported:v1")
	id := strings.TrimSpace(r.Out)
	if !strings.HasPrefix(id, "sha256:") {
		t.Fatalf("import printed %q", r.Out)
	}
	got := sb.OK("image", "inspect", "-f", `{{index .Config.Cmd 0}} {{index .Config.Env 0}} {{.Comment}} {{len .RootFS.Layers}}`, "imported:v1").Out
	if got != "/bin/tool A=1 first import 1\n" {
		t.Errorf("imported config = %q", got)
	}
	// From stdin, gzip-compressed, without a name.
	gz := gzipFile(t, tarball)
	r = sb.SkiffIn(strings.NewReader(gz), "import", "-")
	if r.Code != 0 {
		t.Fatalf("import -: %s", r)
	}
	if !strings.Contains(sb.OK("images").Out, "<none>") {
		t.Error("unnamed import not listed as <none>")
	}
	layersBefore := countLayers(t, sb)
	// Bad input leaves nothing behind.
	notTar := filepath.Join(sb.Home, "not.tar")
	os.WriteFile(notTar, []byte(strings.Repeat("not a tarball\n", 100)), 0o644)
	sb.FailsWith(1, "not a tar archive", "import", notTar, "bad:1")
	sb.Fails("cannot read", "import", filepath.Join(sb.Home, "missing.tar"))
	sb.Fails("is a directory", "import", sb.Home)
	sb.Fails("unknown instruction", "import", "-c", "RUN true", tarball)
	r = sb.SkiffIn(strings.NewReader(""), "import", "-", "empty:1")
	checkFailureCode(t, r, 1, "the input is empty", []string{"import", "-"})
	if n := countLayers(t, sb); n != layersBefore {
		t.Errorf("failed imports changed the layer count from %d to %d", layersBefore, n)
	}
	if strings.Contains(sb.OK("images").Out, "bad") {
		t.Error("a failed import left an image")
	}
}

func TestInfoAndVersion(t *testing.T) {
	sb := newSandbox(t)
	var info map[string]map[string]any
	if err := json.Unmarshal([]byte(sb.OK("info", "--format", "json").Out), &info); err != nil {
		t.Fatal(err)
	}
	if info["store"]["graphRoot"] != sb.GraphRoot() {
		t.Errorf("graphRoot = %v, want %s", info["store"]["graphRoot"], sb.GraphRoot())
	}
	if info["store"]["runRoot"] != filepath.Join(sb.Run, "skiff") {
		t.Errorf("runRoot = %v", info["store"]["runRoot"])
	}
	if d := info["store"]["graphDriverName"]; d != "overlay" && d != "vfs" {
		t.Errorf("driver = %v", d)
	}
	if st.user != nil && (info["host"]["rootless"] != true || info["host"]["idMapping"] != "subid") {
		t.Errorf("host = %v", info["host"])
	}
	if out := sb.OK("version").Out; !strings.Contains(out, "Version:") {
		t.Errorf("version: %q", out)
	}
	if out := sb.OK("--version").Out; !strings.HasPrefix(out, "skiff version ") {
		t.Errorf("--version: %q", out)
	}
	// The vfs driver can be chosen.
	vfs := newSandbox(t)
	vfs.OK("--storage-driver", "vfs", "pull", "-q", st.busybox)
	if d := strings.TrimSpace(vfs.OK("--storage-driver", "vfs", "info", "-f", "{{.Store.Driver}}").Out); d != "vfs" {
		t.Errorf("driver = %s, want vfs", d)
	}
}

// On a terminal, pull draws a live table of layers (redrawn in place).
func TestPullProgressOnTTY(t *testing.T) {
	sb := newSandbox(t)
	p := openPty(t, 24, 100)
	cmd := sb.Cmd("pull", st.big)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = p.slave, p.slave, p.slave
	if err := cmd.Run(); err != nil {
		t.Fatalf("pull on a tty: %v: %q", err, p.Output())
	}
	p.waitFor(t, "Pull complete")
	out := p.Output()
	if !strings.Contains(out, "\x1b[") {
		t.Errorf("no cursor movement: the display is not live: %q", out)
	}
	if strings.Count(out, "Pull complete") < 4 {
		t.Errorf("not every layer reported: %q", out)
	}
}
