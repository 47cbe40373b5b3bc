package integration

import (
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"

	"github.com/skiff-containers/skiff/test/testenv"
)

// Credentials come from the Docker config and from the containers auth
// file, as `docker login` and `podman login` leave them.
func TestRegistryAuth(t *testing.T) {
	dir, err := os.MkdirTemp(st.work, "authreg-")
	if err != nil {
		t.Fatal(err)
	}
	reg, err := testenv.StartAuthRegistry(t.Context(), dir, "alice", "s3cret")
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Stop()
	ref := reg.Addr + "/private/busybox:latest"
	img, err := testenv.Busybox(runtime.GOARCH)
	if err != nil {
		t.Fatal(err)
	}
	if err := testenv.PushAuth(ref, img, &authn.Basic{Username: "alice", Password: "s3cret"}); err != nil {
		t.Fatal(err)
	}
	entry := func(pass string) string {
		return fmt.Sprintf(`{"auths":{%q:{"auth":%q}}}`, reg.Addr, base64.StdEncoding.EncodeToString([]byte("alice:"+pass)))
	}
	tests := []struct {
		name    string
		file    string // relative to the sandbox; "" for none
		runDir  bool   // relative to XDG_RUNTIME_DIR instead of HOME
		content string
		ok      bool
	}{
		{name: "no credentials"},
		{name: "wrong password", file: ".docker/config.json", content: entry("wrong")},
		{name: "docker config", file: ".docker/config.json", content: entry("s3cret"), ok: true},
		{name: "containers auth file", file: "containers/auth.json", runDir: true, content: entry("s3cret"), ok: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sb := newSandbox(t).in(t)
			if tt.file != "" {
				base := sb.Home
				if tt.runDir {
					base = sb.Run
				}
				p := filepath.Join(base, tt.file)
				writeAsUser(t, p, tt.content)
				if tt.runDir && st.user != nil {
					os.Chown(filepath.Dir(p), st.user.UID, st.user.GID)
				}
			}
			if tt.ok {
				sb.OK("pull", "-q", ref)
				return
			}
			sb.FailsWith(1, "denied access", "pull", ref)
		})
	}
}
