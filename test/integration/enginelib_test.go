package integration

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// The engine as a library, with no CLI: a program of its own
// (test/enginetest) creates, starts, execs, runs, stops and removes
// containers, and makes images with Commit, Mount and Mutate, through the
// Go API as the unprivileged test user.
func TestEngineAsLibrary(t *testing.T) {
	sb := runSandbox(t)
	dir, err := os.MkdirTemp(st.work, "enginetest-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	os.Chmod(dir, 0o755)
	bin := filepath.Join(dir, "enginetest")
	build := exec.Command("go", "build", "-tags", "exclude_graphdriver_btrfs exclude_graphdriver_zfs", "-o", bin, ".")
	build.Dir = "../enginetest"
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build test/enginetest: %v: %s", err, out)
	}
	skiff, err := filepath.Abs(st.bin)
	if err != nil {
		t.Fatal(err)
	}
	layersBefore := countLayers(t, sb)
	cmd := exec.Command(bin, "-skiff", skiff, "bb")
	// Its helpers are skiff's, beside skiff.
	cmd.Env = append(append([]string{}, sb.env...), "SKIFF_LIBEXEC_DIR="+filepath.Dir(skiff))
	cmd.Dir = sb.Home
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if sb.user != nil {
		cmd.SysProcAttr.Credential = sb.user.Credential()
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("enginetest: %v\n%s%s", err, out, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	want := []string{"invalid Workdir", "created lib1 ", "started", "exec 3 exec-out bar", "run 5 run-out hello", "autoremoved", "stopped", "removed",
		"resolved", `committed layers +1 history +1 COPY built /built ["cat" "/built"] false`, "ran 0 copied",
		`mutated same-id true other-id true same-layer true user "app"`, "no layer true layers 2=2", "scratch layers 1 history 1 os linux",
		"failures refused"}
	if len(lines) != len(want) {
		t.Fatalf("enginetest printed %q, want lines %q", lines, want)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d: %q, want %q", i+1, lines[i], w)
		}
	}
	// The CLI sees what the library did: nothing is left.
	if got := sb.OK("ps", "-aq").Out; got != "" {
		t.Errorf("containers left: %q", got)
	}
	// The layers stored: the commit's, one for the two mutations of the
	// same layer and the scratch image's; the failed mutations left none.
	if n := countLayers(t, sb); n != layersBefore+3 {
		t.Errorf("the store has %d layers, want %d: the %d before and 3", n, layersBefore+3, layersBefore)
	}
	if got := sb.OK("image", "inspect", "-f", "{{len .History}} {{(index .History 1).CreatedBy}}", "lib/mutated:v1").Out; got != "2 ADD added\n" {
		t.Errorf("the mutated image's history as the CLI shows it: %q", got)
	}
}
