package container

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/skiff-containers/skiff/internal/state"
)

func TestStateRecovered(t *testing.T) {
	tests := []struct {
		name       string
		data       string // "" with missing: no file
		missing    bool
		held       bool // a living supervisor holds the lock
		wantStatus string
		wantCode   int
		wantErr    bool
	}{
		{name: "never started", missing: true, wantStatus: StatusCreated},
		{name: "exited", data: `{"status":"exited","exitCode":3}`, wantStatus: StatusExited, wantCode: 3},
		{name: "supervisor killed", data: `{"status":"running","pid":9}`, wantStatus: StatusExited, wantCode: 137},
		{name: "running", data: `{"status":"running","pid":9}`, held: true, wantStatus: StatusRunning},
		{name: "torn by a crash", data: "", wantStatus: StatusExited, wantCode: 137},
		{name: "half written", data: `{"status":"run`, wantStatus: StatusExited, wantCode: 137},
		{name: "garbage under a living supervisor", data: `{"status":`, held: true, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			c := &Container{Config: Config{Name: "c"}, Dir: dir, RunDir: dir}
			if !tt.missing {
				if err := os.WriteFile(filepath.Join(dir, stateFile), []byte(tt.data), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			if tt.held {
				f, err := state.Lock(c.LockPath())
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
			}
			st, err := c.State()
			if tt.wantErr {
				if err == nil {
					t.Fatalf("no error, state %+v", st)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if st.Status != tt.wantStatus || st.ExitCode != tt.wantCode {
				t.Errorf("got %s (%d), want %s (%d)", st.Status, st.ExitCode, tt.wantStatus, tt.wantCode)
			}
		})
	}
}
