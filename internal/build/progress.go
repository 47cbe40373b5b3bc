package build

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// Progress is told what a build does, step by step. Steps of parallel
// stages interleave, so every call names its step.
type Progress interface {
	// Start: a step begins; name is BuildKit's "[stage 2/5] RUN ...".
	Start(step int, name string)
	// Output is a line a RUN step printed.
	Output(step int, line string)
	// Cached: the step was a cache hit and did not run.
	Cached(step int)
	// Done: the step ended; err is nil on success.
	Done(step int, err error)
}

// Discard shows nothing (-q).
type Discard struct{}

func (Discard) Start(int, string)  {}
func (Discard) Output(int, string) {}
func (Discard) Cached(int)         {}
func (Discard) Done(int, error)    {}

// Plain writes BuildKit's plain progress, a line per event:
//
//	#3 [2/4] RUN make
//	#3 0.412 compiling...
//	#3 DONE 1.2s
type Plain struct {
	mu      sync.Mutex
	w       io.Writer
	started map[int]time.Time
	now     func() time.Time
}

// NewPlain writes to w.
func NewPlain(w io.Writer) *Plain {
	return &Plain{w: w, started: map[int]time.Time{}, now: time.Now}
}

func (p *Plain) Start(step int, name string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.started[step] = p.now()
	fmt.Fprintf(p.w, "#%d %s\n", step, name)
}

func (p *Plain) Output(step int, line string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, "#%d %.3f %s\n", step, p.now().Sub(p.started[step]).Seconds(), line)
}

func (p *Plain) Cached(step int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, "#%d CACHED\n", step)
}

func (p *Plain) Done(step int, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	took := p.now().Sub(p.started[step]).Seconds()
	if err != nil {
		fmt.Fprintf(p.w, "#%d ERROR: %v\n", step, err)
		return
	}
	fmt.Fprintf(p.w, "#%d DONE %.1fs\n", step, took)
}

// lineWriter splits a step's output into lines for Progress.Output and
// keeps the last ones for the error of a failed step.
type lineWriter struct {
	mu      sync.Mutex
	step    int
	prog    Progress
	partial []byte
	last    []string
	keep    int
}

func newLineWriter(step int, prog Progress, keep int) *lineWriter {
	return &lineWriter{step: step, prog: prog, keep: keep}
}

func (l *lineWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.partial = append(l.partial, b...)
	for {
		i := strings.IndexByte(string(l.partial), '\n')
		if i < 0 {
			break
		}
		l.line(string(l.partial[:i]))
		l.partial = l.partial[i+1:]
	}
	return len(b), nil
}

func (l *lineWriter) line(s string) {
	s = strings.TrimSuffix(s, "\r")
	l.prog.Output(l.step, s)
	l.last = append(l.last, s)
	if len(l.last) > l.keep {
		l.last = l.last[len(l.last)-l.keep:]
	}
}

// Lines flushes a last unterminated line and returns the kept ones.
func (l *lineWriter) Lines() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.partial) > 0 {
		l.line(string(l.partial))
		l.partial = nil
	}
	return append([]string(nil), l.last...)
}
