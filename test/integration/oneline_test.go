package integration

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// failsAlone runs skiff and checks that it fails with exit 125 (Docker's 1
// for pull), nothing on stdout and exactly one line on stderr, the error,
// containing want.
func (sb *sandbox) failsAlone(want string, args ...string) {
	sb.t.Helper()
	r := sb.Skiff(args...)
	code := 125
	if args[0] == "pull" {
		code = 1
	}
	if r.Code != code || r.Out != "" {
		sb.t.Fatalf("skiff %s: want exit %d and no output, got %s", strings.Join(args, " "), code, r)
	}
	if lines := strings.Split(strings.TrimSuffix(r.Err, "\n"), "\n"); len(lines) != 1 || !strings.HasPrefix(lines[0], "Error: ") || !strings.Contains(lines[0], want) {
		sb.t.Fatalf("skiff %s: want one error line about %q, got stderr %q", strings.Join(args, " "), want, r.Err)
	}
}

// TestPullFailureOneLine: a failed pull takes back its progress lines
// ("Unable to find image", "Pulling"), so that the error is all it prints.
func TestPullFailureOneLine(t *testing.T) {
	sb := newSandbox(t)
	missing := st.reg.Addr + "/test/nothere:1"
	unreachable := "127.0.0.1:1/test/busybox:1"
	for _, ref := range []string{missing, unreachable} {
		sb.failsAlone("pull "+ref, "pull", ref)
		sb.failsAlone("pull "+ref, "run", "--rm", ref, "true")
		sb.failsAlone("pull "+ref, "create", ref, "true")
		sb.failsAlone("pull "+ref, "run", "--pull", "always", "--rm", ref, "true")
	}
	if out := sb.OK("ps", "-aq").Out; out != "" {
		t.Errorf("failed pulls left containers: %q", out)
	}
	// On a terminal the lines are erased: up over both, then cleared.
	p := openPty(t, 24, 100)
	cmd := sb.Cmd("run", "--rm", missing, "true")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = p.slave, p.slave, p.slave
	if err := cmd.Run(); err == nil {
		t.Fatal("run of a missing image on a terminal succeeded")
	}
	p.waitFor(t, "Error: ")
	if out := p.Output(); !strings.Contains(out, "\x1b[2A\x1b[J") {
		t.Errorf("a failed pull on a terminal left its lines: %q", out)
	}
	// A pull that works still says what it did.
	if r := sb.OK("pull", st.busybox); !strings.Contains(r.Err, "Pulling "+st.busybox) || !strings.Contains(r.Err, "Pull complete") {
		t.Errorf("pull progress: %q", r.Err)
	}
}

// TestUsernsAutoWithoutRangesOneLine: as root, --userns=auto for a user
// without subordinate ranges is refused in one line (containers/storage
// logged a line of its own before skiff's), and nothing is made.
func TestUsernsAutoWithoutRangesOneLine(t *testing.T) {
	sb := rootRunSandbox(t)
	// The suite's "containers" user keeps its ranges for the other tests;
	// this store hands out the ids of the user that has none.
	cfg := filepath.Join(sb.Home, "config.toml")
	if err := os.WriteFile(cfg, []byte("[storage]\nauto_userns_user = \""+noSubUser+"\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, verb := range []string{"run", "create"} {
		sb.failsAlone("no subuid ranges found for user \""+noSubUser+"\"", "--config", cfg, verb, "--userns=auto", "bb", "true")
	}
	if out := sb.OK("--config", cfg, "ps", "-aq").Out; out != "" {
		t.Errorf("refused --userns=auto left containers: %q", out)
	}
	// The same store with the default user works.
	if out := sb.OK("run", "--rm", "--userns=auto", "bb", "echo", "ok").Out; out != "ok\n" {
		t.Errorf("--userns=auto with the containers user: %q", out)
	}
}

// TestPlatformOfLocalImage: --platform holds against a local image, as in
// Docker: one of another platform is pulled for the platform asked for,
// or refused under --pull never.
func TestPlatformOfLocalImage(t *testing.T) {
	host := runtime.GOARCH
	other := "arm64"
	if host == "arm64" {
		other = "amd64"
	}
	asUserAndRoot(t, func(t *testing.T, sb *sandbox) {
		sb.OK("pull", "-q", st.multi)
		arch := func(ref string) string {
			return strings.TrimSpace(sb.OK("image", "inspect", "-f", "{{.Architecture}}", ref).Out)
		}
		sb.OK("create", "--pull", "never", "--platform", "linux/"+host, st.multi, "true")
		for _, verb := range []string{"run", "create"} {
			sb.failsAlone("is for linux/"+host+", not linux/"+other, verb, "--pull", "never", "--platform", "linux/"+other, st.multi, "true")
		}
		if n := len(strings.Fields(sb.OK("ps", "-aq").Out)); n != 1 {
			t.Errorf("%d containers after the refusals, want the first one only", n)
		}
		id := strings.TrimSpace(sb.OK("create", "--platform", "linux/"+other, st.multi, "cat", "/etc/arch").Out)
		img := strings.TrimSpace(sb.OK("inspect", "-f", "{{.Image}}", id).Out)
		if got := arch(img); got != other {
			t.Errorf("create --platform linux/%s made a container of a %s image", other, got)
		}
		if got := arch(st.multi); got != other {
			t.Errorf("%s is %s after the pull for linux/%s", st.multi, got, other)
		}
		// run pulls the host's image back; its command shows which.
		if out := sb.OK("run", "--rm", "--platform", "linux/"+host, st.multi, "cat", "/etc/arch").Out; out != host+"\n" {
			t.Errorf("run --platform linux/%s ran the image for %q", host, out)
		}
		sb.failsAlone("drop --platform", "create", "--platform", "linux/"+host, img[:12], "true")
	})
}
