package container

import (
	"strings"
	"testing"

	"github.com/skiff-containers/skiff/internal/state"
)

func TestFilters(t *testing.T) {
	web := &Container{Config: Config{ID: "abc123def456", Name: "web", Image: "busybox", ImageID: "feed01", Labels: map[string]string{"tier": "front"}}}
	web2 := &Container{Config: Config{ID: "0123456789ab", Name: "web2", Image: "localhost:5000/team/app:v1", ImageID: "beef02"}}
	lookup := func(ref string) (string, bool) {
		if ref == "app-alias" {
			return "beef02", true
		}
		return "", false
	}
	running := state.State{Status: StatusRunning}
	tests := []struct {
		name    string
		specs   []string
		want    []string // names that match, of web and web2 (both running)
		wantErr string
	}{
		{name: "none", want: []string{"web", "web2"}},
		{name: "name part", specs: []string{"name=web"}, want: []string{"web", "web2"}},
		{name: "name anchored", specs: []string{"name=^web$"}, want: []string{"web"}},
		{name: "name with Docker's slash", specs: []string{"name=^/web$"}, want: []string{"web"}},
		{name: "name class", specs: []string{"name=web[0-9]"}, want: []string{"web2"}},
		{name: "names are alternatives", specs: []string{"name=^web$", "name=^web2$"}, want: []string{"web", "web2"}},
		{name: "name and label both hold", specs: []string{"name=web", "label=tier=front"}, want: []string{"web"}},
		{name: "label key", specs: []string{"label=tier"}, want: []string{"web"}},
		{name: "label other value", specs: []string{"label=tier=back"}},
		{name: "id prefix", specs: []string{"id=0123"}, want: []string{"web2"}},
		{name: "ancestor by name", specs: []string{"ancestor=busybox"}, want: []string{"web"}},
		{name: "ancestor by lookup", specs: []string{"ancestor=app-alias"}, want: []string{"web2"}},
		{name: "ancestor by pattern", specs: []string{"ancestor=*/team/*"}, want: []string{"web2"}},
		{name: "status", specs: []string{"status=exited"}},
		{name: "bad regexp", specs: []string{"name=web("}, wantErr: "regular expression"},
		{name: "bad status", specs: []string{"status=paused"}, wantErr: "status is created"},
		{name: "unknown key", specs: []string{"before=web"}, wantErr: "supported filters"},
		{name: "no value", specs: []string{"name"}, wantErr: "use KEY=VALUE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs, err := ParseFilters(tt.specs)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range []*Container{web, web2} {
				if fs.Match(c, running, lookup) {
					got = append(got, c.Name)
				}
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("matched %v, want %v", got, tt.want)
			}
		})
	}
}
