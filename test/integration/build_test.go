package integration

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// buildDir writes a build context into the sandbox's home, readable by
// its user, and returns its path.
func buildDir(t *testing.T, sb *sandbox, files map[string]string) string {
	t.Helper()
	dir, err := os.MkdirTemp(sb.Home, "ctx-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFiles(t, sb, dir, files)
	return dir
}

// writeFiles writes files below dir and gives dir's tree to the
// sandbox's user.
func writeFiles(t *testing.T, sb *sandbox, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if sb.user != nil {
		filepath.Walk(dir, func(p string, _ os.FileInfo, _ error) error { return os.Lchown(p, sb.user.UID, sb.user.GID) })
	}
}

// imageJSON is `image inspect` of one image.
func imageJSON(t *testing.T, sb *sandbox, ref string) map[string]any {
	t.Helper()
	var out []map[string]any
	if err := json.Unmarshal([]byte(sb.OK("image", "inspect", ref).Out), &out); err != nil || len(out) != 1 {
		t.Fatalf("image inspect %s: %v", ref, err)
	}
	return out[0]
}

// runCount counts the RUN steps that really ran: each counted RUN
// appends a line to a file in the cache mount "count", which persists
// across builds.
func runCount(t *testing.T, sb *sandbox) int {
	t.Helper()
	matches, _ := filepath.Glob(filepath.Join(sb.GraphRoot(), "build", "mounts", "cache", "*", "runs"))
	n := 0
	for _, m := range matches {
		b, err := os.ReadFile(m)
		if err != nil {
			t.Fatal(err)
		}
		n += strings.Count(string(b), "\n")
	}
	return n
}

const counted = "RUN --mount=type=cache,target=/count,id=count echo x >> /count/runs && "

// okIn runs skiff with stdin and fails the test unless it exits 0.
func (sb *sandbox) okIn(stdin io.Reader, args ...string) result {
	sb.t.Helper()
	r := sb.SkiffIn(stdin, args...)
	if r.Code != 0 {
		sb.t.Fatalf("skiff %s: %s", strings.Join(args, " "), r)
	}
	return r
}

const instructionsDockerfile = `# a comment
ARG BASE=bb
FROM ${BASE} AS base
MAINTAINER Jane <jane@example.com>
ARG GREETING=hello
ARG FROMFLAG
ENV APP_HOME=/srv/app \
    MODE=${GREETING:-none}-${FROMFLAG:+set}
LABEL org.example.name="skiff test" version=1
WORKDIR $APP_HOME
COPY app/ ./
COPY --chown=app:app --chmod=0640 one.txt /srv/owned.txt
ADD packed.tar /unpacked/
RUN echo "$GREETING from $(pwd) $FROMFLAG" > /srv/run.txt && id -u > /srv/uid.txt
RUN --mount=type=secret,id=token cat /run/secrets/token | wc -c > /srv/secret-len.txt
RUN <<EOF
echo heredoc one > /srv/heredoc.txt
echo heredoc two >> /srv/heredoc.txt
EOF
COPY <<EOF /srv/inline.txt
inline ${GREETING}
EOF
RUN ["sh", "-c", "echo exec form > /srv/exec.txt"]
USER app
RUN id -u > /tmp/uid-as-app.txt
WORKDIR rel
EXPOSE 8080 53/udp
VOLUME /data
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=5s --timeout=2s --retries=3 CMD true
SHELL ["/bin/sh", "-c"]
ONBUILD RUN echo triggered > /tmp/onbuild.txt
ENTRYPOINT ["sh", "-c"]
CMD ["cat /srv/run.txt"]
`

func TestBuildInstructions(t *testing.T) {
	asUserAndRoot(t, func(t *testing.T, sb *sandbox) {
		withBusybox(sb)
		var archive bytes.Buffer
		tw := tar.NewWriter(&archive)
		tw.WriteHeader(&tar.Header{Name: "inside/packed.txt", Mode: 0o644, Size: 7, Typeflag: tar.TypeReg})
		tw.Write([]byte("packed\n"))
		tw.Close()
		secret := filepath.Join(sb.Home, "token")
		writeFiles(t, sb, sb.Home, map[string]string{"token": "s3cret-value\n"})
		ctx := buildDir(t, sb, map[string]string{
			"app/main.txt":  "main\n",
			"app/sub/x.txt": "x\n",
			"one.txt":       "one\n",
			"packed.tar":    archive.String(),
			"Dockerfile":    instructionsDockerfile,
		})
		r := sb.OK("build", "-t", "built:v1", "--build-arg", "FROMFLAG=flag", "--label", "extra=yes", "--secret", "id=token,src="+secret, ctx)
		if !strings.Contains(r.Err, "naming to built:v1 done") {
			t.Errorf("build said %q", r.Err)
		}
		img := imageJSON(t, sb, "built:v1")
		cfg := img["Config"].(map[string]any)
		checks := map[string]string{
			"Env":          `["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","APP_HOME=/srv/app","MODE=hello-set"]`,
			"Labels":       `{"extra":"yes","org.example.name":"skiff test","version":"1"}`,
			"WorkingDir":   `"/srv/app/rel"`,
			"User":         `"app"`,
			"ExposedPorts": `{"53/udp":{},"8080/tcp":{}}`,
			"Volumes":      `{"/data":{}}`,
			"StopSignal":   `"SIGTERM"`,
			"Entrypoint":   `["sh","-c"]`,
			"Cmd":          `["cat /srv/run.txt"]`,
			"Shell":        `["/bin/sh","-c"]`,
			"OnBuild":      `["RUN echo triggered \u003e /tmp/onbuild.txt"]`,
			"Healthcheck":  `{"Interval":5000000000,"Retries":3,"Test":["CMD-SHELL","true"],"Timeout":2000000000}`,
		}
		for k, want := range checks {
			got, _ := json.Marshal(cfg[k])
			if string(got) != want {
				t.Errorf("Config.%s = %s, want %s", k, got, want)
			}
		}
		if got := img["Author"]; got != "Jane <jane@example.com>" {
			t.Errorf("Author %v", got)
		}
		if got := sb.OK("run", "--rm", "built:v1").Out; got != "hello from /srv/app flag\n" {
			t.Errorf("the image's command printed %q", got)
		}
		got := sb.OK("run", "--rm", "--user", "0", "built:v1",
			"cat /srv/app/main.txt /srv/app/sub/x.txt /unpacked/inside/packed.txt /srv/heredoc.txt /srv/inline.txt /srv/exec.txt /srv/secret-len.txt /srv/uid.txt /tmp/uid-as-app.txt; stat -c '%U:%G %a' /srv/owned.txt; test -e /run/secrets/token && echo secret left; stat -c '%U %a' /srv/app/rel").Out
		want := "main\nx\npacked\nheredoc one\nheredoc two\ninline hello\nexec form\n13\n0\n1000\napp:app 640\napp 755\n"
		if got != want {
			t.Errorf("files in the image:\n%s\nwant:\n%s", got, want)
		}
		// History as BuildKit writes it: metadata steps are empty layers.
		var hist []string
		for _, h := range img["History"].([]any) {
			m := h.(map[string]any)
			line, _ := m["created_by"].(string)
			if m["empty_layer"] == true {
				line += " (empty)"
			}
			hist = append(hist, line)
		}
		all := strings.Join(hist, "\n")
		for _, want := range []string{"ENV APP_HOME=/srv/app MODE=hello-set (empty)", "COPY app/ ./ # buildkit", `CMD ["cat /srv/run.txt"] (empty)`, "RUN |2 FROMFLAG=flag GREETING=hello /bin/sh -c echo"} {
			if !strings.Contains(all, want) {
				t.Errorf("history lacks %q:\n%s", want, all)
			}
		}
		if strings.Contains(all, "s3cret") {
			t.Errorf("the secret is in the history")
		}
		layers := len(img["RootFS"].(map[string]any)["Layers"].([]any))
		base := len(imageJSON(t, sb, "bb")["RootFS"].(map[string]any)["Layers"].([]any))
		if layers != base+11 {
			t.Errorf("%d layers on %d of the base, want 11 more (3 COPY, 1 ADD, 5 RUN, 2 WORKDIR that made a directory)", layers, base)
		}
		// No file of the store holds the secret.
		filepath.Walk(sb.GraphRoot(), func(p string, fi os.FileInfo, err error) error {
			if err == nil && fi.Mode().IsRegular() {
				if b, _ := os.ReadFile(p); bytes.Contains(b, []byte("s3cret-value")) {
					t.Errorf("the secret is in the store: %s", p)
				}
			}
			return nil
		})
		// ONBUILD triggers run in a build FROM the image, and stop there.
		child := buildDir(t, sb, map[string]string{"Dockerfile": "FROM built:v1\nUSER root\n"})
		sb.OK("build", "-q", "-t", "child:v1", child)
		if got := sb.OK("run", "--rm", "child:v1", "cat /tmp/onbuild.txt").Out; got != "triggered\n" {
			t.Errorf("ONBUILD trigger: %q", got)
		}
		if got := sb.OK("image", "inspect", "-f", "{{json .Config.OnBuild}}", "child:v1").Out; got != "null\n" && got != "[]\n" {
			t.Errorf("the child image kept the triggers: %s", got)
		}
		// No container of the build is left, and the step images are hidden.
		if ids := sb.OK("ps", "-aq").Out; ids != "" {
			t.Errorf("containers left: %s", ids)
		}
		if rows := sb.OK("images", "-q").Out; len(strings.Fields(rows)) != 3 {
			t.Errorf("images lists %q, want bb, built and child only", rows)
		}
	})
}

func TestBuildCache(t *testing.T) {
	asUserAndRoot(t, func(t *testing.T, sb *sandbox) {
		withBusybox(sb)
		ctx := buildDir(t, sb, map[string]string{
			"a/1.txt":    "1\n",
			"b/2.txt":    "2\n",
			"Dockerfile": "FROM bb\nARG V=1\n" + counted + "echo first\nCOPY a/ /a/\n" + counted + "echo second $V\nCOPY b/ /b/\n" + counted + "cat /b/2.txt\nCMD [\"cat\", \"/b/2.txt\"]\n",
		})
		id1 := strings.TrimSpace(sb.OK("build", "-q", "-t", "cache:v1", ctx).Out)
		if n := runCount(t, sb); n != 3 {
			t.Fatalf("a cold build ran %d RUNs, want 3", n)
		}
		r := sb.OK("build", "--progress=plain", "-t", "cache:v2", ctx)
		if n := runCount(t, sb); n != 3 {
			t.Errorf("a cached rebuild ran %d RUNs more", n-3)
		}
		if strings.Count(r.Err, "CACHED") != 5 {
			t.Errorf("want 5 CACHED steps:\n%s", r.Err)
		}
		if id2 := sb.OK("image", "inspect", "-f", "{{.Id}}", "cache:v2").Out; id2 != id1+"\n" {
			t.Errorf("a cached rebuild made %s, the first %s", id2, id1)
		}
		// mtimes are not content.
		later := time.Now().Add(time.Hour)
		os.Chtimes(filepath.Join(ctx, "a/1.txt"), later, later)
		sb.OK("build", "-q", ctx)
		if n := runCount(t, sb); n != 3 {
			t.Errorf("touching a file ran %d RUNs", n-3)
		}
		// A change to the second COPY's source rebuilds from it on.
		writeFiles(t, sb, ctx, map[string]string{"b/2.txt": "changed\n"})
		sb.OK("build", "-q", "-t", "cache:v3", ctx)
		if n := runCount(t, sb); n != 4 {
			t.Errorf("changing b/ ran %d RUNs, want 1", n-3)
		}
		if got := sb.OK("run", "--rm", "cache:v3").Out; got != "changed\n" {
			t.Errorf("rebuilt image: %q", got)
		}
		// A mode change is a change too.
		os.Chmod(filepath.Join(ctx, "b/2.txt"), 0o600)
		sb.OK("build", "-q", ctx)
		if n := runCount(t, sb); n != 5 {
			t.Errorf("chmod of b/2.txt ran %d RUNs, want 1", n-4)
		}
		// A build arg is part of the key of every RUN after its ARG.
		sb.OK("build", "-q", "--build-arg", "V=2", ctx)
		if n := runCount(t, sb); n != 8 {
			t.Errorf("--build-arg V=2 ran %d RUNs, want 3", n-5)
		}
		sb.OK("build", "-q", "--no-cache", ctx)
		if n := runCount(t, sb); n != 11 {
			t.Errorf("--no-cache ran %d RUNs, want 3", n-8)
		}
		// The cache mount persisted through all of it; prune empties the
		// cache and the next build runs everything.
		sb.OK("builder", "prune", "-f")
		sb.OK("build", "-q", ctx)
		if n := runCount(t, sb); n != 14 {
			t.Errorf("after builder prune a build ran %d RUNs, want 3", n-11)
		}
		if got := sb.OK("run", "--rm", "cache:v1").Out; got != "2\n" {
			t.Errorf("cache:v1 after prune: %q", got)
		}
		sb.OK("builder", "prune", "-a")
		if n := runCount(t, sb); n != 0 {
			t.Errorf("builder prune -a left the cache mount (%d lines)", n)
		}
	})
}

func TestBuildMultiStage(t *testing.T) {
	asUserAndRoot(t, func(t *testing.T, sb *sandbox) {
		withBusybox(sb)
		ctx := buildDir(t, sb, map[string]string{
			"src.txt": "source\n",
			"Dockerfile": `FROM bb AS deps
RUN echo deps > /deps.txt
FROM bb AS tools
COPY src.txt /tool.txt
FROM bb AS broken
RUN exit 3
FROM deps AS final
COPY --from=tools /tool.txt /from-tools.txt
COPY --from=0 /deps.txt /from-zero.txt
COPY --from=bb /etc/passwd /from-image-passwd
CMD ["cat", "/deps.txt", "/from-tools.txt", "/from-zero.txt"]
FROM bb AS other
RUN exit 4
`,
		})
		r := sb.OK("build", "--progress", "plain", "--target", "final", "-t", "multi:v1", ctx)
		if strings.Contains(r.Err, "exit 3") || strings.Contains(r.Err, "exit 4") {
			t.Errorf("stages the target does not need were built:\n%s", r.Err)
		}
		if got := sb.OK("run", "--rm", "multi:v1").Out; got != "deps\nsource\ndeps\n" {
			t.Errorf("multi-stage image printed %q", got)
		}
		sb.OK("run", "--rm", "multi:v1", "test", "-s", "/from-image-passwd")
		sb.FailsWith(1, "exit code: 4", "build", ctx)
		sb.FailsWith(1, `target stage "nope" could not be found`, "build", "--target", "nope", ctx)
		if ids := sb.OK("ps", "-aq").Out; ids != "" {
			t.Errorf("containers left: %s", ids)
		}
	})
}

func TestBuildIgnoreFile(t *testing.T) {
	sb := withBusybox(newSandbox(t))
	ctx := buildDir(t, sb, map[string]string{
		".dockerignore":                 "*.log\nsecret/\n!keep.log\n",
		"app.log":                       "log\n",
		"keep.log":                      "kept\n",
		"secret/key":                    "key\n",
		"ok.txt":                        "ok\n",
		"Dockerfile":                    "FROM bb\nCOPY . /ctx/\n",
		"bad.Dockerfile":                "FROM bb\nCOPY secret/key /key\n",
		"named.Dockerfile":              "FROM bb\nCOPY . /ctx/\n",
		"named.Dockerfile.dockerignore": "ok.txt\n",
		"mount.Dockerfile":              "FROM bb\nRUN --mount=type=bind,target=/c ls -a /c > /seen\nCMD [\"cat\", \"/seen\"]\n",
		"badmount.Dockerfile":           "FROM bb\nRUN --mount=type=bind,source=secret/key,target=/k true\n",
	})
	sb.OK("build", "-t", "ign:v1", ctx)
	got := sb.OK("run", "--rm", "ign:v1", "ls", "-a", "/ctx").Out
	if !strings.Contains(got, "keep.log") || !strings.Contains(got, "ok.txt") {
		t.Errorf("the context as copied lacks files: %q", got)
	}
	if strings.Contains(got, "app.log") || strings.Contains(got, "secret") {
		t.Errorf("ignored files were copied: %q", got)
	}
	sb.FailsWith(1, "excluded by .dockerignore", "build", "-f", filepath.Join(ctx, "bad.Dockerfile"), ctx)
	// A bind mount of the context sees it as COPY does.
	sb.OK("build", "-t", "ign:mount", "-f", filepath.Join(ctx, "mount.Dockerfile"), ctx)
	got = sb.OK("run", "--rm", "ign:mount").Out
	if !strings.Contains(got, "keep.log") || strings.Contains(got, "app.log") || strings.Contains(got, "secret") {
		t.Errorf("a bind mount of the context shows %q", got)
	}
	sb.FailsWith(1, "excluded by .dockerignore", "build", "-f", filepath.Join(ctx, "badmount.Dockerfile"), ctx)
	sb.OK("build", "-t", "ign:v2", "-f", filepath.Join(ctx, "named.Dockerfile"), ctx)
	got = sb.OK("run", "--rm", "ign:v2", "ls", "/ctx").Out
	if strings.Contains(got, "ok.txt") || !strings.Contains(got, "app.log") {
		t.Errorf("named.Dockerfile.dockerignore should win over .dockerignore: %q", got)
	}
}

func TestBuildInputs(t *testing.T) {
	sb := withBusybox(newSandbox(t))
	// A tar stream on stdin, with a Containerfile.
	var tb bytes.Buffer
	tw := tar.NewWriter(&tb)
	for name, body := range map[string]string{"Containerfile": "FROM bb\nCOPY f.txt /f.txt\nCMD [\"cat\", \"/f.txt\"]\n", "f.txt": "from tar\n"} {
		tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg})
		tw.Write([]byte(body))
	}
	tw.Close()
	sb.okIn(bytes.NewReader(tb.Bytes()), "build", "-t", "in:stdin", "-")
	if got := sb.OK("run", "--rm", "in:stdin").Out; got != "from tar\n" {
		t.Errorf("stdin context: %q", got)
	}
	// A tarball file.
	tarball := filepath.Join(sb.Home, "ctx.tar")
	writeFiles(t, sb, sb.Home, map[string]string{"ctx.tar": tb.String()})
	sb.OK("build", "-t", "in:file", tarball)
	if got := sb.OK("run", "--rm", "in:file").Out; got != "from tar\n" {
		t.Errorf("tarball context: %q", got)
	}
	// The Dockerfile on stdin, the context a directory.
	ctx := buildDir(t, sb, map[string]string{"g.txt": "dir\n"})
	sb.okIn(strings.NewReader("FROM bb\nCOPY g.txt /g.txt\n"), "build", "-f", "-", "-t", "in:dash", ctx)
	if got := sb.OK("run", "--rm", "in:dash", "cat", "/g.txt").Out; got != "dir\n" {
		t.Errorf("-f -: %q", got)
	}
	// --iidfile gets the id -q prints.
	iid := filepath.Join(sb.Home, "iid")
	q := strings.TrimSpace(sb.okIn(strings.NewReader("FROM bb\nENV X=1\n"), "build", "-q", "--iidfile", iid, "-f", "-", ctx).Out)
	if b, _ := os.ReadFile(iid); string(b) != q || !strings.HasPrefix(q, "sha256:") {
		t.Errorf("iidfile %q, -q printed %q", b, q)
	}
	// An optional secret that was not passed is not mounted.
	sb.okIn(strings.NewReader("FROM bb\nRUN --mount=type=secret,id=absent test ! -e /run/secrets/absent\n"), "build", "-q", "-f", "-", ctx)
	// Bare --pull is Docker's boolean; a policy works too.
	sb.okIn(strings.NewReader("FROM bb\n"), "build", "-q", "--pull=never", "-f", "-", ctx)
}

