package restart

import (
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in      string
		want    Policy
		wantErr string
	}{
		{in: "", want: Policy{}},
		{in: "no", want: Policy{}},
		{in: "always", want: Policy{Name: Always}},
		{in: "unless-stopped", want: Policy{Name: UnlessStopped}},
		{in: "on-failure", want: Policy{Name: OnFailure}},
		{in: "on-failure:3", want: Policy{Name: OnFailure, MaxRetries: 3}},
		{in: "on-failure:x", wantErr: "retry count"},
		{in: "on-failure:-1", wantErr: "retry count"},
		{in: "always:3", wantErr: "only on-failure"},
		{in: "sometimes", wantErr: "use no, on-failure"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := Parse(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Parse(%q) = %+v, %v; want error %q", tt.in, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Parse(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
			}
			if back, _ := Parse(got.String()); back != got {
				t.Errorf("String() = %q does not parse back", got.String())
			}
		})
	}
}

func TestShouldRestart(t *testing.T) {
	tests := []struct {
		policy        string
		code, retries int
		stopped, want bool
	}{
		{"no", 1, 0, false, false},
		{"always", 0, 5, false, true},
		{"always", 1, 0, true, false},
		{"unless-stopped", 0, 0, false, true},
		{"unless-stopped", 137, 0, true, false},
		{"on-failure", 0, 0, false, false},
		{"on-failure", 1, 100, false, true},
		{"on-failure:2", 1, 1, false, true},
		{"on-failure:2", 1, 2, false, false},
		{"on-failure:2", 1, 0, true, false},
	}
	for _, tt := range tests {
		p, err := Parse(tt.policy)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.ShouldRestart(tt.code, tt.retries, tt.stopped); got != tt.want {
			t.Errorf("%s: exit %d after %d restarts, stopped %v: %v, want %v", tt.policy, tt.code, tt.retries, tt.stopped, got, tt.want)
		}
	}
}

func TestDelay(t *testing.T) {
	tests := []struct {
		previous, ran, want time.Duration
	}{
		{0, 0, 100 * time.Millisecond},
		{100 * time.Millisecond, time.Second, 200 * time.Millisecond},
		{40 * time.Second, time.Second, time.Minute},
		{time.Minute, time.Second, time.Minute},
		{time.Minute, 10 * time.Second, 100 * time.Millisecond},
	}
	for _, tt := range tests {
		if got := Delay(tt.previous, tt.ran); got != tt.want {
			t.Errorf("Delay(%v, %v) = %v, want %v", tt.previous, tt.ran, got, tt.want)
		}
	}
}
