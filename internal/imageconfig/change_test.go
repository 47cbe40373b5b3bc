package imageconfig

import (
	"reflect"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

func TestApply(t *testing.T) {
	tests := []struct {
		change  string
		check   func(v1.Config) bool
		wantErr bool
	}{
		{change: `CMD ["sh", "-c", "echo hi"]`, check: func(c v1.Config) bool { return reflect.DeepEqual(c.Cmd, []string{"sh", "-c", "echo hi"}) }},
		{change: `CMD echo hi`, check: func(c v1.Config) bool { return reflect.DeepEqual(c.Cmd, []string{"/bin/sh", "-c", "echo hi"}) }},
		{change: `entrypoint ["/init"]`, check: func(c v1.Config) bool { return reflect.DeepEqual(c.Entrypoint, []string{"/init"}) }},
		{change: `ENV A=1 B="two words"`, check: func(c v1.Config) bool { return reflect.DeepEqual(c.Env, []string{"PATH=/bin", "A=1", "B=two words"}) }},
		{change: `ENV PATH /usr/bin:/bin`, check: func(c v1.Config) bool { return reflect.DeepEqual(c.Env, []string{"PATH=/usr/bin:/bin"}) }},
		{change: `LABEL a=b`, check: func(c v1.Config) bool { return c.Labels["a"] == "b" }},
		{change: `EXPOSE 80 53/udp`, check: func(c v1.Config) bool {
			_, a := c.ExposedPorts["80/tcp"]
			_, b := c.ExposedPorts["53/udp"]
			return a && b
		}},
		{change: `WORKDIR /srv`, check: func(c v1.Config) bool { return c.WorkingDir == "/srv" }},
		{change: `USER 1000:1000`, check: func(c v1.Config) bool { return c.User == "1000:1000" }},
		{change: `STOPSIGNAL SIGINT`, check: func(c v1.Config) bool { return c.StopSignal == "SIGINT" }},
		{change: `VOLUME ["/data"]`, check: func(c v1.Config) bool { _, ok := c.Volumes["/data"]; return ok }},
		{change: `RUN echo`, wantErr: true},
		{change: `CMD`, wantErr: true},
		{change: `EXPOSE 99999`, wantErr: true},
		{change: `LABEL novalue`, wantErr: true},
		{change: `ENV A="unterminated`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.change, func(t *testing.T) {
			cfg := v1.Config{Env: []string{"PATH=/bin"}}
			err := Apply(&cfg, tt.change)
			if tt.wantErr {
				if err == nil {
					t.Fatal("no error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(cfg) {
				t.Errorf("config after %q: %+v", tt.change, cfg)
			}
		})
	}
}
