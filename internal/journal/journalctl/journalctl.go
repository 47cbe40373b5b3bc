// Package journalctl reads a container's journald entries back through
// journalctl (-o json), as `skiff logs` shows them. It is apart from
// package journal, which skiff-monitor links, to keep os/exec and
// encoding/json out of that small program.
package journalctl

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/skiff-containers/skiff/internal/journal"
	"github.com/skiff-containers/skiff/internal/logfile"
)

// ErrMissing is a system without journalctl.
var ErrMissing = errors.New("journalctl is not installed (Debian: the systemd package)")

// Query selects a container's entries.
type Query struct {
	ID    string    // the full container id
	Tail  int       // the last N entries; < 0 for all
	Since time.Time // zero for all
	Until time.Time // zero for all
}

// args is journalctl's command line for the query; after a cursor, for
// the entries after it instead.
func (q Query) args(bin, after string) []string {
	a := []string{bin, "-o", "json", "--all", "--no-pager", "-q"}
	switch {
	case after != "":
		a = append(a, "--after-cursor="+after)
	case q.Tail >= 0:
		a = append(a, "-n", strconv.Itoa(q.Tail))
	default:
		a = append(a, "-n", "all")
	}
	if after == "" && !q.Since.IsZero() {
		us := q.Since.UnixMicro()
		a = append(a, fmt.Sprintf("--since=@%d.%06d", us/1e6, us%1e6))
	}
	// Also after a cursor: the catch-up must not go past the end.
	if !q.Until.IsZero() {
		us := q.Until.UnixMicro()
		a = append(a, fmt.Sprintf("--until=@%d.%06d", us/1e6, us%1e6))
	}
	return append(a, "CONTAINER_ID_FULL="+q.ID)
}

// Read passes every entry the query selects to emit, oldest first.
func Read(ctx context.Context, q Query, emit func(logfile.Entry)) error {
	bin, err := exec.LookPath("journalctl")
	if err != nil {
		return ErrMissing
	}
	_, err = run(ctx, q.args(bin, ""), emit)
	return err
}

// Follow is Read, then the entries that come, until running reports
// false: then what journald took in the meantime, and it returns.
func Follow(ctx context.Context, q Query, running func() bool, emit func(logfile.Entry)) error {
	bin, err := exec.LookPath("journalctl")
	if err != nil {
		return ErrMissing
	}
	fctx, stop := context.WithCancel(ctx)
	defer stop()
	go func() {
		for running() {
			select {
			case <-fctx.Done():
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
		stop()
	}()
	cursor, err := run(fctx, append(q.args(bin, ""), "-f"), emit)
	if ctx.Err() != nil {
		return nil
	}
	if err != nil && fctx.Err() == nil {
		return err
	}
	// journalctl -f was stopped: catch up on what it had not shown.
	_, err = run(ctx, q.args(bin, cursor), emit)
	return err
}

// run runs journalctl and decodes its output; it returns the cursor of
// the last entry.
func run(ctx context.Context, args []string, emit func(logfile.Entry)) (string, error) {
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", err
	}
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("run journalctl: %w", err)
	}
	cursor, derr := decode(out, emit)
	if derr != nil {
		_ = cmd.Process.Kill()
	}
	werr := cmd.Wait()
	if derr != nil {
		return cursor, derr
	}
	if werr != nil {
		if ctx.Err() != nil {
			return cursor, ctx.Err()
		}
		return cursor, journalctlError(werr, stderr.String())
	}
	return cursor, nil
}

func journalctlError(err error, stderr string) error {
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	msg := strings.TrimSpace(lines[len(lines)-1])
	if msg == "" {
		return fmt.Errorf("journalctl: %v", err)
	}
	if strings.Contains(msg, "insufficient permissions") {
		return fmt.Errorf("journalctl: %s (members of the group systemd-journal can read the system journal)", msg)
	}
	return fmt.Errorf("journalctl: %s", msg)
}

// record is an entry as journalctl -o json writes it. A value is a
// string, an array of bytes (not valid text), or an array of such values
// (a field given more than once).
type record struct {
	Message  json.RawMessage `json:"MESSAGE"`
	Priority string          `json:"PRIORITY"`
	Partial  string          `json:"CONTAINER_PARTIAL_MESSAGE"`
	Realtime string          `json:"__REALTIME_TIMESTAMP"`
	Cursor   string          `json:"__CURSOR"`
}

// decode emits the entries of journalctl's output. A last line cut short
// (journalctl -f stopped while writing) is left to the next query.
func decode(r io.Reader, emit func(logfile.Entry)) (cursor string, err error) {
	br := bufio.NewReaderSize(r, 64<<10)
	for {
		line, rerr := br.ReadBytes('\n')
		if bytes.HasSuffix(line, []byte("\n")) && len(bytes.TrimSpace(line)) > 0 {
			var rec record
			if err := json.Unmarshal(line, &rec); err != nil {
				return cursor, fmt.Errorf("read journalctl output: %w", err)
			}
			emit(rec.entry())
			cursor = rec.Cursor
		}
		if rerr == io.EOF {
			return cursor, nil
		}
		if rerr != nil {
			return cursor, rerr
		}
	}
}

func (rec record) entry() logfile.Entry {
	e := logfile.Entry{Log: value(rec.Message), Stream: "stdout"}
	if rec.Priority == journal.PriorityStderr {
		e.Stream = "stderr"
	}
	if rec.Partial != "true" {
		e.Log += "\n"
	}
	if us, err := strconv.ParseInt(rec.Realtime, 10, 64); err == nil {
		e.Time = time.UnixMicro(us)
	}
	return e
}

// value reads a field's value in any of journalctl's forms; of a field
// given several times, the last.
func value(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var b []byte
	var nums []int
	if json.Unmarshal(raw, &nums) == nil {
		for _, n := range nums {
			b = append(b, byte(n))
		}
		return string(b)
	}
	var many []json.RawMessage
	if json.Unmarshal(raw, &many) == nil && len(many) > 0 {
		return value(many[len(many)-1])
	}
	return ""
}
