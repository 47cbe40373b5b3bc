package journalctl

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/skiff-containers/skiff/internal/logfile"
)

func TestDecode(t *testing.T) {
	tests := []struct {
		name string
		line string
		want logfile.Entry
	}{
		{"stdout", `{"MESSAGE":"hello","PRIORITY":"6","__REALTIME_TIMESTAMP":"1700000000123456","__CURSOR":"c1"}`,
			logfile.Entry{Log: "hello\n", Stream: "stdout", Time: time.UnixMicro(1700000000123456)}},
		{"stderr", `{"MESSAGE":"oops","PRIORITY":"3","__REALTIME_TIMESTAMP":"1","__CURSOR":"c1"}`,
			logfile.Entry{Log: "oops\n", Stream: "stderr", Time: time.UnixMicro(1)}},
		{"partial", `{"MESSAGE":"no end","PRIORITY":"6","CONTAINER_PARTIAL_MESSAGE":"true","__CURSOR":"c1"}`,
			logfile.Entry{Log: "no end", Stream: "stdout"}},
		{"binary", `{"MESSAGE":[104,105,7],"PRIORITY":"6","__CURSOR":"c1"}`,
			logfile.Entry{Log: "hi\a\n", Stream: "stdout"}},
		{"repeated field", `{"MESSAGE":["first",[108,97,115,116]],"PRIORITY":"6","__CURSOR":"c1"}`,
			logfile.Entry{Log: "last\n", Stream: "stdout"}},
		{"no message", `{"PRIORITY":"6","__CURSOR":"c1"}`, logfile.Entry{Log: "\n", Stream: "stdout"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []logfile.Entry
			cursor, err := decode(strings.NewReader(tt.line+"\n"), func(e logfile.Entry) { got = append(got, e) })
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || !reflect.DeepEqual(got[0], tt.want) || cursor != "c1" {
				t.Errorf("got %+v (cursor %q), want %+v", got, cursor, tt.want)
			}
		})
	}
	// A line cut short is left for later, not an error.
	var n int
	cursor, err := decode(strings.NewReader(`{"MESSAGE":"a","__CURSOR":"c1"}`+"\n"+`{"MESS`), func(logfile.Entry) { n++ })
	if err != nil || n != 1 || cursor != "c1" {
		t.Errorf("cut short: %d entries, cursor %q, %v", n, cursor, err)
	}
	if _, err := decode(strings.NewReader("not json\n"), func(logfile.Entry) {}); err == nil {
		t.Error("garbage decoded")
	}
}

func TestArgs(t *testing.T) {
	since := time.Unix(1700000000, 250000000)
	tests := []struct {
		q     Query
		after string
		want  string
	}{
		{Query{ID: "abc", Tail: -1}, "", "-n all CONTAINER_ID_FULL=abc"},
		{Query{ID: "abc", Tail: 5, Since: since}, "", "-n 5 --since=@1700000000.250000 CONTAINER_ID_FULL=abc"},
		{Query{ID: "abc", Tail: 5, Since: since}, "c9", "--after-cursor=c9 CONTAINER_ID_FULL=abc"},
		{Query{ID: "abc", Tail: -1, Until: since}, "", "-n all --until=@1700000000.250000 CONTAINER_ID_FULL=abc"},
		{Query{ID: "abc", Tail: 2, Since: since, Until: since.Add(time.Second)}, "c9", "--after-cursor=c9 --until=@1700000001.250000 CONTAINER_ID_FULL=abc"},
	}
	for _, tt := range tests {
		got := strings.Join(tt.q.args("journalctl", tt.after), " ")
		if want := "journalctl -o json --all --no-pager -q " + tt.want; got != want {
			t.Errorf("args:\n got %s\nwant %s", got, want)
		}
	}
}

// fakeJournalctl puts a journalctl on PATH that runs script, with its
// arguments logged to the returned file.
func fakeJournalctl(t *testing.T, script string) string {
	t.Helper()
	dir := t.TempDir()
	log := filepath.Join(dir, "args")
	body := "#!/bin/sh\necho \"$*\" >> " + log + "\n" + script
	if err := os.WriteFile(filepath.Join(dir, "journalctl"), []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
	return log
}

// Follow shows what journalctl -f shows while the container runs, then
// what came after the last entry shown.
func TestFollow(t *testing.T) {
	log := fakeJournalctl(t, `
case "$*" in
*-f*) echo '{"MESSAGE":"one","__CURSOR":"c1"}'; echo '{"MESSAGE":"two","__CURSOR":"c2"}'; exec /bin/sleep 60 ;;
*--after-cursor=c2*) echo '{"MESSAGE":"three","__CURSOR":"c3"}' ;;
esac
`)
	var got []string
	var running atomic.Bool
	running.Store(true)
	emit := func(e logfile.Entry) {
		got = append(got, e.Log)
		if len(got) == 2 {
			running.Store(false)
		}
	}
	done := make(chan error, 1)
	go func() { done <- Follow(context.Background(), Query{ID: "abc", Tail: -1}, running.Load, emit) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Follow did not end with the container")
	}
	if want := []string{"one\n", "two\n", "three\n"}; !reflect.DeepEqual(got, want) {
		t.Errorf("followed %q, want %q", got, want)
	}
	args, _ := os.ReadFile(log)
	if lines := strings.Split(strings.TrimSpace(string(args)), "\n"); len(lines) != 2 || !strings.HasSuffix(lines[0], " -f") {
		t.Errorf("journalctl runs: %q", args)
	}
}

func TestErrors(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	if err := Read(context.Background(), Query{ID: "abc"}, func(logfile.Entry) {}); err != ErrMissing {
		t.Errorf("without journalctl: %v", err)
	}
	fakeJournalctl(t, "echo 'Hint: not this line' >&2; echo 'No journal files were opened due to insufficient permissions.' >&2; exit 1\n")
	err := Read(context.Background(), Query{ID: "abc"}, func(logfile.Entry) {})
	if err == nil || !strings.Contains(err.Error(), "insufficient permissions") || !strings.Contains(err.Error(), "systemd-journal") {
		t.Errorf("journalctl failing: %v", err)
	}
}
