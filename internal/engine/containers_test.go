package engine

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"
)

// The refusals every front end gets: each is an InvalidOptionError naming
// the field, given before any container is looked up (the engine here has
// no store, so a verb that went further would panic).
func TestOptionRefusals(t *testing.T) {
	e := &Engine{}
	ctx := context.Background()
	neg := -time.Second
	zero := 0
	minus := -1
	refs := []string{"a", "b"}
	verbs := func(rs []Result) error { return Refused(rs) }
	tests := []struct {
		name, field, value string
		err                func() error
	}{
		{"stop negative timeout", "Timeout", "-1", func() error { return verbs(e.Stop(ctx, refs, StopOptions{Timeout: &neg})) }},
		{"restart negative timeout", "Timeout", "-1", func() error {
			return verbs(e.Restart(ctx, refs, RestartOptions{StopOptions: StopOptions{Timeout: &neg}}))
		}},
		{"stop unknown signal", "Signal", "SIGNOPE", func() error { return verbs(e.Stop(ctx, refs, StopOptions{Signal: "SIGNOPE"})) }},
		{"restart signal out of range", "Signal", "0", func() error {
			return verbs(e.Restart(ctx, refs, RestartOptions{StopOptions: StopOptions{Signal: "0"}}))
		}},
		{"kill unknown signal", "Signal", "SIGNOPE", func() error { return verbs(e.Kill(ctx, refs, KillOptions{Signal: "SIGNOPE"})) }},
		{"kill signal out of range", "Signal", "99", func() error { return verbs(e.Kill(ctx, refs, KillOptions{Signal: "99"})) }},
		{"rm volumes", "Volumes", "", func() error { return verbs(e.Remove(ctx, refs, RemoveOptions{Volumes: true})) }},
		{"update nothing", "UpdateOptions", "", func() error { return verbs(e.Update(ctx, refs, UpdateOptions{})) }},
		{"rename bad name", "Name", "-x", func() error { return e.Rename(ctx, "a", "-x") }},
		{"rename slash alone", "Name", "/", func() error { return e.Rename(ctx, "a", "/") }},
		{"rename two slashes", "Name", "//x", func() error { return e.Rename(ctx, "a", "//x") }},
		{"logs tail", "Tail", "-3", func() error { return e.Logs(ctx, "a", LogsOptions{Tail: "-3"}) }},
		{"logs tail word", "Tail", "some", func() error { return e.Logs(ctx, "a", LogsOptions{Tail: "some"}) }},
		{"logs since", "Since", "yesterday", func() error { return e.Logs(ctx, "a", LogsOptions{Since: "yesterday"}) }},
		{"logs until", "Until", "tomorrow", func() error { return e.Logs(ctx, "a", LogsOptions{Until: "tomorrow"}) }},
		{"port", "Port", "http", func() error { _, err := e.Port(ctx, "a", "http"); return err }},
		{"list last", "Last", "-1", func() error { _, err := e.List(ctx, ListOptions{Last: &minus}); return err }},
		{"list filter", "Filters.Status", "paused", func() error {
			_, err := e.List(ctx, ListOptions{Last: &zero, Filters: ListFilters{Status: []string{"paused"}}})
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.err()
			var ie *InvalidOptionError
			if !errors.As(err, &ie) || !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v, want an InvalidOptionError", err)
			}
			if ie.Field != tt.field || ie.Value != tt.value {
				t.Errorf("field %q value %q, want %q %q", ie.Field, ie.Value, tt.field, tt.value)
			}
		})
	}
}

// A verb refused as a whole is told apart from one whose targets failed
// each for its own reason.
func TestRefused(t *testing.T) {
	inv := Invalid("Signal", "x", "")
	other := errors.New("no such container: b")
	if err := Refused(failAll([]string{"a", "b"}, inv)); err != inv {
		t.Errorf("Refused(failAll) = %v, want %v", err, inv)
	}
	if err := Refused([]Result{{Ref: "a", ID: "1"}, {Ref: "b", Err: other}}); err != nil {
		t.Errorf("Refused(per-target failures) = %v, want nil", err)
	}
	if err := Refused([]Result{{Ref: "a", Err: inv}, {Ref: "b", Err: Invalid("Signal", "x", "")}}); err != nil {
		t.Errorf("Refused(separate errors) = %v, want nil", err)
	}
}

func TestParseSince(t *testing.T) {
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Time
		bad  bool
	}{
		{in: "10m", want: now.Add(-10 * time.Minute)},
		{in: "2024-04-30T10:00:00Z", want: time.Date(2024, 4, 30, 10, 0, 0, 0, time.UTC)},
		{in: "2024-04-30", want: time.Date(2024, 4, 30, 0, 0, 0, 0, time.UTC)},
		{in: "1714564800", want: time.Unix(1714564800, 0)},
		{in: "1714564800.5", want: time.Unix(1714564800, 500000000)},
		{in: "1714564800.x", bad: true},
		{in: "yesterday", bad: true},
	}
	for _, tt := range tests {
		got, err := parseSince(tt.in, now)
		if tt.bad {
			if err == nil {
				t.Errorf("parseSince(%q) = %v, want an error", tt.in, got)
			}
			continue
		}
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("parseSince(%q) = %v, %v, want %v", tt.in, got, err, tt.want)
		}
	}
}

// The range of logs --since and --until: both ends kept, as Docker's
// (an entry at the very time named is shown).
func TestLogsRange(t *testing.T) {
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	at := func(min int) time.Time { return now.Add(time.Duration(min) * time.Minute) }
	tests := []struct {
		since, until string
		kept         []int // minutes from now of the entries kept
		over         bool
	}{
		{"", "", []int{-30, -10, -5, 0}, false},
		{"10m", "", []int{-10, -5, 0}, false},
		{"", "10m", []int{-30, -10}, true},
		{"20m", "5m", []int{-10, -5}, true},
		{"", "2024-05-01T12:05:00Z", []int{-30, -10, -5, 0}, false},
		{"", "1714564800", []int{-30, -10, -5, 0}, false}, // now, as a Unix time: over only once past
	}
	for _, tt := range tests {
		r, err := LogsOptions{Since: tt.since, Until: tt.until}.parsed(now)
		if err != nil {
			t.Fatalf("%q..%q: %v", tt.since, tt.until, err)
		}
		var kept []int
		for _, m := range []int{-30, -10, -5, 0} {
			if r.keeps(at(m)) {
				kept = append(kept, m)
			}
		}
		if !slices.Equal(kept, tt.kept) || r.over(now) != tt.over {
			t.Errorf("%q..%q: kept %v, over %v; want %v, %v", tt.since, tt.until, kept, r.over(now), tt.kept, tt.over)
		}
	}
}
