package integration

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
)

// run -a: only the streams named reach the caller (the log keeps all),
// in any case; -a with -d, or a stream that is none, is refused before
// anything is made.
func TestRunAttachStreams(t *testing.T) {
	asUserAndRoot(t, func(t *testing.T, sb *sandbox) {
		withBusybox(sb)
		prog := []string{"bb", "sh", "-c", "echo out; echo err >&2"}
		tests := []struct {
			attach           []string
			wantOut, wantErr string
		}{
			{nil, "out\n", "err\n"},
			{[]string{"-a", "stdout"}, "out\n", ""},
			{[]string{"-a", "STDERR"}, "", "err\n"},
			{[]string{"--attach", "Stdout", "-a", "stderr"}, "out\n", "err\n"},
			{[]string{"-a", "stdin"}, "", ""},
		}
		for i, tt := range tests {
			name := "a" + strconv.Itoa(i)
			args := append(append([]string{"run", "--name", name}, tt.attach...), prog...)
			r := sb.OK(args...)
			if r.Out != tt.wantOut || r.Err != tt.wantErr {
				t.Errorf("run %v: %s; want stdout %q stderr %q", tt.attach, r, tt.wantOut, tt.wantErr)
			}
			if l := sb.OK("logs", name); l.Out != "out\n" || l.Err != "err\n" {
				t.Errorf("logs after run %v: %s", tt.attach, l)
			}
		}
		// With -i, stdin is attached whatever -a says, as in Docker.
		if r := sb.SkiffIn(strings.NewReader("typed\n"), "run", "--rm", "-i", "-a", "stdout", "bb", "cat"); r.Code != 0 || r.Out != "typed\n" {
			t.Errorf("run -i -a stdout cat: %s", r)
		}
		// -a with -d is refused on the command line, as Docker's.
		sb.failsAlone("cannot specify both --attach and --detach", "run", "-d", "-a", "stdout", "bb", "true")
		sb.failsAlone(`invalid --attach "stdio": valid streams are STDIN, STDOUT and STDERR`, "run", "-a", "stdio", "bb", "true")
		sb.failsAlone(`invalid --attach "x"`, "create", "-a", "x", "bb", "true")
		if n := len(strings.Fields(sb.OK("ps", "-aq").Out)); n != len(tests) {
			t.Errorf("%d containers, want the %d runs: a refused one was made", n, len(tests))
		}
		sb.OK("create", "-a", "stdout", "bb", "true")
	})
}

// run and create -q show nothing of the pull they make.
func TestRunQuiet(t *testing.T) {
	asUserAndRoot(t, func(t *testing.T, sb *sandbox) {
		removeContainersAtEnd(sb)
		r := sb.OK("create", st.busybox, "true")
		if !strings.Contains(r.Err, "Unable to find image") {
			t.Fatalf("create of a missing image without -q: %s", r)
		}
		sb.OK("rm", strings.TrimSpace(r.Out))
		sb.OK("rmi", st.busybox)
		for _, args := range [][]string{
			{"run", "--rm", "-q", st.busybox, "echo", "hi"},
			{"create", "--quiet", st.sharedA, "true"},
		} {
			r := sb.OK(args...)
			if r.Err != "" {
				t.Errorf("%v: stderr %q, want nothing", args, r.Err)
			}
			if args[0] == "run" && r.Out != "hi\n" {
				t.Errorf("%v: stdout %q", args, r.Out)
			}
		}
		sb.OK("image", "inspect", st.busybox)
	})
}

// --dns-opt is --dns-option's older name.
func TestDNSOptAlias(t *testing.T) {
	asUserAndRoot(t, func(t *testing.T, sb *sandbox) {
		withBusybox(sb)
		r := sb.OK("run", "--rm", "--dns-opt", "ndots:3", "--dns-option", "timeout:2", "bb", "cat", "/etc/resolv.conf")
		if !strings.Contains(r.Out, "ndots:3") || !strings.Contains(r.Out, "timeout:2") {
			t.Errorf("resolv.conf: %q", r.Out)
		}
	})
}

