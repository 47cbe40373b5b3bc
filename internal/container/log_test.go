package container

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseLogConfig(t *testing.T) {
	tests := []struct {
		driver  string
		opts    []string
		want    LogConfig
		wantErr string
	}{
		{driver: "", want: LogConfig{Driver: LogJSONFile, MaxFiles: 1}},
		{driver: "json-file", opts: []string{"max-size=2k", "max-file=3"},
			want: LogConfig{Driver: LogJSONFile, MaxSize: 2048, MaxFiles: 3, Options: map[string]string{"max-size": "2k", "max-file": "3"}}},
		{driver: "journald", opts: []string{"tag={{.Name}}-x"},
			want: LogConfig{Driver: LogJournald, MaxFiles: 1, Tag: "{{.Name}}-x", Options: map[string]string{"tag": "{{.Name}}-x"}}},
		{driver: "passthrough", want: LogConfig{Driver: LogPassthrough, MaxFiles: 1}},
		{driver: "none", want: LogConfig{Driver: LogNone, MaxFiles: 1}},
		{driver: "k8s-file", wantErr: `invalid --log-driver "k8s-file": use json-file, journald, passthrough or none`},
		{driver: "syslog", wantErr: "invalid --log-driver"},
		{driver: "json-file", opts: []string{"tag=x"}, wantErr: `unsupported --log-opt "tag=x" for log driver json-file: use max-size, max-file`},
		{driver: "journald", opts: []string{"max-size=1m"}, wantErr: "for log driver journald: use tag"},
		{driver: "none", opts: []string{"max-size=1m"}, wantErr: "log driver none takes no options"},
		{driver: "passthrough", opts: []string{"tag=x"}, wantErr: "log driver passthrough takes no options"},
		{driver: "json-file", opts: []string{"max-size"}, wantErr: "use KEY=VALUE"},
		{driver: "json-file", opts: []string{"max-size=lots"}, wantErr: "use a size such as 10m"},
		{driver: "json-file", opts: []string{"max-file=0"}, wantErr: "use a number of files >= 1"},
		{driver: "journald", opts: []string{"tag={{.Name"}, wantErr: "bad template"},
		{driver: "journald", opts: []string{"tag={{.Nope}}"}, wantErr: "use {{.Name}}"},
	}
	for _, tt := range tests {
		t.Run(tt.driver+" "+strings.Join(tt.opts, " "), func(t *testing.T) {
			got, err := ParseLogConfig(tt.driver, tt.opts)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one with %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestLogTag(t *testing.T) {
	id := "0123456789abcdef0123456789abcdef"
	tests := []struct{ tag, want string }{
		{"", "web"},
		{"plain", "plain"},
		{"{{.Name}}/{{.ID}}", "web/0123456789ab"},
		{"{{.FullID}}", id},
		{"{{.ImageName}}@{{.ImageID}}", "busybox@fedcba987654"},
		{"{{.DaemonName}}", "skiff"},
	}
	for _, tt := range tests {
		c := &Container{Config: Config{ID: id, Name: "web", Image: "busybox", ImageID: "fedcba9876543210", Log: LogConfig{Tag: tt.tag}}}
		if got := c.LogTag(); got != tt.want {
			t.Errorf("tag %q: %q, want %q", tt.tag, got, tt.want)
		}
	}
}
