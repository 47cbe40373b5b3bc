package cli

import (
	"bytes"
	"testing"

	"github.com/skiff-containers/skiff/internal/format"
	"github.com/skiff-containers/skiff/internal/report"
)

// TestInspectFieldAliases runs Docker's spellings of inspect fields over
// skiff's inspect types.
func TestInspectFieldAliases(t *testing.T) {
	ctr := report.ContainerInspect{Id: "c0ffee"}
	ctr.HostConfig.NanoCpus = 2000000000
	ctr.HostConfig.Dns = []string{"1.1.1.1"}
	ctr.NetworkSettings.Ports = map[string][]report.InspectPort{"80/tcp": {{HostIp: "0.0.0.0", HostPort: "8080"}}}
	tests := []struct {
		name string
		v    any
		spec string
		want string
	}{
		{"image", ImageInspect{Id: "sha256:1"}, "{{.ID}} {{.Id}}", "sha256:1 sha256:1"},
		{"container", ctr, "{{.ID}} {{.HostConfig.NanoCPUs}} {{.HostConfig.DNS}}", "c0ffee 2000000000 [1.1.1.1]"},
		{"container ports", ctr, `{{(index (index .NetworkSettings.Ports "80/tcp") 0).HostIP}}`, "0.0.0.0"},
		{"network", report.Network{Id: "n1"}, "{{.ID}}", "n1"},
		{"info", report.Info{Store: report.StoreInfo{Driver: "vfs"}}, "{{.Store.GraphDriverName}} {{.store.graphDriverName}}", "vfs vfs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := format.Object(&buf, tt.spec, tt.v); err != nil {
				t.Fatal(err)
			}
			if buf.String() != tt.want+"\n" {
				t.Errorf("got %q, want %q", buf.String(), tt.want+"\n")
			}
		})
	}
}
