package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/skiff-containers/skiff/internal/buildinfo"
)

// version needs no store: each form shows the version and the commit as
// fields of their own.
func TestVersionOutput(t *testing.T) {
	v, c := buildinfo.Version, buildinfo.Commit
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--version"}, "skiff version " + v + ", build " + c + "\n"},
		{[]string{"version", "--format", "{{.Client.Version}}"}, v + "\n"},
		{[]string{"version", "-f", "{{.Client.GitCommit}}"}, c + "\n"},
		{[]string{"version", "--format", "{{.Version}} {{.GitCommit}}"}, v + " " + c + "\n"},
		{[]string{"version", "--format", "json"}, `{"Client":{"Version":"` + v + `","GitCommit":"` + c + `",`},
		{[]string{"version"}, "Version:     " + v + "\nGit commit:  " + c + "\n"},
	} {
		var out, errw bytes.Buffer
		code := Main(append([]string{"skiff"}, tc.args...), IO{In: strings.NewReader(""), Out: &out, Err: &errw})
		if code != 0 {
			t.Errorf("%q: exit %d: %s", tc.args, code, errw.String())
			continue
		}
		if got := out.String(); !strings.HasPrefix(got, tc.want) {
			t.Errorf("%q: %q, want it to start with %q", tc.args, got, tc.want)
		}
	}
}
