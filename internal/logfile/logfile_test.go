package logfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestWriteAndRead(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "ctr.log")
	w, err := NewWriter(p, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	out, errs := w.Stream("stdout"), w.Stream("stderr")
	out.Write([]byte("hello\nwor"))
	errs.Write([]byte("oops\n"))
	out.Write([]byte("ld\npartial"))
	out.Flush()
	w.Close()
	entries, err := ReadAll(Files(p, 1))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Stream+":"+e.Log)
		if time.Since(e.Time) > time.Minute {
			t.Errorf("bad time %v", e.Time)
		}
	}
	want := "stdout:hello\n|stderr:oops\n|stdout:world\n|stdout:partial"
	if strings.Join(got, "|") != want {
		t.Errorf("got %q, want %q", strings.Join(got, "|"), want)
	}
}

func TestRotation(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "ctr.log")
	w, err := NewWriter(p, 300, 3)
	if err != nil {
		t.Fatal(err)
	}
	s := w.Stream("stdout")
	for i := 0; i < 40; i++ {
		s.Write([]byte("line of some length\n"))
	}
	w.Close()
	files := Files(p, 3)
	if len(files) != 3 {
		t.Fatalf("files = %v, want 3", files)
	}
	for _, f := range files {
		fi, _ := os.Stat(f)
		if fi.Size() > 300 {
			t.Errorf("%s is %d bytes, over the cap", f, fi.Size())
		}
	}
	if _, err := os.Stat(p + ".3"); err == nil {
		t.Error("kept more files than allowed")
	}
	entries, _ := ReadAll(files)
	if len(entries) == 0 || len(entries) >= 40 {
		t.Errorf("%d entries after rotation", len(entries))
	}
}

func TestLongLineIsSplit(t *testing.T) {
	p := filepath.Join(t.TempDir(), "l")
	w, _ := NewWriter(p, 0, 1)
	s := w.Stream("stdout")
	s.Write([]byte(strings.Repeat("x", maxLine+10)))
	w.Close()
	entries, _ := ReadAll([]string{p})
	if len(entries) != 1 || len(entries[0].Log) != maxLine {
		t.Errorf("entries = %d", len(entries))
	}
}
