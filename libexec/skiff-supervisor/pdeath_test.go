package main

import (
	"os"
	"testing"
)

func TestSentinel(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if !pipeReadEnd(int(r.Fd())) || pipeReadEnd(int(w.Fd())) {
		t.Error("read end not told from write end")
	}
	if parentGone(int(r.Fd())) {
		t.Error("gone while the write end is open")
	}
	w.Close()
	if !parentGone(int(r.Fd())) {
		t.Error("not gone after the write end closed")
	}
	f, err := os.CreateTemp(t.TempDir(), "x")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if pipeReadEnd(int(f.Fd())) {
		t.Error("a file taken for the sentinel")
	}
}
