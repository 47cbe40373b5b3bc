package build

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

// clock is a fake time that moves on by a step each reading.
func clock(step time.Duration) func() time.Time {
	t := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	return func() time.Time { t = t.Add(step); return t }
}

func TestPlain(t *testing.T) {
	var b bytes.Buffer
	p := NewPlain(&b)
	p.now = clock(100 * time.Millisecond)
	p.Start(1, "[1/2] FROM bb")
	p.Done(1, nil)
	p.Start(2, "[2/2] RUN make")
	p.Output(2, "compiling")
	p.Done(2, errors.New("exit code: 2"))
	p.Start(3, "[1/1] COPY a /a")
	p.Cached(3)
	want := "#1 [1/2] FROM bb\n#1 DONE 0.1s\n#2 [2/2] RUN make\n#2 0.100 compiling\n#2 ERROR: exit code: 2\n#3 [1/1] COPY a /a\n#3 CACHED\n"
	if b.String() != want {
		t.Errorf("plain progress:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestTTY(t *testing.T) {
	var b bytes.Buffer
	v := NewTTY(&b, 40)
	v.now = clock(time.Second)
	v.start = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	v.Start(1, "[1/2] FROM bb")
	v.Cached(1)
	v.Start(2, "[2/2] RUN a very long command line that does not fit")
	v.Output(2, "out one")
	b.Reset()
	v.Done(2, nil)
	got := b.String()
	// The finished view is drawn over the last one (3 lines plus the
	// output line it no longer shows), lines cut to the width.
	if !strings.HasPrefix(got, "\x1b[4A") {
		t.Errorf("the view is not redrawn in place: %q", got)
	}
	for _, want := range []string{"[+] Building ", "(2/2)", " => CACHED [1/2] FROM bb", " => [2/2] RUN a very long command"} {
		if !strings.Contains(got, want) {
			t.Errorf("view lacks %q: %q", want, got)
		}
	}
	if strings.Contains(got, "out one") {
		t.Errorf("a finished step's output is still shown: %q", got)
	}
	for _, l := range strings.Split(strings.TrimSuffix(got, "\n"), "\n") {
		l = strings.TrimPrefix(strings.TrimPrefix(l, "\x1b[4A"), "\r\x1b[K")
		if len([]rune(l)) > 40 {
			t.Errorf("line wider than the terminal: %q", l)
		}
	}
}

func TestChain(t *testing.T) {
	tests := []struct {
		a, b []string
		same bool
	}{
		{[]string{"p", "RUN", "x"}, []string{"p", "RUN", "x"}, true},
		{[]string{"p", "ab", "c"}, []string{"p", "a", "bc"}, false},
		{[]string{"p", "RUN", "x"}, []string{"q", "RUN", "x"}, false},
	}
	for _, tt := range tests {
		if got := chain(tt.a[0], tt.a[1:]...) == chain(tt.b[0], tt.b[1:]...); got != tt.same {
			t.Errorf("chain(%q) == chain(%q): %t", tt.a, tt.b, got)
		}
	}
}

func TestBuildArgs(t *testing.T) {
	env := map[string]string{"FROMENV": "e"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	got, err := buildArgs([]string{"A=1", "B=", "FROMENV", "UNSET"}, lookup)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got["A"] != "1" || got["B"] != "" || got["FROMENV"] != "e" {
		t.Errorf("build args %v", got)
	}
	for _, bad := range []string{"=x", "", "A B=1"} {
		if _, err := buildArgs([]string{bad}, lookup); !errors.Is(err, ErrInvalid) {
			t.Errorf("--build-arg %q: %v", bad, err)
		}
	}
}