// logs --until: the lines up to a time, given as a timestamp, a Unix time
// or a duration ago; with -f, following ends once the time is past.
func TestLogsUntil(t *testing.T) {
	asUserAndRoot(t, func(t *testing.T, sb *sandbox) {
		withBusybox(sb)
		sb.OK("run", "--name", "l", "bb", "sh", "-c", "echo one; sleep 4; echo two")
		var stamps []time.Time
		for _, line := range strings.Split(strings.TrimSpace(sb.OK("logs", "-t", "l").Out), "\n") {
			ts, _, _ := strings.Cut(line, " ")
			tm, err := time.Parse(time.RFC3339Nano, ts)
			if err != nil {
				t.Fatalf("logs -t: %q: %v", line, err)
			}
			stamps = append(stamps, tm)
		}
		if len(stamps) != 2 {
			t.Fatalf("logs -t: %d lines", len(stamps))
		}
		mid := stamps[0].Add(stamps[1].Sub(stamps[0]) / 2)
		for _, tt := range []struct{ until, want string }{
			{"2s", "one\n"}, // first, while two is less than 2 s old; one is 4 s older
			{stamps[0].Format(time.RFC3339Nano), "one\n"}, // the line at that very time is kept
			{mid.UTC().Format(time.RFC3339Nano), "one\n"},
			{fmt.Sprintf("%d.%09d", mid.Unix(), mid.Nanosecond()), "one\n"},
			{stamps[1].Format(time.RFC3339Nano), "one\ntwo\n"},
			{"1h", ""},
		} {
			if r := sb.OK("logs", "--until", tt.until, "l"); r.Out != tt.want {
				t.Errorf("logs --until %s: %q, want %q", tt.until, r.Out, tt.want)
			}
		}
		if r := sb.OK("logs", "--since", mid.UTC().Format(time.RFC3339Nano), "--until", "0s", "l"); r.Out != "two\n" {
			t.Errorf("logs --since MID --until 0s: %q", r.Out)
		}
		sb.Fails(`invalid --until "soon"`, "logs", "--until", "soon", "l")

		sb.OK("run", "-d", "--name", "f", "bb", "sh", "-c", "while :; do echo tick; sleep 0.2; done")
		start := time.Now()
		r := sb.OK("logs", "-f", "--until", time.Now().Add(2*time.Second).UTC().Format(time.RFC3339Nano), "f")
		if took := time.Since(start); took > 8*time.Second {
			t.Errorf("logs -f --until 2 s ahead took %v", took)
		}
		if !strings.HasPrefix(r.Out, "tick\n") {
			t.Errorf("logs -f --until: %q", r.Out)
		}
		if st := strings.TrimSpace(sb.OK("inspect", "-f", "{{.State.Status}}", "f").Out); st != "running" {
			t.Errorf("the container is %s: following should have ended before it", st)
		}
	})
}

// stop and restart take Docker's --timeout (and the older --time) and
// -s/--signal.
func TestStopTimeoutAndSignal(t *testing.T) {
	asUserAndRoot(t, func(t *testing.T, sb *sandbox) {
		withBusybox(sb)
		// PID 1 ignores SIGTERM: only the kill ends it.
		sb.OK("run", "-d", "--name", "s", "bb", "sleep", "60")
		start := time.Now()
		sb.OK("stop", "--timeout", "0", "s")
		if took := time.Since(start); took > 5*time.Second {
			t.Errorf("stop --timeout 0 took %v", took)
		}
		if code := strings.TrimSpace(sb.OK("inspect", "-f", "{{.State.ExitCode}}", "s").Out); code != "137" {
			t.Errorf("exit code after stop --timeout 0: %s", code)
		}
		sb.OK("start", "s")
		start = time.Now()
		sb.OK("stop", "--time", "1", "s")
		if took := time.Since(start); took < time.Second || took > 6*time.Second {
			t.Errorf("stop --time 1 took %v", took)
		}

		// -s: the signal the container's trap ends it on, long before
		// the timeout.
		trap := []string{"bb", "sh", "-c", "trap 'exit 3' USR1; echo ready; while :; do sleep 0.1; done"}
		sb.OK(append([]string{"run", "-d", "--name", "g"}, trap...)...)
		// A PID 1 ignores a signal it has no handler for yet: wait for the
		// n-th start's trap.
		waitReady := func(n int) {
			t.Helper()
			for deadline := time.Now().Add(10 * time.Second); strings.Count(sb.OK("logs", "g").Out, "ready") < n; {
				if time.Now().After(deadline) {
					t.Fatal("the container never set its trap")
				}
				time.Sleep(100 * time.Millisecond)
			}
		}
		waitReady(1)
		start = time.Now()
		sb.OK("stop", "-s", "USR1", "-t", "30", "g")
		if took := time.Since(start); took > 10*time.Second {
			t.Errorf("stop -s USR1 took %v", took)
		}
		if code := strings.TrimSpace(sb.OK("inspect", "-f", "{{.State.ExitCode}}", "g").Out); code != "3" {
			t.Errorf("exit code after stop -s USR1: %s, want the trap's 3", code)
		}
		sb.OK("start", "g")
		waitReady(2)
		start = time.Now()
		sb.OK("restart", "--signal", "SIGUSR1", "--timeout", "30", "g")
		if took := time.Since(start); took > 10*time.Second {
			t.Errorf("restart --signal SIGUSR1 took %v", took)
		}
		if state := strings.TrimSpace(sb.OK("inspect", "-f", "{{.State.Status}}", "g").Out); state != "running" {
			t.Errorf("after restart: %s", state)
		}
		sb.Fails("invalid signal", "stop", "-s", "NOPE", "g")
		sb.Fails("invalid --timeout -5", "restart", "--timeout", "-5", "g")
	})
}

