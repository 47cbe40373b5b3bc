package stats

import (
	"os"
	"testing"
	"time"
)

func TestStatFields(t *testing.T) {
	// A command may hold spaces and parentheses.
	f := statFields([]byte("42 (my (odd) cmd) S 7 42 42 0 -1 0 0 0 0 0 150 50 0 0 20 0 1 0 100 2000 316 0\n"))
	if len(f) < 22 || f[0] != "S" || f[1] != "7" || f[11] != "150" || f[12] != "50" || f[21] != "316" {
		t.Errorf("fields: %q", f)
	}
	if statFields([]byte("garbage")) != nil {
		t.Error("no ')' gave fields")
	}
}

func TestCPUPercent(t *testing.T) {
	t0 := time.Unix(100, 0)
	tests := []struct {
		prev, cur Snapshot
		want      float64
	}{
		{Snapshot{At: t0}, Snapshot{At: t0.Add(time.Second), CPU: time.Second}, 100},
		{Snapshot{At: t0, CPU: time.Second}, Snapshot{At: t0.Add(2 * time.Second), CPU: 5 * time.Second}, 200},
		{Snapshot{At: t0}, Snapshot{At: t0}, 0},
		{Snapshot{At: t0, CPU: time.Second}, Snapshot{At: t0.Add(time.Second)}, 0},
	}
	for _, tt := range tests {
		if got := CPUPercent(tt.prev, tt.cur); got != tt.want {
			t.Errorf("CPUPercent(%v, %v) = %v, want %v", tt.prev, tt.cur, got, tt.want)
		}
	}
}

func TestReadSelf(t *testing.T) {
	// Use some CPU first: /proc counts it in 10 ms ticks.
	for start, x := time.Now(), 0; time.Since(start) < 60*time.Millisecond; x++ {
		_ = x * x
	}
	s, err := ReadTree().Read("no-such-container", os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if s.PIDs < 1 || s.Memory == 0 || s.Limit == 0 || s.CPU == 0 {
		t.Errorf("reading of this test process: %+v", s)
	}
	if _, err := ReadTree().Read("x", 1<<30); err == nil {
		t.Error("a reading of no process")
	}
}
