package progress

import (
	"bytes"
	"errors"
	"fmt"
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
	p.Close(nil)
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
	p.Close(nil)
	if !strings.Contains(buf.String(), "cdcdcdcdcdcd: Pull complete") {
		t.Errorf("final state not drawn: %q", buf.String())
	}
}

// TestFailureLeavesNothing: a failed pull's lines are taken back, so that
// its error is the only line; a successful one shows them.
func TestFailureLeavesNothing(t *testing.T) {
	h := v1.Hash{Algorithm: "sha256", Hex: strings.Repeat("ef", 32)}
	tests := []struct {
		name     string
		tty      bool
		layers   bool // the manifest was resolved before the end
		err      error
		want     string // plain output, exactly
		contains string // terminal output
		erases   int    // terminal output ends by moving up this many lines and clearing
	}{
		{name: "plain success", layers: true, want: "Unable to find image 'x' locally\nPulling x\nefefefefefef: Pull complete\n"},
		{name: "plain failure before the manifest", err: errors.New("unreachable"), want: ""},
		{name: "plain failure during the layers", layers: true, err: errors.New("reset"), want: ""},
		{name: "terminal success", tty: true, layers: true, contains: "efefefefefef: Pull complete"},
		{name: "terminal failure before the manifest", tty: true, err: errors.New("unreachable"), erases: 2},
		{name: "terminal failure during the layers", tty: true, layers: true, err: errors.New("reset"), erases: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			p := NewPull(&buf, tt.tty)
			p.Printf("Unable to find image '%s' locally", "x")
			p.Printf("Pulling %s", "x")
			if tt.layers {
				p.Layers([]v1.Hash{h}, []int64{1})
				p.State(0, "Pull complete")
			}
			p.Close(tt.err)
			got := buf.String()
			switch {
			case !tt.tty:
				if got != tt.want {
					t.Errorf("got %q, want %q", got, tt.want)
				}
			case tt.erases > 0:
				if want := fmt.Sprintf("\r\x1b[%dA\x1b[J", tt.erases); !strings.HasSuffix(got, want) {
					t.Errorf("got %q, want it to end erasing %d lines", got, tt.erases)
				}
			default:
				if !strings.Contains(got, tt.contains) || strings.Contains(got, "\x1b[J") {
					t.Errorf("got %q, want %q and no erasing", got, tt.contains)
				}
			}
		})
	}
}
