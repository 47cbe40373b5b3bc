// Package progress shows what a pull is doing: a live table of layers on a
// terminal, one line per finished layer elsewhere. A pull that fails takes
// its lines back, so that its error is the only line it leaves.
package progress

import (
	"bytes"
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
	w      io.Writer
	tty    bool
	mu     sync.Mutex
	layers []layer
	drawn  int // lines drawn last time, to move the cursor back over them
	// notes counts the lines Printf wrote on a terminal, which a failure
	// erases with the layers' lines.
	notes int
	// held is everything written elsewhere, until the pull succeeds.
	held    bytes.Buffer
	stop    chan struct{}
	stopped chan struct{}
}

// NewPull writes to w; tty selects the live display.
func NewPull(w io.Writer, tty bool) *Pull {
	return &Pull{w: w, tty: tty}
}

// Printf writes a line about the pull (what is pulled, and why) ahead of
// the layers.
func (p *Pull) Printf(format string, a ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.tty {
		fmt.Fprintf(&p.held, format+"\n", a...)
		return
	}
	fmt.Fprintf(p.w, format+"\n", a...)
	p.notes++
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
		fmt.Fprintf(&p.held, "%s: %s\n", l.id, state)
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

// Close stops the display. After a success (err nil) it shows the final
// state; after a failure it leaves nothing, for the error to be the one
// line: a terminal's lines are erased, held lines are dropped.
func (p *Pull) Close(err error) {
	if p.stop != nil {
		close(p.stop)
		<-p.stopped
		p.stop = nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case !p.tty && err == nil:
		_, _ = p.w.Write(p.held.Bytes())
	case p.tty && err != nil && p.drawn+p.notes > 0:
		// Up over every line written, then clear to the end of the screen.
		fmt.Fprintf(p.w, "\r\x1b[%dA\x1b[J", p.drawn+p.notes)
	}
	p.held.Reset()
	p.drawn, p.notes = 0, 0
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