func TestBuildFailures(t *testing.T) {
	sb := withBusybox(newSandbox(t))
	dir := func(df string) string {
		return buildDir(t, sb, map[string]string{"Dockerfile": df, "ok.txt": "ok\n"})
	}
	tests := []struct {
		name, dockerfile string
		args             []string
		code             int
		want             string
	}{
		{"syntax", "FROM bb\nRUN echo hi\nFORM bb\n", nil, 1, "Dockerfile:3: unknown instruction: FORM"},
		{"no FROM", "RUN true\n", nil, 1, "Dockerfile:1:"},
		{"missing source", "FROM bb\nCOPY missing.txt /x\n", nil, 1, `"missing.txt": not found`},
		{"cycle", "FROM bb AS a\nCOPY --from=b /x /x\nFROM bb AS b\nCOPY --from=a /y /y\n", nil, 1, "circular dependency"},
		{"failing RUN", "FROM bb\nRUN echo line one; echo line two; exit 7\n", nil, 1, "exit code: 7"},
		{"bad build-arg", "FROM bb\n", []string{"--build-arg", "=x"}, 1, "invalid --build-arg"},
		{"bad tag", "FROM bb\n", []string{"-t", "Bad:Tag:x"}, 125, "invalid argument"},
		{"bad network", "FROM bb\n", []string{"--network", "bridge0"}, 1, "network mode"},
		{"other platform", "FROM bb\n", []string{"--platform", "linux/s390x"}, 1, "does not emulate"},
		{"bad progress", "FROM bb\n", []string{"--progress", "fancy"}, 125, "--progress"},
		{"missing base", "FROM nothere/image:1\n", []string{"--pull=never"}, 1, "nothere/image"},
		{"ssh mount", "FROM bb\nRUN --mount=type=ssh true\n", nil, 1, "type=ssh is not supported"},
		{"required secret", "FROM bb\nRUN --mount=type=secret,id=nope,required true\n", nil, 1, "secret nope is required"},
		{"iidfile dir", "FROM bb\n", []string{"--iidfile", "/no/such/dir/iid"}, 1, "--iidfile"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sb := sb.in(t)
			args := append(append([]string{"build"}, tt.args...), dir(tt.dockerfile))
			r := sb.Skiff(args...)
			if r.Code != tt.code || !strings.Contains(r.Err, tt.want) {
				t.Fatalf("want exit %d and %q: %s", tt.code, tt.want, r)
			}
		})
	}
	r := sb.Skiff("build", dir("FROM bb\nRUN echo line one; echo line two; exit 7\n"))
	if !strings.Contains(r.Err, "line two") {
		t.Errorf("a failed RUN's error lacks its last output: %s", r.Err)
	}
	sb.FailsWith(1, "not found", "build", filepath.Join(sb.Home, "no-such-dir"))
	sb.FailsWith(125, "requires 1 argument", "build")
	if ids := sb.OK("ps", "-aq").Out; ids != "" {
		t.Errorf("containers left: %s", ids)
	}
	if ids := sb.OK("images", "-q").Out; len(strings.Fields(ids)) != 1 {
		t.Errorf("images left: %s", ids)
	}
}

