package engine

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/skiff-containers/skiff/internal/supervisor"
)

// attached is a process whose stdout and stdin are pipes, like an
// attached supervisor's.
func attached(t *testing.T, script string, stdin bool) (*supervisor.Process, *supervisor.Attachment) {
	t.Helper()
	outR, outW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("sh", "-c", script)
	cmd.ExtraFiles = []*os.File{outW}
	a := &supervisor.Attachment{Stdout: outR}
	if stdin {
		inR, inW, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stdin, a.Stdin = inR, inW
		defer inR.Close()
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	outW.Close()
	return &supervisor.Process{Cmd: cmd, Attach: a}, a
}

func TestRelayCopiesUntilExit(t *testing.T) {
	p, _ := attached(t, "cat >&3; exit 4", true)
	var out bytes.Buffer
	x, err := relay(context.Background(), p, Streams{Stdin: strings.NewReader("hello"), Stdout: &out}, false, nil)
	if err != nil || x.Code != 4 || x.Detached || out.String() != "hello" {
		t.Fatalf("relay: %+v, %v, output %q; want code 4 and hello", x, err, out.String())
	}
}

// One writer for both streams loses nothing.
func TestRelaySharedWriter(t *testing.T) {
	outR, outW, _ := os.Pipe()
	errR, errW, _ := os.Pipe()
	cmd := exec.Command("sh", "-c", "echo out >&3; sleep 0.1; echo err >&4")
	cmd.ExtraFiles = []*os.File{outW, errW}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	outW.Close()
	errW.Close()
	p := &supervisor.Process{Cmd: cmd, Attach: &supervisor.Attachment{Stdout: outR, Stderr: errR}}
	var buf bytes.Buffer
	if _, err := relay(context.Background(), p, Streams{Stdout: &buf, Stderr: &buf}, false, nil); err != nil {
		t.Fatal(err)
	}
	if buf.String() != "out\nerr\n" {
		t.Errorf("output %q, want both lines", buf.String())
	}
}

func TestRelayDetachKeys(t *testing.T) {
	p, _ := attached(t, "cat >&3; sleep 5", true)
	defer p.Cmd.Process.Kill()
	inR, inW := io.Pipe()
	go inW.Write([]byte("ab\x10\x11"))
	var out bytes.Buffer
	done := make(chan Exit, 1)
	go func() {
		x, _ := relay(context.Background(), p, Streams{Stdin: inR, Stdout: &out}, true, []byte{0x10, 0x11})
		done <- x
	}()
	select {
	case x := <-done:
		if !x.Detached {
			t.Fatalf("ctrl-p ctrl-q did not detach: %+v", x)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("ctrl-p ctrl-q did not detach")
	}
}

func TestRelayCancelDetachesWithoutSignals(t *testing.T) {
	p, _ := attached(t, "sleep 5", false)
	defer p.Cmd.Process.Kill()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	x, err := relay(ctx, p, Streams{}, false, nil)
	if err != nil || !x.Detached {
		t.Fatalf("a cancelled context: %+v, %v; want detached", x, err)
	}
}

func TestParseDetachKeys(t *testing.T) {
	for in, want := range map[string]string{"ctrl-p,ctrl-q": "\x10\x11", "a,ctrl-b": "a\x02", "ctrl-@": "\x00", "": ""} {
		got, err := parseDetachKeys(in)
		if err != nil || string(got) != want {
			t.Errorf("%q: %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"ctrl-1", "alt-x"} {
		if _, err := parseDetachKeys(in); !isField(err, "DetachKeys") {
			t.Errorf("%q: %v, want an invalid DetachKeys", in, err)
		}
	}
}
