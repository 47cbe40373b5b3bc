package integration

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// network ls has Docker's columns, and lists the predefined networks with
// the user's; those cannot be removed or joined.
func TestNetworkList(t *testing.T) {
	asUserAndRoot(t, func(t *testing.T, sb *sandbox) {
		withBusybox(sb)
		sb.OK("network", "create", "--label", "team=a", "mynet")
		lines := strings.Split(strings.TrimSuffix(sb.OK("network", "ls").Out, "\n"), "\n")
		cols := regexp.MustCompile(`\S+( \S+)*`)
		header := cols.FindAllString(lines[0], -1)
		if !slices.Equal(header, []string{"NETWORK ID", "NAME", "DRIVER", "SCOPE"}) {
			t.Fatalf("network ls header %q", lines[0])
		}
		starts := cols.FindAllStringIndex(lines[0], -1)
		var names []string
		for _, l := range lines[1:] {
			cells := cols.FindAllStringIndex(l, -1)
			if len(cells) != 4 || !regexp.MustCompile(`^[0-9a-f]{12}$`).MatchString(l[cells[0][0]:cells[0][1]]) || l[cells[3][0]:] != "local" {
				t.Errorf("network ls row %q", l)
				continue
			}
			for i := range cells {
				if cells[i][0] != starts[i][0] {
					t.Errorf("network ls row %q is not aligned with its header %q", l, lines[0])
				}
			}
			names = append(names, l[cells[1][0]:cells[1][1]]+"/"+l[cells[2][0]:cells[2][1]])
		}
		if want := []string{"host/host", "mynet/bridge", "none/null", "slirp4netns/slirp4netns"}; !slices.Equal(names, want) {
			t.Errorf("network ls: %q, want %q", names, want)
		}

		id := strings.TrimSpace(sb.OK("network", "inspect", "-f", "{{.Id}}", "mynet").Out)
		out := sb.OK("network", "ls", "--format", "{{.ID}} {{.Name}} {{.Driver}} {{.Scope}} {{.Labels}}").Out
		if !strings.Contains(out, id[:12]+" mynet bridge local team=a\n") || strings.Count(out, "\n") != 4 {
			t.Errorf("network ls --format: %q", out)
		}
		if out := sb.OK("network", "ls", "-q", "--no-trunc").Out; !strings.Contains(out, id+"\n") || strings.Count(out, "\n") != 4 {
			t.Errorf("network ls -q --no-trunc: %q", out)
		}
		if out := sb.OK("network", "ls", "-q").Out; !strings.Contains(out, id[:12]+"\n") || strings.Count(out, "\n") != 4 {
			t.Errorf("network ls -q: %q", out)
		}
		for _, l := range strings.Split(strings.TrimSpace(sb.OK("network", "ls", "--format", "json").Out), "\n") {
			var row map[string]string
			if err := json.Unmarshal([]byte(l), &row); err != nil || row["Scope"] != "local" || len(row["ID"]) != 12 || row["Driver"] == "" {
				t.Errorf("network ls --format json: %q: %v", l, err)
			}
		}
		if out := sb.OK("network", "ls", "--format", "table {{.Name}}\t{{.Driver}}").Out; !strings.HasPrefix(out, "NAME          DRIVER\n") {
			t.Errorf("network ls --format table: %q", out)
		}

		for _, name := range []string{"none", "host", "slirp4netns"} {
			sb.FailsWith(1, "pre-defined network", "network", "rm", name)
		}
		sb.OK("create", "--name", "c", "--network", "none", "bb", "true")
		sb.FailsWith(1, "pre-defined network", "network", "connect", "slirp4netns", "c")
		sb.OK("rm", "c")
		if out := sb.OK("network", "prune", "-f").Out; out != "mynet\n" {
			t.Errorf("network prune: %q", out)
		}
		if out := sb.OK("network", "ls", "--format", "{{.Name}}").Out; out != "host\nnone\nslirp4netns\n" {
			t.Errorf("network ls after prune: %q", out)
		}
	})
}