func TestBuildConcurrent(t *testing.T) {
	sb := withBusybox(newSandbox(t))
	ctx := buildDir(t, sb, map[string]string{
		"f.txt":      "f\n",
		"Dockerfile": "FROM bb\nCOPY f.txt /f.txt\nRUN sleep 0.3; echo a > /a\nRUN echo b > /b\nCMD [\"cat\", \"/a\", \"/b\", \"/f.txt\"]\n",
	})
	var wg sync.WaitGroup
	res := make([]result, 2)
	for i := range res {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := sb.Cmd("build", "-q", "-t", "conc:"+string(rune('a'+i)), ctx)
			var out, errb bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &errb
			err := cmd.Run()
			res[i] = result{Out: out.String(), Err: errb.String()}
			if ee, ok := err.(*exec.ExitError); ok {
				res[i].Code = ee.ExitCode()
			}
		}()
	}
	wg.Wait()
	for i, r := range res {
		if r.Code != 0 {
			t.Fatalf("build %d: %s", i, r)
		}
	}
	for _, tag := range []string{"conc:a", "conc:b"} {
		if got := sb.OK("run", "--rm", tag).Out; got != "a\nb\nf\n" {
			t.Errorf("%s printed %q", tag, got)
		}
	}
	// Both finished; the next build is all cached.
	r := sb.OK("build", "--progress", "plain", ctx)
	if strings.Count(r.Err, "CACHED") != 3 {
		t.Errorf("after two concurrent builds, a third is not all cached:\n%s", r.Err)
	}
}

