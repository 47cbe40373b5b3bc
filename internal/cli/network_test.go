package cli

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/skiff-containers/skiff/internal/report"
)

func TestRenderNetworks(t *testing.T) {
	id := func(c string) string { return strings.Repeat(c, 64) }
	// Docker's own three networks: its output, byte for byte.
	docker := []report.NetworkRow{
		{ID: id("a"), Name: "bridge", Driver: "bridge", Scope: "local"},
		{ID: id("b"), Name: "host", Driver: "host", Scope: "local"},
		{ID: id("c"), Name: "none", Driver: "null", Scope: "local"},
	}
	created := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	skiff := []report.NetworkRow{
		{ID: id("1"), Name: "backend", Driver: "bridge", Scope: "local", Subnet: "10.89.0.0/24", Labels: map[string]string{"team": "a", "env": "x"}, Created: created},
		{ID: id("2"), Name: "slirp4netns", Driver: "slirp4netns", Scope: "local", Subnet: "10.0.2.0/24"},
	}
	for _, tc := range []struct {
		name string
		o    networkListOptions
		rows []report.NetworkRow
		want string
	}{
		{"docker's table", networkListOptions{}, docker, "" +
			"NETWORK ID     NAME      DRIVER    SCOPE\n" +
			"aaaaaaaaaaaa   bridge    bridge    local\n" +
			"bbbbbbbbbbbb   host      host      local\n" +
			"cccccccccccc   none      null      local\n"},
		{"table keyword", networkListOptions{Format: "table"}, docker[:1], "" +
			"NETWORK ID     NAME      DRIVER    SCOPE\n" +
			"aaaaaaaaaaaa   bridge    bridge    local\n"},
		{"wide names", networkListOptions{}, skiff, "" +
			"NETWORK ID     NAME          DRIVER        SCOPE\n" +
			"111111111111   backend       bridge        local\n" +
			"222222222222   slirp4netns   slirp4netns   local\n"},
		{"no rows: the header alone", networkListOptions{}, nil, "NETWORK ID   NAME      DRIVER    SCOPE\n"},
		{"quiet", networkListOptions{Quiet: true}, skiff, "111111111111\n222222222222\n"},
		{"quiet, no-trunc", networkListOptions{Quiet: true, NoTrunc: true}, skiff[:1], id("1") + "\n"},
		{"template", networkListOptions{Format: "{{.ID}} {{.Name}} {{.Driver}} {{.Scope}}"}, skiff, "" +
			"111111111111 backend bridge local\n" +
			"222222222222 slirp4netns slirp4netns local\n"},
		{"template, no-trunc", networkListOptions{NoTrunc: true, Format: "{{.ID}}"}, skiff[:1], id("1") + "\n"},
		{"skiff's fields", networkListOptions{Format: "{{.Subnet}} {{.Labels}} {{.CreatedAt}} {{.Internal}} {{.IPv6}}"}, skiff, "" +
			"10.89.0.0/24 env=x,team=a 2026-01-02T03:04:05Z false false\n" +
			"10.0.2.0/24   false false\n"},
		{"table template", networkListOptions{Format: "table {{.Name}}\t{{.Scope}}"}, skiff[1:], "" +
			"NAME          SCOPE\n" +
			"slirp4netns   local\n"},
		{"json", networkListOptions{Format: "json"}, skiff[1:],
			`{"ID":"222222222222","Name":"slirp4netns","Driver":"slirp4netns","Scope":"local","IPv6":"false","Internal":"false","Labels":"","CreatedAt":"","Subnet":"10.0.2.0/24"}` + "\n"},
	} {
		var out bytes.Buffer
		if err := renderNetworks(&out, tc.o, tc.rows); err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if out.String() != tc.want {
			t.Errorf("%s:\n%q\nwant\n%q", tc.name, out.String(), tc.want)
		}
	}
}

func TestRenderNetworksBadFormat(t *testing.T) {
	var out bytes.Buffer
	err := renderNetworks(&out, networkListOptions{Format: "{{.Nope"}, nil)
	if err == nil || !strings.Contains(err.Error(), "--format") {
		t.Errorf("bad template: %v", err)
	}
}
