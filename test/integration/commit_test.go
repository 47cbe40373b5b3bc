package integration

import (
	"strconv"
	"strings"
	"testing"
)

// commit makes an image of what a container changed: files (with their
// owners), deletions (whiteouts), the container's config with --change on
// top; not the files skiff mounts for the run.
func TestCommit(t *testing.T) {
	asUserAndRoot(t, func(t *testing.T, sb *sandbox) {
		withBusybox(sb)
		baseLayers := sb.OK("image", "inspect", "-f", "{{len .RootFS.Layers}}", "bb").Out
		sb.OK("run", "--name", "src", "-e", "FROM_RUN=1", "bb", "sh", "-c",
			"echo hello > /hello && echo app > /owned && chown 1000:1000 /owned && rm /home/app/owned-by-app")
		r := sb.OK("commit", "-c", `CMD ["cat","/hello"]`, "-m", "msg", "-a", "Jane <jane@example.com>", "src", "committed:v1")
		id := strings.TrimSpace(r.Out)
		if !strings.HasPrefix(id, "sha256:") || len(id) != 71 {
			t.Fatalf("commit printed %q, want an image id", r.Out)
		}
		if got := sb.OK("image", "inspect", "-f", "{{.Id}}", "committed:v1").Out; got != id+"\n" {
			t.Errorf("committed:v1 is %q, commit printed %q", got, id)
		}
		if got := sb.OK("run", "--rm", "committed:v1").Out; got != "hello\n" {
			t.Errorf("the committed CMD printed %q", got)
		}
		got := sb.OK("run", "--rm", "committed:v1", "sh", "-c",
			`stat -c '%u:%g %s' /owned; test -e /home/app/owned-by-app && echo still there; echo $FROM_RUN`).Out
		if got != "1000:1000 4\n1\n" {
			t.Errorf("in the committed image: %q, want the owner and size of /owned, no deleted file, the run's env", got)
		}
		n, _ := strconv.Atoi(strings.TrimSpace(baseLayers))
		if got := sb.OK("image", "inspect", "-f", "{{len .RootFS.Layers}}", "committed:v1").Out; got != strconv.Itoa(n+1)+"\n" {
			t.Errorf("the committed image has %s layers, bb %d", strings.TrimSpace(got), n)
		}
		if got := sb.OK("image", "inspect", "-f", "{{.Comment}}|{{.Author}}|{{json .Config.Cmd}}", "committed:v1").Out; got != `msg|Jane <jane@example.com>|["cat","/hello"]`+"\n" {
			t.Errorf("committed image: %q", got)
		}
		// The history's last entry is the commit's, created by the
		// container's command as in Docker.
		hist := sb.OK("image", "inspect", "-f", "{{range .History}}{{.Author}}|{{.CreatedBy}}|{{.EmptyLayer}};{{end}}", "committed:v1").Out
		if want := "Jane <jane@example.com>|sh -c echo hello > /hello && echo app > /owned && chown 1000:1000 /owned && rm /home/app/owned-by-app|false;\n"; !strings.HasSuffix(hist, want) {
			t.Errorf("history %q, want it to end with %q", hist, want)
		}

		// A container that changed nothing: what skiff mounted for the
		// run (/etc/hosts, /etc/hostname, /etc/resolv.conf, new to this
		// image) is not a change, and there is no layer to add.
		sb.OK("run", "--name", "idle", "bb", "true")
		sb.OK("container", "commit", "idle", "idle:v1")
		if got := sb.OK("image", "inspect", "-f", "{{len .RootFS.Layers}}", "idle:v1").Out; got != baseLayers {
			t.Errorf("an unchanged container's image has %s layers, bb %s", strings.TrimSpace(got), strings.TrimSpace(baseLayers))
		}

		sb.FailsWith(1, "Error: No such container: nope", "commit", "nope", "x:1")
		sb.FailsWith(125, "unknown instruction", "commit", "-c", "RUN true", "src")
	})
}