// inspect -s and ps -s: the bytes a container wrote, and with its image.
func TestContainerSize(t *testing.T) {
	asUserAndRoot(t, func(t *testing.T, sb *sandbox) {
		withBusybox(sb)
		sb.OK("run", "--name", "w", "bb", "sh", "-c", "head -c 1000000 /dev/zero > /big")
		sb.OK("create", "--name", "empty", "bb", "true")
		sizes := func(name string) (rw, rootfs int64) {
			out := sb.OK("inspect", "-s", "-f", "{{.SizeRw}} {{.SizeRootFs}}", name).Out
			f := strings.Fields(out)
			if len(f) != 2 {
				t.Fatalf("inspect -s %s: %q", name, out)
			}
			rw, err1 := strconv.ParseInt(f[0], 10, 64)
			rootfs, err2 := strconv.ParseInt(f[1], 10, 64)
			if err1 != nil || err2 != nil {
				t.Fatalf("inspect -s %s: %q", name, out)
			}
			return rw, rootfs
		}
		rw, rootfs := sizes("w")
		if rw < 1000000 || rw > 1100000 {
			t.Errorf("SizeRw %d after writing 1000000 bytes", rw)
		}
		erw, erootfs := sizes("empty")
		if erw >= 1000 || erootfs <= erw || rootfs-rw != erootfs-erw {
			t.Errorf("SizeRw %d SizeRootFs %d of a fresh container, %d %d of the written one: the image's layers should count alike", erw, erootfs, rw, rootfs)
		}
		if out := sb.OK("container", "inspect", "--size", "-f", "{{.SizeRw}}", "w").Out; out != strconv.FormatInt(rw, 10)+"\n" {
			t.Errorf("container inspect --size: %q", out)
		}
		// Without -s, no sizes: Docker leaves them out.
		if out := sb.OK("inspect", "w").Out; strings.Contains(out, "SizeRw") {
			t.Errorf("inspect without -s shows sizes")
		}
		// An image always has its Size; -s says it is ignored.
		if r := sb.OK("inspect", "-s", "-f", "{{.Size}}", "bb"); r.Err != "WARNING: --size ignored for image\n" || r.Out == "" {
			t.Errorf("inspect -s IMAGE: %s", r)
		}

		r := sb.OK("ps", "-a", "-s")
		lines := strings.Split(strings.TrimSpace(r.Out), "\n")
		if !strings.HasSuffix(strings.TrimSpace(lines[0]), "NAMES     SIZE") {
			t.Errorf("ps -a -s header: %q", lines[0])
		}
		var wline string
		for _, l := range lines[1:] {
			if strings.Contains(l, " w ") {
				wline = l
			}
		}
		if !strings.Contains(wline, "1MB (virtual ") {
			t.Errorf("ps -a -s row of w: %q", wline)
		}
		// A --format that shows .Size asks for it without -s.
		if out := sb.OK("ps", "-a", "--filter", "name=^w$", "--format", "{{.Names}} {{.Size}}").Out; !strings.HasPrefix(out, "w 1MB (virtual ") {
			t.Errorf("ps --format {{.Size}}: %q", out)
		}
		if out := sb.OK("ps", "-a", "--size=false", "--filter", "name=^w$", "--format", "{{.Names}}:{{.Size}}").Out; out != "w:\n" {
			t.Errorf("ps --size=false --format {{.Size}}: %q", out)
		}
	})
}
