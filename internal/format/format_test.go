package format

import (
	"bytes"
	"strings"
	"testing"
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
			if tt.wantErr {
				if err == nil {
					t.Fatalf("no error; output %q", buf.String())
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if buf.String() != tt.want {
				t.Errorf("got\n%q\nwant\n%q", buf.String(), tt.want)
			}
		})
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
