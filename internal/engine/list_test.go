package engine

import (
	"errors"
	"strings"
	"testing"

	"github.com/skiff-containers/skiff/internal/container"
	"github.com/skiff-containers/skiff/internal/state"
)

func TestListFilters(t *testing.T) {
	web := &container.Container{Config: container.Config{ID: "abc123def456", Name: "web", Image: "busybox", ImageID: "feed01", Labels: map[string]string{"tier": "front"}}}
	web2 := &container.Container{Config: container.Config{ID: "0123456789ab", Name: "web2", Image: "localhost:5000/team/app:v1", ImageID: "beef02"}}
	lookup := func(ref string) (string, bool) {
		if ref == "app-alias" {
			return "beef02", true
		}
		return "", false
	}
	running := state.State{Status: container.StatusRunning}
	tests := []struct {
		name      string
		filters   ListFilters
		want      []string // names that match, of web and web2 (both running)
		wantField string   // the invalid option, if the filters are refused
		wantErr   string
	}{
		{name: "none", want: []string{"web", "web2"}},
		{name: "name part", filters: ListFilters{Name: []string{"web"}}, want: []string{"web", "web2"}},
		{name: "name anchored", filters: ListFilters{Name: []string{"^web$"}}, want: []string{"web"}},
		{name: "name with Docker's slash", filters: ListFilters{Name: []string{"^/web$"}}, want: []string{"web"}},
		{name: "name class", filters: ListFilters{Name: []string{"web[0-9]"}}, want: []string{"web2"}},
		{name: "names are alternatives", filters: ListFilters{Name: []string{"^web$", "^web2$"}}, want: []string{"web", "web2"}},
		{name: "name and label both hold", filters: ListFilters{Name: []string{"web"}, Label: []string{"tier=front"}}, want: []string{"web"}},
		{name: "label key", filters: ListFilters{Label: []string{"tier"}}, want: []string{"web"}},
		{name: "label other value", filters: ListFilters{Label: []string{"tier=back"}}},
		{name: "id prefix", filters: ListFilters{ID: []string{"0123"}}, want: []string{"web2"}},
		{name: "ids are alternatives", filters: ListFilters{ID: []string{"0123", "abc"}}, want: []string{"web", "web2"}},
		{name: "ancestor by name", filters: ListFilters{Ancestor: []string{"busybox"}}, want: []string{"web"}},
		{name: "ancestor by id", filters: ListFilters{Ancestor: []string{"sha256:feed"}}, want: []string{"web"}},
		{name: "ancestor by lookup", filters: ListFilters{Ancestor: []string{"app-alias"}}, want: []string{"web2"}},
		{name: "ancestor by pattern", filters: ListFilters{Ancestor: []string{"*/team/*"}}, want: []string{"web2"}},
		{name: "status", filters: ListFilters{Status: []string{"exited"}}},
		{name: "statuses are alternatives", filters: ListFilters{Status: []string{"exited", "running"}}, want: []string{"web", "web2"}},
		{name: "bad regexp", filters: ListFilters{Name: []string{"web("}}, wantField: "Filters.Name", wantErr: "regular expression"},
		{name: "bad status", filters: ListFilters{Status: []string{"paused"}}, wantField: "Filters.Status", wantErr: "status is created"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs, err := compileFilters(tt.filters)
			if tt.wantErr != "" {
				var ie *InvalidOptionError
				if !errors.As(err, &ie) || ie.Field != tt.wantField || !strings.Contains(ie.Reason, tt.wantErr) {
					t.Fatalf("err = %v, want an invalid %s containing %q", err, tt.wantField, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range []*container.Container{web, web2} {
				if fs.match(c, running, lookup) {
					got = append(got, c.Name)
				}
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("matched %v, want %v", got, tt.want)
			}
		})
	}
}

// ps --size writes sizes as Docker's: three significant digits, decimal
// units, the virtual size only when there is one.
func TestFormatSize(t *testing.T) {
	for _, tt := range []struct {
		sz   container.Sizes
		want string
	}{
		{container.Sizes{Rw: 12, RootFs: 4_200_012}, "12B (virtual 4.2MB)"},
		{container.Sizes{Rw: 0, RootFs: 4_261_376}, "0B (virtual 4.26MB)"},
		{container.Sizes{Rw: 1536, RootFs: 0}, "1.54kB"},
	} {
		if got := formatSize(tt.sz); got != tt.want {
			t.Errorf("formatSize(%+v) = %q, want %q", tt.sz, got, tt.want)
		}
	}
}
