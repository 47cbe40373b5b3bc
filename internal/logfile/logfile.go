// Package logfile writes and reads container logs in Docker's json-file
// format: one JSON object per line with the text, the stream and a
// timestamp, in a file capped in size and rotated.
package logfile

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/skiff-containers/skiff/internal/jsonline"
)

// Entry is one line of the log.
type Entry struct {
	Log    string    `json:"log"`
	Stream string    `json:"stream"`
	Time   time.Time `json:"time"`
}

// Writer appends entries to a log file, rotating it past MaxSize.
type Writer struct {
	mu       sync.Mutex
	path     string
	f        *os.File
	size     int64
	maxSize  int64
	maxFiles int
	now      func() time.Time
	onFull   func() bool
}

// OnFull sets what to do when the disk is full: free some space and
// report whether it did, so that the write is tried once more. Either way
// the log stays whole lines, and later lines are written as room allows.
func (w *Writer) OnFull(f func() bool) {
	w.mu.Lock()
	w.onFull = f
	w.mu.Unlock()
}

// NewWriter opens (appending) the log at path. maxSize 0 means no cap;
// maxFiles is how many files to keep in all (at least 1).
func NewWriter(path string, maxSize int64, maxFiles int) (*Writer, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if maxFiles < 1 {
		maxFiles = 1
	}
	return &Writer{path: path, f: f, size: fi.Size(), maxSize: maxSize, maxFiles: maxFiles, now: time.Now}, nil
}

// Sink keeps a container's output line by line: the json-file Writer, or
// another log driver's.
type Sink interface {
	// WriteLine keeps one line of a stream, with its newline; a line
	// without one is a part of a longer line, or the stream's end.
	WriteLine(stream string, line []byte) error
}

// Stream returns an io.Writer that logs what is written to it as lines of
// the named stream ("stdout" or "stderr"). A partial line is held until its
// newline arrives or Flush is called.
func (w *Writer) Stream(name string) *StreamWriter { return NewStream(w, name) }

// NewStream splits what is written to it into lines of the named stream
// for sink.
func NewStream(sink Sink, name string) *StreamWriter {
	return &StreamWriter{w: sink, name: name}
}

// WriteLine appends one line of a stream to the log.
func (w *Writer) WriteLine(stream string, line []byte) error {
	b := append(jsonline.New().String("log", string(line)).String("stream", stream).Time("time", w.now().UTC()).Bytes(), '\n')
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.maxSize > 0 && w.size > 0 && w.size+int64(len(b)) > w.maxSize {
		if err := w.rotate(); err != nil {
			return err
		}
	}
	n, err := w.f.Write(b)
	if errors.Is(err, syscall.ENOSPC) && w.onFull != nil && w.onFull() {
		var m int
		m, err = w.f.Write(b[n:])
		n += m
	}
	if err != nil && n > 0 {
		// A torn line would spoil the log for readers; drop it whole.
		if w.f.Truncate(w.size) == nil {
			n = 0
		}
	}
	w.size += int64(n)
	return err
}

// rotate shifts path.N to path.N+1, dropping the oldest, and starts anew.
func (w *Writer) rotate() error {
	if err := w.f.Close(); err != nil {
		return err
	}
	if w.maxFiles == 1 {
		if err := os.Truncate(w.path, 0); err != nil {
			return err
		}
	} else {
		_ = os.Remove(w.path + "." + strconv.Itoa(w.maxFiles-1))
		for i := w.maxFiles - 2; i >= 1; i-- {
			_ = os.Rename(w.path+"."+strconv.Itoa(i), w.path+"."+strconv.Itoa(i+1))
		}
		if err := os.Rename(w.path, w.path+".1"); err != nil {
			return err
		}
	}
	f, err := os.OpenFile(w.path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	w.f, w.size = f, 0
	return nil
}

// Close closes the file.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.f.Close()
}

// StreamWriter splits a stream into lines for the log.
type StreamWriter struct {
	w    Sink
	name string
	buf  []byte
}

// maxLine bounds a line held back waiting for its newline, as Docker does
// (16 KiB), so a stream without newlines still gets logged.
const maxLine = 16 << 10

func (s *StreamWriter) Write(p []byte) (int, error) {
	s.buf = append(s.buf, p...)
	for {
		i := indexByte(s.buf, '\n')
		if i < 0 {
			if len(s.buf) >= maxLine {
				if err := s.w.WriteLine(s.name, s.buf[:maxLine]); err != nil {
					return len(p), err
				}
				s.buf = append(s.buf[:0], s.buf[maxLine:]...)
				continue
			}
			return len(p), nil
		}
		if err := s.w.WriteLine(s.name, s.buf[:i+1]); err != nil {
			return len(p), err
		}
		s.buf = append(s.buf[:0], s.buf[i+1:]...)
	}
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

// Flush logs a held partial line.
func (s *StreamWriter) Flush() error {
	if len(s.buf) == 0 {
		return nil
	}
	err := s.w.WriteLine(s.name, s.buf)
	s.buf = s.buf[:0]
	return err
}

// Files lists the log's files oldest first: path.N ... path.1, path.
func Files(path string, maxFiles int) []string {
	var out []string
	for i := maxFiles; i >= 1; i-- {
		p := path + "." + strconv.Itoa(i)
		if _, err := os.Stat(p); err == nil {
			out = append(out, p)
		}
	}
	return append(out, path)
}

// ReadAll decodes every entry of the files in order.
func ReadAll(files []string) ([]Entry, error) {
	var out []Entry
	for _, f := range files {
		fh, err := os.Open(f)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		entries, _, err := Decode(fh)
		fh.Close()
		if err != nil {
			return nil, fmt.Errorf("read log %s: %w", f, err)
		}
		out = append(out, entries...)
	}
	return out, nil
}

// Decode reads complete entries from r; it returns how many bytes they
// took, so a follower can resume after the last complete line.
func Decode(r io.Reader) ([]Entry, int64, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var out []Entry
	var used int64
	for {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 && line[len(line)-1] == '\n' {
			var e Entry
			if jerr := json.Unmarshal(line, &e); jerr == nil {
				out = append(out, e)
			}
			used += int64(len(line))
		}
		if err == io.EOF {
			return out, used, nil
		}
		if err != nil {
			return out, used, err
		}
	}
}
