package members

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestReplaceSection(t *testing.T) {
	const head = marker + "n1\n"
	tests := []struct{ name, file, sec, want string }{
		{"append", "127.0.0.1\tlocalhost\n", head + "10.0.0.2\ta\n", "127.0.0.1\tlocalhost\n" + head + "10.0.0.2\ta\n"},
		{"append after a line without newline", "x", head, "x\n" + head},
		{"replace", "base\n" + head + "old\n", head + "new\n", "base\n" + head + "new\n"},
		{"replace before another network", "base\n" + head + "old\n" + marker + "n2\nother\n", head + "new\n", "base\n" + head + "new\n" + marker + "n2\nother\n"},
		{"clear", "base\n" + head + "old\n", "", "base\n"},
		{"clear absent", "base\n", "", "base\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := replaceSection(tt.file, head, tt.sec); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestLiveDropsDeadMembers(t *testing.T) {
	d := Dir(t.TempDir())
	lock, err := d.Lock()
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	hosts := filepath.Join(t.TempDir(), "hosts")
	os.WriteFile(hosts, []byte("127.0.0.1\tlocalhost\n"), 0o644)
	// A member whose supervisor lock nobody holds is gone.
	dead := Member{Container: "dead", IP: "10.0.0.9", Lock: filepath.Join(t.TempDir(), "free.lock"), Hosts: hosts}
	if err := d.Add(dead); err != nil {
		t.Fatal(err)
	}
	live, err := d.Live()
	if err != nil || len(live) != 0 {
		t.Fatalf("live: %v, %v", live, err)
	}
	if d.Has("dead") {
		t.Error("the dead member's record stayed")
	}
	d.WritePeers([]Member{{Container: "a", Name: "web", Hostname: "abc", Aliases: []string{"www"}, IP: "10.0.0.2", Hosts: hosts}})
	data, _ := os.ReadFile(hosts)
	if !strings.Contains(string(data), "10.0.0.2\tweb abc www\n") {
		t.Errorf("hosts: %q", data)
	}
	d.ClearPeers(hosts)
	if data, _ := os.ReadFile(hosts); string(data) != "127.0.0.1\tlocalhost\n" {
		t.Errorf("after ClearPeers: %q", data)
	}
}

func TestRecordRoundTrip(t *testing.T) {
	for _, m := range []Member{
		{Container: "abc", Name: "web", Hostname: "h", Aliases: []string{"www", "site"}, IP: "10.0.0.2", Lock: "/run/l", Hosts: "/d/hosts", Iface: "eth1"},
		{Container: "abc", Lock: "/run/l"},
	} {
		got, err := decode(m.encode())
		if err != nil || !reflect.DeepEqual(got, m) {
			t.Errorf("round trip of %+v: %+v, %v", m, got, err)
		}
	}
	if _, err := decode([]byte("name=x\n")); err == nil {
		t.Error("a record without container and lock decoded")
	}
}
