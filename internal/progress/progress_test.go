package progress

import (
	"bytes"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

func TestLine(t *testing.T) {
	tests := []struct {
		state      string
		done, size int64
		want       string
	}{
		{"Waiting", 0, 10, "abc: Waiting"},
		{"Downloading", 5, 10, "abc: Downloading [===============>              ] 5B/10B"},
		{"Downloading", 10, 10, "abc: Downloading [==============================] 10B/10B"},
		{"Pull complete", 10, 10, "abc: Pull complete"},
	}
	for _, tt := range tests {
		if got := Line("abc", tt.state, tt.done, tt.size); got != tt.want {
			t.Errorf("Line(%s,%d,%d) = %q, want %q", tt.state, tt.done, tt.size, got, tt.want)
		}
	}
}

func TestPlainOutput(t *testing.T) {
	var buf bytes.Buffer
	p := NewPull(&buf, false)
	h := v1.Hash{Algorithm: "sha256", Hex: strings.Repeat("ab", 32)}
	p.Layers([]v1.Hash{h, h}, []int64{1, 2})
	p.State(0, "Already exists")
	p.State(1, "Downloading")
	p.Bytes(1, 2)
	p.State(1, "Pull complete")
	p.Close()
	want := "abababababab: Already exists\nabababababab: Pull complete\n"
	if buf.String() != want {
		t.Errorf("got %q, want %q", buf.String(), want)
	}
}

func TestTTYOutputRedraws(t *testing.T) {
	var buf bytes.Buffer
	p := NewPull(&buf, true)
	h := v1.Hash{Algorithm: "sha256", Hex: strings.Repeat("cd", 32)}
	p.Layers([]v1.Hash{h}, []int64{4})
	p.State(0, "Pull complete")
	p.Close()
	if !strings.Contains(buf.String(), "cdcdcdcdcdcd: Pull complete") {
		t.Errorf("final state not drawn: %q", buf.String())
	}
}
