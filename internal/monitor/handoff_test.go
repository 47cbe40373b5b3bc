package monitor

import (
	"reflect"
	"testing"
	"time"

	"github.com/skiff-containers/skiff/internal/journal"
	"github.com/skiff-containers/skiff/internal/restart"
)

func TestHandoffArgsRoundTrip(t *testing.T) {
	h := Handoff{
		Pid: 42, StartedAt: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC), StatePath: "/s/state.json", VolatileState: true,
		LogPath: "/s/ctr.log", LogMax: 1 << 20, LogFiles: 3, Tty: true, Unmount: []string{"/r=with=equals", "/store/merged"}, Scopes: []string{"skiff-abc.scope", "skiff-supervisor-abc.scope"},
		RuntimeDir: "/run/x", Cgroups: []string{"/sys/fs/cgroup/pids/skiff/x", "/sys/fs/cgroup/memory/skiff/x"},
		Cleanup: []string{"/bin/skiff", "rm", "-f", "x"}, EndsWithCaller: true, HolderPath: "/run/userns/1",
		LockFd: 3, HolderFd: 4, OutR: -1, ErrR: -1, StdinW: -1, Master: 7, AIn: 8, AOut: 9, AErr: -1, ACtl: 10,
		Journal:  []journal.Field{{Key: "CONTAINER_NAME", Value: "web"}, {Key: "CONTAINER_TAG", Value: "a=b\nc"}},
		NotifyFd: 11, NotifySocket: "@systemd/notify", ID: "x",
		Restart: Restart{Policy: restart.Policy{Name: restart.OnFailure, MaxRetries: 3}, Count: 2, Delay: 400 * time.Millisecond,
			Command: []string{"/bin/skiff", "--root", "/s", "start"}, Marker: "/run/x/stopped", Stdio: []int{12, 13, 14}},
	}
	got, err := ParseHandoff(h.Args())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, h) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, h)
	}
	if _, err := ParseHandoff([]string{"bogus=1"}); err == nil {
		t.Error("unknown key accepted")
	}
}
