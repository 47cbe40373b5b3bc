package supervisor

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// fakeSupervisor stands in for skiff-supervisor: it takes its spec's path
// from its arguments or, with "-", from FdSpec, records it in $FAKE_OUT
// and reports a start.
const fakeSupervisor = `#!/bin/sh
spec=$2
if [ "$spec" = - ]; then
	read -r spec <&8 || exit 125
fi
echo "$spec" > "$FAKE_OUT"
echo '{"pid":42}' >&3
`

func TestSpawnLaunchAbandon(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, BinaryName), []byte(fakeSupervisor), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SKIFF_LIBEXEC_DIR", dir)
	out := filepath.Join(dir, "out")
	t.Setenv("FAKE_OUT", out)
	tests := []struct {
		name    string
		run     func() (*Process, error)
		want    string // the spec path the supervisor got; "" none
		aborted bool
	}{
		{name: "start with the path", run: func() (*Process, error) {
			return Start(Options{Mode: "run", Spec: "/r/launch.json"})
		}, want: "/r/launch.json"},
		{name: "spawned, then launched", run: func() (*Process, error) {
			pd, err := Spawn(Options{Attach: true, Stdin: true})
			if err != nil {
				return nil, err
			}
			return pd.Launch("/r/later.json")
		}, want: "/r/later.json"},
		{name: "spawned, then abandoned", run: func() (*Process, error) {
			pd, err := Spawn(Options{Attach: true})
			if err != nil {
				return nil, err
			}
			pd.Abandon()
			pd.Abandon() // twice is harmless
			if _, err := pd.Launch("/r/late.json"); err == nil {
				t.Error("launched after it was abandoned")
			}
			return pd.p, nil
		}, aborted: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			os.Remove(out)
			p, err := tt.run()
			if err != nil {
				t.Fatal(err)
			}
			if tt.aborted {
				if code := p.Cmd.ProcessState.ExitCode(); code != 125 {
					t.Errorf("abandoned supervisor exited %d, want 125", code)
				}
				if _, err := os.Stat(out); err == nil {
					t.Error("abandoned supervisor got a spec")
				}
				return
			}
			if p.Result.Pid != 42 {
				t.Errorf("result %+v", p.Result)
			}
			got, _ := os.ReadFile(out)
			if strings.TrimSpace(string(got)) != tt.want {
				t.Errorf("supervisor got spec %q, want %q", got, tt.want)
			}
			_, _ = p.Wait()
		})
	}
}

// TestSpawnLeaksNothing runs out of descriptors at each pipe Spawn makes
// in turn: whatever it opened before the one that failed is closed again.
func TestSpawnLeaksNothing(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, BinaryName), []byte(fakeSupervisor), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SKIFF_LIBEXEC_DIR", dir)
	t.Setenv("FAKE_OUT", filepath.Join(dir, "out"))
	var saved unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &saved); err != nil {
		t.Fatal(err)
	}
	defer unix.Setrlimit(unix.RLIMIT_NOFILE, &saved)
	failures := 0
	for room := uint64(1); room <= 12; room++ {
		before := openFds(t)
		lim := unix.Rlimit{Cur: uint64(before) + room, Max: saved.Max}
		if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
			t.Fatal(err)
		}
		pd, err := Spawn(Options{Attach: true, Stdin: true})
		if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &saved); err != nil {
			t.Fatal(err)
		}
		if err == nil {
			pd.Abandon()
		} else {
			failures++
		}
		if after := openFds(t); after != before {
			t.Errorf("with room for %d descriptors (err %v): %d open after, %d before", room, err, after, before)
		}
	}
	if failures == 0 {
		t.Fatal("no Spawn ran out of descriptors: the test tested nothing")
	}
}

func openFds(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(ents) - 1 // the directory's own descriptor
}
