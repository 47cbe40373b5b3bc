package integration

import (
	"encoding/json"
	"regexp"
	"testing"
)

// version has a semantic version and the commit, each on its own line.
func TestVersion(t *testing.T) {
	sb := newSandbox(t)
	semver := `(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?`
	out := sb.OK("version").Out
	m := regexp.MustCompile(`(?m)^Version:\s+(` + semver + `)$`).FindStringSubmatch(out)
	c := regexp.MustCompile(`(?m)^Git commit:\s+(\S+)$`).FindStringSubmatch(out)
	if m == nil || c == nil {
		t.Fatalf("version: want a semantic Version line and a Git commit line:\n%s", out)
	}
	if got := sb.OK("version", "--format", "{{.Client.Version}} {{.Client.GitCommit}}").Out; got != m[1]+" "+c[1]+"\n" {
		t.Errorf("version --format: %q, want %q", got, m[1]+" "+c[1])
	}
	var doc struct {
		Client struct{ Version, GitCommit string }
	}
	if err := json.Unmarshal([]byte(sb.OK("version", "--format", "json").Out), &doc); err != nil || doc.Client.Version != m[1] || doc.Client.GitCommit != c[1] {
		t.Errorf("version --format json: %+v, %v", doc, err)
	}
	if got := sb.OK("--version").Out; got != "skiff version "+m[1]+", build "+c[1]+"\n" {
		t.Errorf("--version: %q", got)
	}
}
