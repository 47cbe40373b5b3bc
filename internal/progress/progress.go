// Package progress shows what a pull is doing: a live table of layers on a
// terminal, one line per finished layer elsewhere.
package progress

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/docker/go-units"
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

type layer struct {
	id    string
	size  int64
	done  int64
	state string
}

// Pull implements pull.Progress.
type Pull struct {
	w       io.Writer
	tty     bool
	mu      sync.Mutex
	layers  []layer
	drawn   int // lines drawn last time, to move the cursor back over them
	stop    chan struct{}
	stopped chan struct{}
}

// NewPull writes to w; tty selects the live display.
func NewPull(w io.Writer, tty bool) *Pull {
	return &Pull{w: w, tty: tty}
}

// Layers starts the display.
func (p *Pull) Layers(digests []v1.Hash, sizes []int64) {
	p.mu.Lock()
	p.layers = make([]layer, len(digests))
	for i, d := range digests {
		p.layers[i] = layer{id: short(d.Hex), size: sizes[i], state: "Waiting"}
	}
	p.mu.Unlock()
	if p.tty {
		p.stop = make(chan struct{})
		p.stopped = make(chan struct{})
		go p.loop()
	}
}

func short(hex string) string {
	if len(hex) > 12 {
		return hex[:12]
	}
	return hex
}

// State records a layer's new state.
func (p *Pull) State(i int, state string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if i >= len(p.layers) {
		return
	}
	l := &p.layers[i]
	l.state = state
	if p.tty {
		return
	}
	switch state {
	case "Already exists", "Pull complete":
		fmt.Fprintf(p.w, "%s: %s\n", l.id, state)
	}
}

// Bytes records a layer's download progress.
func (p *Pull) Bytes(i int, done int64) {
	p.mu.Lock()
	if i < len(p.layers) {
		p.layers[i].done = done
	}
	p.mu.Unlock()
}

// Close draws the final state and stops the display.
func (p *Pull) Close() {
	if p.stop != nil {
		close(p.stop)
		<-p.stopped
		p.stop = nil
	}
}

func (p *Pull) loop() {
	defer close(p.stopped)
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			p.draw()
			return
		case <-t.C:
			p.draw()
		}
	}
}

func (p *Pull) draw() {
	p.mu.Lock()
	defer p.mu.Unlock()
	var b strings.Builder
	if p.drawn > 0 {
		fmt.Fprintf(&b, "\x1b[%dA", p.drawn)
	}
	for _, l := range p.layers {
		b.WriteString("\x1b[2K")
		b.WriteString(Line(l.id, l.state, l.done, l.size))
		b.WriteByte('\n')
	}
	p.drawn = len(p.layers)
	io.WriteString(p.w, b.String())
}

// Line formats one layer's row.
func Line(id, state string, done, size int64) string {
	if state != "Downloading" || size <= 0 {
		return fmt.Sprintf("%s: %s", id, state)
	}
	const width = 30
	frac := float64(done) / float64(size)
	if frac > 1 {
		frac = 1
	}
	n := int(frac * width)
	bar := strings.Repeat("=", n)
	if n < width {
		bar += ">" + strings.Repeat(" ", width-n-1)
	}
	return fmt.Sprintf("%s: %s [%s] %s/%s", id, state, bar, units.HumanSize(float64(done)), units.HumanSize(float64(size)))
}
