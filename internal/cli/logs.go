package cli

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/container"
	"github.com/skiff-containers/skiff/internal/journal/journalctl"
	"github.com/skiff-containers/skiff/internal/logfile"
	"github.com/skiff-containers/skiff/internal/state"
)

func (s *session) logsAction(c *cli.Context) error {
	if c.NArg() != 1 {
		return usagef("'%s' takes one container: see '%s --help'", c.Command.HelpName, c.Command.HelpName)
	}
	tail := -1
	if t := c.String("tail"); t != "all" {
		n, err := strconv.Atoi(t)
		if err != nil || n < 0 {
			return usagef("invalid --tail %q: use a number or all", t)
		}
		tail = n
	}
	var since time.Time
	if v := c.String("since"); v != "" {
		t, err := parseSince(v, time.Now())
		if err != nil {
			return usagef("invalid --since %q: %v", v, err)
		}
		since = t
	}
	_, ctr, err := s.lookupContainer(c.Args().First())
	if err != nil {
		return err
	}
	ts := c.Bool("timestamps")
	switch ctr.Log.DriverName() {
	case container.LogNone:
		return fmt.Errorf("container %s has log driver %q, which keeps no log", ctr.Name, container.LogNone)
	case container.LogPassthrough:
		return fmt.Errorf("container %s has log driver %q, which keeps no log: its output went to the stdout and stderr of the command that started it (under systemd, the unit's journal)", ctr.Name, container.LogPassthrough)
	case container.LogJournald:
		return s.journalLogs(ctr, journalctl.Query{ID: ctr.ID, Tail: tail, Since: since}, ts, c.Bool("follow"))
	}
	files := logfile.Files(ctr.LogPath(), max(ctr.Log.MaxFiles, 1))
	entries, err := logfile.ReadAll(files)
	if err != nil {
		return err
	}
	var kept []logfile.Entry
	for _, e := range entries {
		if !since.IsZero() && e.Time.Before(since) {
			continue
		}
		kept = append(kept, e)
	}
	if tail >= 0 && len(kept) > tail {
		kept = kept[len(kept)-tail:]
	}
	for _, e := range kept {
		s.printLogEntry(e, ts)
	}
	if !c.Bool("follow") {
		return nil
	}
	return s.followLog(ctr, ts)
}

func (s *session) printLogEntry(e logfile.Entry, ts bool) {
	w := s.io.Out
	if e.Stream == "stderr" {
		w = s.io.Err
	}
	if ts {
		fmt.Fprint(w, e.Time.Format(time.RFC3339Nano)+" ")
	}
	io.WriteString(w, e.Log)
}

// followLog prints what the container writes from now on, until its
// supervisor is gone. It reads the current file from its end; a rotation
// shows as the file shrinking, after which it reads the new file.
func (s *session) followLog(ctr *container.Container, ts bool) error {
	f, err := os.Open(ctr.LogPath())
	if err != nil {
		return err
	}
	defer func() { f.Close() }()
	off, _ := f.Seek(0, io.SeekEnd)
	for {
		alive := state.SupervisorAlive(ctr.LockPath())
		if fi, err := os.Stat(ctr.LogPath()); err == nil && fi.Size() < off {
			f.Close()
			if f, err = os.Open(ctr.LogPath()); err != nil {
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
		for _, e := range entries {
			s.printLogEntry(e, ts)
		}
		if !alive {
			return nil
		}
		select {
		case <-s.ctx.Done():
			return nil
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// journalLogs prints a journald container's output, read back from the
// journal.
func (s *session) journalLogs(ctr *container.Container, q journalctl.Query, ts, follow bool) error {
	emit := func(e logfile.Entry) { s.printLogEntry(e, ts) }
	var err error
	if follow {
		err = journalctl.Follow(s.ctx, q, func() bool { return state.SupervisorAlive(ctr.LockPath()) }, emit)
	} else {
		err = journalctl.Read(s.ctx, q, emit)
	}
	if err != nil {
		return fmt.Errorf("logs of %s (log driver journald): %w", ctr.Name, err)
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
