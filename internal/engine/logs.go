package engine

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/skiff-containers/skiff/internal/container"
	"github.com/skiff-containers/skiff/internal/journal/journalctl"
	"github.com/skiff-containers/skiff/internal/logfile"
	"github.com/skiff-containers/skiff/internal/state"
)

// LogsOptions choose the part of a container's output Logs shows, and
// where it goes.
type LogsOptions struct {
	// Follow goes on printing new output until the container stops.
	Follow bool
	// Tail is the number of lines from the end; "" or "all" for all.
	Tail string
	// Since keeps the output after a time: RFC 3339, a Unix time, or a
	// duration before now such as 10m. Empty for all.
	Since string
	// Until keeps the output before a time, read as Since. Following
	// ends once it is past.
	Until string
	// Timestamps prefixes each line with its time.
	Timestamps bool
	// Stdout and Stderr receive the container's streams.
	Stdout, Stderr io.Writer
}

// logsRange are the options checked: the tail (< 0 for all), the start
// and the end (zero for all).
type logsRange struct {
	tail         int
	since, until time.Time
}

// keeps tells whether an entry of time t is in the range.
func (r logsRange) keeps(t time.Time) bool {
	return (r.since.IsZero() || !t.Before(r.since)) && (r.until.IsZero() || !t.After(r.until))
}

// over tells whether the range ended before now.
func (r logsRange) over(now time.Time) bool { return !r.until.IsZero() && now.After(r.until) }

func (o LogsOptions) parsed(now time.Time) (r logsRange, err error) {
	r.tail = -1
	if o.Tail != "" && o.Tail != "all" {
		n, err := strconv.Atoi(o.Tail)
		if err != nil || n < 0 {
			return r, Invalid("Tail", o.Tail, "use a number or all")
		}
		r.tail = n
	}
	if o.Since != "" {
		if r.since, err = parseSince(o.Since, now); err != nil {
			return r, Invalid("Since", o.Since, err.Error())
		}
	}
	if o.Until != "" {
		if r.until, err = parseSince(o.Until, now); err != nil {
			return r, Invalid("Until", o.Until, err.Error())
		}
	}
	return r, nil
}

// Logs writes a container's output. Following ends when the container's
// supervisor is gone, or at the context's end, which is no error: it is
// how a reader stops following.
func (e *Engine) Logs(ctx context.Context, ref string, o LogsOptions) error {
	r, err := o.parsed(time.Now())
	if err != nil {
		return err
	}
	c, err := e.lookup(ref)
	if err != nil {
		return err
	}
	w := logWriter{o}
	switch c.Log.DriverName() {
	case container.LogNone:
		return fmt.Errorf("container %s has log driver %q, which keeps no log", c.Name, container.LogNone)
	case container.LogPassthrough:
		return fmt.Errorf("container %s has log driver %q, which keeps no log: its output went to the stdout and stderr of the command that started it (under systemd, the unit's journal)", c.Name, container.LogPassthrough)
	case container.LogJournald:
		return journalLogs(ctx, c, journalctl.Query{ID: c.ID, Tail: r.tail, Since: r.since, Until: r.until}, o.Follow && !r.over(time.Now()), r, w)
	}
	entries, err := logfile.ReadAll(logfile.Files(c.LogPath(), max(c.Log.MaxFiles, 1)))
	if err != nil {
		return err
	}
	var kept []logfile.Entry
	for _, en := range entries {
		if r.keeps(en.Time) {
			kept = append(kept, en)
		}
	}
	if r.tail >= 0 && len(kept) > r.tail {
		kept = kept[len(kept)-r.tail:]
	}
	for _, en := range kept {
		w.write(en)
	}
	// Docker does not follow past the end of the range.
	if !o.Follow || r.over(time.Now()) {
		return nil
	}
	return followLog(ctx, c, r, w)
}

// logWriter writes entries to their stream.
type logWriter struct{ o LogsOptions }

func (w logWriter) write(en logfile.Entry) {
	out := w.o.Stdout
	if en.Stream == "stderr" {
		out = w.o.Stderr
	}
	if out == nil {
		return
	}
	if w.o.Timestamps {
		fmt.Fprint(out, en.Time.Format(time.RFC3339Nano)+" ")
	}
	io.WriteString(out, en.Log)
}

// followLog writes what the container writes from now on, until its
// supervisor is gone or the range is over. It reads the current file from
// its end; a rotation shows as the file shrinking, after which it reads
// the new file.
func followLog(ctx context.Context, c *container.Container, r logsRange, w logWriter) error {
	f, err := os.Open(c.LogPath())
	if err != nil {
		return err
	}
	defer func() { f.Close() }()
	off, _ := f.Seek(0, io.SeekEnd)
	for {
		// Taken before the read: what was written until then is read.
		alive := state.SupervisorAlive(c.LockPath()) && !r.over(time.Now())
		if fi, err := os.Stat(c.LogPath()); err == nil && fi.Size() < off {
			f.Close()
			if f, err = os.Open(c.LogPath()); err != nil {
				return err
			}
			off = 0
		}
		if _, err := f.Seek(off, io.SeekStart); err != nil {
			return err
		}
		entries, used, err := logfile.Decode(f)
		if err != nil {
			return err
		}
		off += used
		for _, en := range entries {
			if r.keeps(en.Time) {
				w.write(en)
			}
		}
		if !alive {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// journalLogs writes a journald container's output, read back from the
// journal.
func journalLogs(ctx context.Context, c *container.Container, q journalctl.Query, follow bool, r logsRange, w logWriter) error {
	var err error
	if follow {
		running := func() bool { return state.SupervisorAlive(c.LockPath()) && !r.over(time.Now()) }
		err = journalctl.Follow(ctx, q, running, w.write)
	} else {
		err = journalctl.Read(ctx, q, w.write)
	}
	if err != nil {
		return fmt.Errorf("logs of %s (log driver journald): %w", c.Name, err)
	}
	return nil
}

// parseSince reads RFC 3339 times, Unix timestamps and durations ("10m").
func parseSince(v string, now time.Time) (time.Time, error) {
	if d, err := time.ParseDuration(v); err == nil {
		return now.Add(-d), nil
	}
	for _, layout := range []string{time.RFC3339Nano, time.RFC3339, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, nil
		}
	}
	sec, frac, _ := strings.Cut(v, ".")
	if n, err := strconv.ParseInt(sec, 10, 64); err == nil {
		ns := int64(0)
		if frac != "" {
			f, err := strconv.ParseInt((frac + "000000000")[:9], 10, 64)
			if err != nil {
				return time.Time{}, fmt.Errorf("use RFC 3339, a Unix time or a duration such as 10m")
			}
			ns = f
		}
		return time.Unix(n, ns), nil
	}
	return time.Time{}, fmt.Errorf("use RFC 3339, a Unix time or a duration such as 10m")
}
