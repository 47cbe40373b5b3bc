package format

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

type row struct {
	ID         string
	Repository string
	Size       int
}

func TestLister(t *testing.T) {
	rows := []row{{"aaa", "busybox", 1}, {"bbbbbb", "alpine", 22}}
	tests := []struct {
		name, spec, want string
		wantErr          bool
	}{
		{name: "default table", spec: "", want: "IMAGE ID   REPOSITORY\naaa        busybox\nbbbbbb     alpine\n"},
		{name: "custom template", spec: "{{.Repository}}:{{.ID}}", want: "busybox:aaa\nalpine:bbbbbb\n"},
		{name: "custom table", spec: "table {{.Repository}}\t{{.Size}}", want: "REPOSITORY   SIZE\nbusybox      1\nalpine       22\n"},
		{name: "json", spec: "json", want: `{"ID":"aaa","Repository":"busybox","Size":1}` + "\n" + `{"ID":"bbbbbb","Repository":"alpine","Size":22}` + "\n"},
		{name: "funcs", spec: "{{upper .Repository}} {{truncate .ID 2}} {{json .Size}}", want: "BUSYBOX aa 1\nALPINE bb 22\n"},
		{name: "bad template", spec: "{{.Repository", wantErr: true},
		{name: "unknown field", spec: "{{.Nope}}", wantErr: true},
		{name: "field in another case", spec: "{{.Id}} {{.repository}}", want: "aaa busybox\nbbbbbb alpine\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			l, err := NewLister(&buf, tt.spec, "table {{.ID}}\t{{.Repository}}", map[string]string{"ID": "IMAGE ID"})
			if err == nil {
				for _, r := range rows {
					if err = l.Row(r); err != nil {
						break
					}
				}
			}
			if err == nil {
				err = l.Flush()
			}
			checkOutput(t, err, buf.String(), tt.want, tt.wantErr)
		})
	}
}

// checkOutput fails t unless the output is want, or an error if wantErr.
func checkOutput(t *testing.T, err error, got, want string, wantErr bool) {
	t.Helper()
	switch {
	case wantErr && err == nil:
		t.Fatalf("no error; output %q", got)
	case wantErr:
	case err != nil:
		t.Fatal(err)
	case got != want:
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
}

func TestObject(t *testing.T) {
	type inner struct{ Cmd []string }
	v := struct {
		Id     string
		Config inner
	}{"sha256:x", inner{[]string{"sh"}}}
	var buf bytes.Buffer
	if err := Object(&buf, "{{.Id}} {{index .Config.Cmd 0}}", v); err != nil {
		t.Fatal(err)
	}
	if buf.String() != "sha256:x sh\n" {
		t.Errorf("got %q", buf.String())
	}
	buf.Reset()
	if err := Object(&buf, "", v); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"Id": "sha256:x"`) {
		t.Errorf("got %q", buf.String())
	}
}

// inspected mimics an inspect result: Docker's JSON spellings as Go
// names, JSON keys that differ from them, maps, slices and methods.
type inspected struct {
	Id         string //nolint:revive // Docker's spelling
	Created    time.Time
	HostConfig struct {
		Dns      []string
		NanoCpus int64
	}
	Labels map[string]string
	Mounts []struct{ Source, Destination string }
	Ports  map[string][]struct{ HostIp, HostPort string }
	Store  struct {
		Driver string `json:"graphDriverName"`
	}
	Both     struct{ Id, ID string } //nolint:revive // both spellings, each its own
	Anything any
}

func TestObjectFieldAliases(t *testing.T) {
	v := inspected{Id: "sha256:abc", Created: time.Unix(1700000000, 0).UTC()}
	v.HostConfig.Dns = []string{"1.1.1.1", "9.9.9.9"}
	v.HostConfig.NanoCpus = 1500000000
	v.Labels = map[string]string{"name": "web", "ID": "label-id"}
	v.Mounts = append(v.Mounts, struct{ Source, Destination string }{"/h", "/c"})
	v.Ports = map[string][]struct{ HostIp, HostPort string }{"80/tcp": {{"0.0.0.0", "8080"}}}
	v.Store.Driver = "overlay"
	v.Both.Id, v.Both.ID = "lower", "upper"
	v.Anything = struct{ Id string }{"dyn"} //nolint:revive // Docker's spelling
	tests := []struct {
		spec, want string
		wantErr    bool
	}{
		{spec: "{{.Id}}", want: "sha256:abc"},
		{spec: "{{.ID}}", want: "sha256:abc"},
		{spec: "{{.id}} {{ .ID | printf \"%.10s\" }}", want: "sha256:abc sha256:abc"},
		{spec: "{{.HostConfig.DNS}} {{.HostConfig.NanoCPUs}}", want: "[1.1.1.1 9.9.9.9] 1500000000"},
		{spec: "{{index .HostConfig.DNS 1}}", want: "9.9.9.9"},
		{spec: "{{.Created.Unix}} {{.ID}}", want: "1700000000 sha256:abc"},
		{spec: "{{.Store.graphDriverName}} {{.Store.GraphDriverName}} {{.store.driver}}", want: "overlay overlay overlay"},
		// Map keys are the map's: a label "name" is not the field Name.
		{spec: "{{.Labels.name}} {{.Labels.ID}} {{index .Labels \"name\"}}", want: "web label-id web"},
		{spec: "{{range .Mounts}}{{.source}}:{{.DESTINATION}}{{end}}", want: "/h:/c"},
		{spec: "{{range $p, $b := .Ports}}{{$p}} {{(index $b 0).HostIP}}{{end}}", want: "80/tcp 0.0.0.0"},
		{spec: "{{with .HostConfig}}{{.DNS}}{{end}} {{$.ID}}", want: "[1.1.1.1 9.9.9.9] sha256:abc"},
		{spec: "{{$h := .HostConfig}}{{$h.NanoCPUs}}", want: "1500000000"},
		{spec: "{{if .ID}}{{.HostConfig.DNS}}{{else}}none{{end}}", want: "[1.1.1.1 9.9.9.9]"},
		{spec: "{{json .HostConfig.DNS}}", want: `["1.1.1.1","9.9.9.9"]`},
		// Where both spellings exist each means its own.
		{spec: "{{.Both.Id}} {{.Both.ID}}", want: "lower upper"},
		// Known only when run: as written.
		{spec: "{{.Anything.Id}}", want: "dyn"},
		{spec: "{{.Anything.ID}}", wantErr: true},
		{spec: "{{.Nope}}", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			var buf bytes.Buffer
			err := Object(&buf, tt.spec, v)
			checkOutput(t, err, buf.String(), tt.want+"\n", tt.wantErr)
		})
	}
}

func TestObjectJSON(t *testing.T) {
	v := []row{{"aaa", "busybox", 1}}
	tests := []struct{ spec, want string }{
		{"", "[\n    {\n        \"ID\": \"aaa\",\n        \"Repository\": \"busybox\",\n        \"Size\": 1\n    }\n]\n"},
		{"json", `[{"ID":"aaa","Repository":"busybox","Size":1}]` + "\n"},
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		if err := Object(&buf, tt.spec, v); err != nil {
			t.Fatal(err)
		}
		if buf.String() != tt.want {
			t.Errorf("%q: got %q, want %q", tt.spec, buf.String(), tt.want)
		}
	}
}
