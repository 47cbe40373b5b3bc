package unitfile

import (
	"reflect"
	"strings"
	"testing"
)

func TestCreateArgs(t *testing.T) {
	values := map[string]bool{"e": true, "env": true, "p": true, "v": true, "name": true, "network": true, "cidfile": true, "sdnotify": true}
	takes := func(f string) bool { return values[f] }
	tests := []struct {
		in      []string
		want    []string
		wantErr string
	}{
		{in: []string{"skiff", "run", "-d", "--name", "web", "-p", "80:80", "img"}, want: []string{"-p", "80:80", "img"}},
		{in: []string{"skiff", "--root", "/s", "container", "create", "--name=web", "--rm", "img", "sh", "-c", "x -d"}, want: []string{"img", "sh", "-c", "x -d"}},
		{in: []string{"skiff", "run", "-dit", "-e", "A=1", "--replace", "--cidfile", "/f", "--sdnotify=ignore", "img"}, want: []string{"-it", "-e", "A=1", "img"}},
		{in: []string{"skiff", "run", "-d", "--network=none", "--", "img", "--flag"}, want: []string{"--network=none", "img", "--flag"}},
		{in: []string{"skiff", "run", "--restart", "always", "--restart=on-failure:3", "img"}, want: []string{"img"}},
		// A detached run refuses -a: the unit's run is one.
		{in: []string{"skiff", "run", "-a", "stdout", "--attach=stderr", "-astdin", "-i", "img"}, want: []string{"-i", "img"}},
		{in: []string{"skiff", "run", "--name", "x"}, wantErr: "no image"},
		{in: []string{"skiff", "start", "x"}, wantErr: "no run or create"},
	}
	for _, tt := range tests {
		got, err := CreateArgs(tt.in, takes)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%v: got %v, %v; want error %q", tt.in, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%v: got %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestQuote(t *testing.T) {
	for in, want := range map[string]string{
		"plain-word_1.2:3=4,5@6+7/8": "plain-word_1.2:3=4,5@6+7/8",
		"two words":                  `"two words"`,
		`say "hi" $HOME 50%`:         `"say \"hi\" $$HOME 50%%"`,
		`back\slash`:                 `"back\\slash"`,
		"":                           `""`,
	} {
		if got := quote(in); got != want {
			t.Errorf("quote(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestGenerate(t *testing.T) {
	u := Generate(Options{Skiff: "/usr/bin/skiff", Global: []string{"--root", "/srv/store"}, Name: "db", StopTimeout: 30})
	for _, want := range []string{"ExecStart=/usr/bin/skiff --root /srv/store start db\n", "ExecStop=/usr/bin/skiff --root /srv/store stop -t 30 db\n", "TimeoutStopSec=90\n", "Type=notify\n"} {
		if !strings.Contains(u, want) {
			t.Errorf("unit lacks %q:\n%s", want, u)
		}
	}
	if strings.Contains(u, "ExecStopPost") {
		t.Errorf("a unit for an existing container removes it:\n%s", u)
	}
	if !strings.Contains(u, "Restart=on-failure\n") {
		t.Errorf("default Restart=:\n%s", u)
	}
	for policy, want := range map[string]string{"always": "always", "unless-stopped": "always", "on-failure:3": "on-failure", "": "on-failure"} {
		if got := RestartFor(policy); got != want {
			t.Errorf("RestartFor(%q) = %q, want %q", policy, got, want)
		}
	}
	if u := Generate(Options{Skiff: "/s", Name: "x", Restart: "always"}); !strings.Contains(u, "Restart=always\n") {
		t.Errorf("Restart: always:\n%s", u)
	}
}

// A --new unit keeps a container's own READY (--sdnotify=container);
// otherwise the supervisor says it.
func TestGenerateNewSDNotify(t *testing.T) {
	for mode, want := range map[string]string{"container": "--sdnotify=container", "supervisor": "--sdnotify=supervisor", "ignore": "--sdnotify=supervisor", "": "--sdnotify=supervisor"} {
		u := Generate(Options{Skiff: "/s", Name: "x", New: true, Create: []string{"img"}, SDNotify: mode})
		if !strings.Contains(u, " -d "+want+" --name x img\n") {
			t.Errorf("--sdnotify %q:\n%s", mode, u)
		}
	}
}

// Only the unit's own cidfile is left for systemd to expand: the
// container's arguments are quoted, specifiers and all.
func TestGenerateNewQuotesContainerArgs(t *testing.T) {
	u := Generate(Options{Skiff: "/s", Name: "x", New: true, Create: []string{"img", "--cidfile=%tX", "a b"}})
	want := "ExecStart=/s run --cidfile=%t/%n.ctr-id --replace --rm -d --sdnotify=supervisor --name x img \"--cidfile=%%tX\" \"a b\"\n"
	if !strings.Contains(u, want) {
		t.Errorf("unit lacks %q:\n%s", want, u)
	}
}