func TestBuildKilled(t *testing.T) {
	sb := withBusybox(newSandbox(t))
	ctx := buildDir(t, sb, map[string]string{
		"Dockerfile": "FROM bb\n" + counted + "echo one > /one\n" + counted + "touch /count/started; sleep 30\nCMD [\"cat\", \"/one\"]\n",
	})
	cmd := sb.Cmd("build", "-q", ctx)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	started := false
	for range 300 {
		if m, _ := filepath.Glob(filepath.Join(sb.GraphRoot(), "build", "mounts", "cache", "*", "started")); len(m) > 0 {
			started = true
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	syscall.Kill(cmd.Process.Pid, syscall.SIGKILL)
	cmd.Wait()
	if !started {
		t.Fatal("the second RUN never started")
	}
	// Its RUN ends with it, before any other build.
	stillRuns := func() bool {
		out, _ := exec.Command("sh", "-c", "ps -eo args | grep -c '[s]leep 30'").Output()
		return strings.TrimSpace(string(out)) != "0"
	}
	for i := 0; i < 100 && stillRuns(); i++ {
		time.Sleep(50 * time.Millisecond)
	}
	if stillRuns() {
		t.Errorf("the killed build's RUN still runs")
	}
	// The next build works, hits the cache for the first RUN, and leaves
	// nothing of the killed one.
	writeFiles(t, sb, ctx, map[string]string{"Dockerfile": "FROM bb\n" + counted + "echo one > /one\n" + counted + "echo two\nCMD [\"cat\", \"/one\"]\n"})
	sb.OK("build", "-t", "after:kill", ctx)
	if n := runCount(t, sb); n != 3 {
		t.Errorf("%d RUNs ran, want 3 (one, the killed one, two): the first was not cached", n)
	}
	if got := sb.OK("run", "--rm", "after:kill").Out; got != "one\n" {
		t.Errorf("image after the kill printed %q", got)
	}
	if ids := sb.OK("ps", "-aq").Out; ids != "" {
		t.Errorf("containers of the killed build left: %s", ids)
	}
}
