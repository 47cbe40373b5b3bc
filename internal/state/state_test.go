package state

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

func TestWriteReadsBackWithEncodingJSON(t *testing.T) {
	tests := []State{
		{Status: StatusRunning, Pid: 12, SupervisorPid: 11, StartedAt: time.Now().UTC()},
		{Status: StatusExited, StartedAt: time.Now().UTC(), FinishedAt: time.Now().UTC(), ExitCode: 137, OOMKilled: true, Error: "killed \"hard\"", RestartCount: 3},
		{Status: StatusCreated},
		{Status: StatusRunning, Pid: 5, Ports: []string{"|8080|80|tcp", "127.0.0.1|53|53|udp"}},
	}
	for i, want := range tests {
		p := filepath.Join(t.TempDir(), "state.json")
		// Durable or volatile, the same bytes land under the same name.
		if err := Write(p, want, i%2 == 1); err != nil {
			t.Fatal(err)
		}
		if left, _ := filepath.Glob(filepath.Join(filepath.Dir(p), ".*")); len(left) > 0 {
			t.Errorf("temporary files left: %v", left)
		}
		data, _ := os.ReadFile(p)
		var got State
		if err := json.Unmarshal(data, &got); err != nil {
			t.Fatalf("%s: %v", data, err)
		}
		if !got.StartedAt.Equal(want.StartedAt) || !got.FinishedAt.Equal(want.FinishedAt) {
			t.Errorf("times: %+v vs %+v", got, want)
		}
		got.StartedAt, got.FinishedAt, want.StartedAt, want.FinishedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got %+v, want %+v", got, want)
		}
		ref, _ := json.Marshal(want)
		var a, b map[string]any
		json.Unmarshal(ref, &a)
		json.Unmarshal(want.encode(), &b)
		if len(a) != len(b) {
			t.Errorf("fields differ from encoding/json: %s vs %s", ref, want.encode())
		}
	}
}
