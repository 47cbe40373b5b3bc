package state

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func allocated(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Sys().(*syscall.Stat_t).Blocks * 512
}

// The reserve holds real blocks, gives the log its share once, and goes
// whole before the exit state.
func TestReserve(t *testing.T) {
	path := ReservePath(filepath.Join(t.TempDir(), "state.json"))
	if err := MakeReserve(path); err != nil {
		t.Fatal(err)
	}
	if got := allocated(t, path); got < ReserveLog+ReserveState {
		t.Fatalf("reserve holds %d bytes, want %d", got, ReserveLog+ReserveState)
	}
	r := OpenReserve(path)
	if !r.ReleaseLog() {
		t.Fatal("the log's share was not released")
	}
	if got := allocated(t, path); got > ReserveState {
		t.Errorf("after the log's share, %d bytes held, want at most %d", got, ReserveState)
	}
	if r.ReleaseLog() {
		t.Error("the log's share was released twice")
	}
	r.Release()
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("reserve left after Release: %v", err)
	}
	if OpenReserve(path).ReleaseLog() {
		t.Error("a missing reserve reported space freed")
	}
}
