package main

import (
	"os"
	"testing"
)

func TestParentGone(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if parentGone(int(r.Fd())) {
		t.Error("gone while the write end is open")
	}
	w.Close()
	if !parentGone(int(r.Fd())) {
		t.Error("not gone after the write end closed")
	}
}
