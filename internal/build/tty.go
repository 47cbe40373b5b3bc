package build

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// TTY is BuildKit's live view for a terminal: a line per step with its
// state and time, and the last output lines of the steps that run,
// redrawn in place.
type TTY struct {
	mu     sync.Mutex
	w      io.Writer
	width  int
	start  time.Time
	now    func() time.Time
	steps  []*ttyStep
	byID   map[int]*ttyStep
	drawn  int // lines drawn last time
	last   time.Time
	closed bool
}

type ttyStep struct {
	name           string
	started, ended time.Time
	cached         bool
	err            error
	out            []string
}

// ttyLines is how many output lines of a running step the view shows.
const ttyLines = 6

// NewTTY draws on w, a terminal width columns wide (0: 80).
func NewTTY(w io.Writer, width int) *TTY {
	if width <= 0 {
		width = 80
	}
	return &TTY{w: w, width: width, start: time.Now(), now: time.Now, byID: map[int]*ttyStep{}}
}

func (t *TTY) Start(step int, name string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := &ttyStep{name: name, started: t.now()}
	t.steps = append(t.steps, s)
	t.byID[step] = s
	t.draw()
}

func (t *TTY) Output(step int, line string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.byID[step]
	if s == nil {
		return
	}
	s.out = append(s.out, line)
	if len(s.out) > ttyLines {
		s.out = s.out[len(s.out)-ttyLines:]
	}
	// Output comes fast; the view keeps up ten times a second.
	if t.now().Sub(t.last) >= 100*time.Millisecond {
		t.draw()
	}
}

func (t *TTY) Cached(step int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if s := t.byID[step]; s != nil {
		s.cached, s.ended = true, t.now()
	}
	t.draw()
}

func (t *TTY) Done(step int, err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if s := t.byID[step]; s != nil {
		s.err, s.ended = err, t.now()
	}
	t.draw()
}

// draw writes the view over the one drawn before.
func (t *TTY) draw() {
	now := t.now()
	t.last = now
	done := 0
	for _, s := range t.steps {
		if !s.ended.IsZero() {
			done++
		}
	}
	lines := []string{fmt.Sprintf("[+] Building %.1fs (%d/%d)", now.Sub(t.start).Seconds(), done, len(t.steps))}
	for _, s := range t.steps {
		state, took := "", now.Sub(s.started)
		switch {
		case s.cached:
			state = "CACHED "
		case s.err != nil:
			state = "ERROR "
		}
		if !s.ended.IsZero() {
			took = s.ended.Sub(s.started)
		}
		lines = append(lines, t.fit(fmt.Sprintf(" => %s%s", state, s.name), fmt.Sprintf("%.1fs", took.Seconds())))
		if s.ended.IsZero() || s.err != nil {
			for _, o := range s.out {
				lines = append(lines, t.fit(" => => # "+o, ""))
			}
		}
	}
	var b strings.Builder
	if t.drawn > 0 {
		fmt.Fprintf(&b, "\x1b[%dA", t.drawn)
	}
	for _, l := range lines {
		b.WriteString("\r\x1b[K" + l + "\n")
	}
	// Lines the last view had beyond this one are cleared.
	for i := len(lines); i < t.drawn; i++ {
		b.WriteString("\r\x1b[K\n")
	}
	if extra := t.drawn - len(lines); extra > 0 {
		fmt.Fprintf(&b, "\x1b[%dA", extra)
	}
	io.WriteString(t.w, b.String())
	t.drawn = len(lines)
}

// fit puts right at the end of a line of the terminal's width, cutting
// left where it must.
func (t *TTY) fit(left, right string) string {
	room := t.width - len(right) - 1
	if room < 10 {
		room = 10
	}
	r := []rune(left)
	if len(r) > room {
		r = r[:room]
	}
	left = string(r)
	if right == "" {
		return left
	}
	return left + strings.Repeat(" ", room-len([]rune(left))+1) + right
}
