package runspec

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestReadEnvFile(t *testing.T) {
	long := "BIG=" + strings.Repeat("x", 100*1024)
	tooLong := "HUGE=" + strings.Repeat("x", MaxEnvLine)
	lookup := func(k string) (string, bool) {
		if k == "FROM_CALLER" {
			return "caller", true
		}
		return "", false
	}
	tests := []struct {
		name    string
		content string // "" with dir makes the path a directory
		dir     bool
		want    []string
		wantErr string
	}{
		{name: "plain", content: "A=1\n# comment\n\n  B=two words\nA=3\n", want: []string{"A=3", "B=two words"}},
		{name: "no final newline", content: "A=1\nB=2", want: []string{"A=1", "B=2"}},
		{name: "key alone", content: "FROM_CALLER\nUNSET\n", want: []string{"FROM_CALLER=caller"}},
		// Lines past bufio's 64 KiB default once ended the file silently.
		{name: "line over 64 KiB", content: "A=1\n" + long + "\nC=3\n", want: []string{"A=1", long, "C=3"}},
		{name: "longest line", content: "A=" + strings.Repeat("y", MaxEnvLine-2) + "\nC=3\n", want: []string{"A=" + strings.Repeat("y", MaxEnvLine-2), "C=3"}},
		{name: "line over the kernel limit", content: "A=1\n" + tooLong + "\nC=3\n", wantErr: "line 2 is longer than"},
		{name: "bad name", content: "A=1\nB C=2\n", wantErr: "line 2: invalid variable name"},
		{name: "directory", dir: true, wantErr: "is a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "env")
			var err error
			if tt.dir {
				err = os.Mkdir(p, 0o755)
			} else {
				err = os.WriteFile(p, []byte(tt.content), 0o644)
			}
			if err != nil {
				t.Fatal(err)
			}
			got, err := ReadEnvFile(p, lookup)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %d entries %.80q, want %d", len(got), got, len(tt.want))
			}
		})
	}
}
