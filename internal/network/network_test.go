package network

import (
	"reflect"
	"strings"
	"testing"
)

func TestParsePublish(t *testing.T) {
	tests := []struct {
		in      string
		want    []Port
		wantErr string
	}{
		{in: "80", want: []Port{{ContainerPort: 80, Proto: "tcp"}}},
		{in: "8080:80", want: []Port{{HostPort: 8080, ContainerPort: 80, Proto: "tcp"}}},
		{in: "8080:80/udp", want: []Port{{HostPort: 8080, ContainerPort: 80, Proto: "udp"}}},
		{in: "127.0.0.1:8080:80", want: []Port{{HostIP: "127.0.0.1", HostPort: 8080, ContainerPort: 80, Proto: "tcp"}}},
		{in: "127.0.0.1::80", want: []Port{{HostIP: "127.0.0.1", ContainerPort: 80, Proto: "tcp"}}},
		{in: "[::1]:8080:80", want: []Port{{HostIP: "::1", HostPort: 8080, ContainerPort: 80, Proto: "tcp"}}},
		{in: "8000-8001:80-81/tcp", want: []Port{
			{HostPort: 8000, ContainerPort: 80, Proto: "tcp"}, {HostPort: 8001, ContainerPort: 81, Proto: "tcp"}}},
		{in: "80-81", want: []Port{{ContainerPort: 80, Proto: "tcp"}, {ContainerPort: 81, Proto: "tcp"}}},
		{in: "", wantErr: "not a port number"},
		{in: "http", wantErr: "not a port number"},
		{in: "0:80", wantErr: "not a port number"},
		{in: "65536:80", wantErr: "not a port number"},
		{in: "8080:80/sctp", wantErr: "not supported"},
		{in: "8000-8002:80-81", wantErr: "differ in length"},
		{in: "81-80", wantErr: "backwards"},
		{in: "1.2.3:80:80", wantErr: "not an IP address"},
		{in: "1:2:3:4", wantErr: "too many colons"},
		{in: "[::1:80:80", wantErr: "unclosed"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParsePublish(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, %v; want error with %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestPortRecords(t *testing.T) {
	for _, p := range []Port{
		{HostPort: 8080, ContainerPort: 80, Proto: "tcp"},
		{HostIP: "::1", HostPort: 53, ContainerPort: 5353, Proto: "udp"},
	} {
		got, err := Decode(p.Encode())
		if err != nil || got != p {
			t.Errorf("round trip of %+v: %+v, %v", p, got, err)
		}
	}
	if _, err := Decode("8080|80"); err == nil {
		t.Error("a short record decoded")
	}
	if s := (Port{HostIP: "::1", HostPort: 8080, ContainerPort: 80, Proto: "tcp"}).String(); s != "[::1]:8080->80/tcp" {
		t.Errorf("String: %s", s)
	}
}

func TestCheckDuplicates(t *testing.T) {
	ok := []Port{{HostPort: 80, ContainerPort: 80, Proto: "tcp"}, {HostPort: 80, ContainerPort: 80, Proto: "udp"}, {ContainerPort: 81, Proto: "tcp"}, {ContainerPort: 82, Proto: "tcp"}}
	if err := CheckDuplicates(ok); err != nil {
		t.Error(err)
	}
	if err := CheckDuplicates([]Port{{HostPort: 80, ContainerPort: 80, Proto: "tcp"}, {HostPort: 80, ContainerPort: 81, Proto: "tcp"}}); err == nil {
		t.Error("a host port published twice passed")
	}
}

func TestParseMode(t *testing.T) {
	yes, no := true, false
	tests := []struct {
		in       string
		wantMode string
		wantOpts SlirpOptions
		wantErr  string
	}{
		{in: "", wantMode: ModeSlirp},
		{in: "bridge", wantMode: ModeSlirp},
		{in: "slirp4netns", wantMode: ModeSlirp},
		{in: "none", wantMode: "none"},
		{in: "host", wantMode: "host"},
		{in: "container:db", wantMode: "container:db"},
		{in: "backend", wantMode: "backend"},
		{in: "slirp4netns:allow_host_loopback=true", wantMode: ModeSlirp, wantOpts: SlirpOptions{AllowHostLoopback: &yes}},
		{in: "slirp4netns:allow_host_loopback=false", wantMode: ModeSlirp, wantOpts: SlirpOptions{AllowHostLoopback: &no}},
		{in: "bridge:port_handler=loopback", wantMode: ModeSlirp, wantOpts: SlirpOptions{PortHandler: PortsToLoopback}},
		{in: "slirp4netns:port_handler=rootlesskit", wantMode: ModeSlirp},
		{in: "slirp4netns:port_handler=loopback,allow_host_loopback=true", wantMode: ModeSlirp,
			wantOpts: SlirpOptions{AllowHostLoopback: &yes, PortHandler: PortsToLoopback}},
		{in: "slirp4netns:", wantErr: "has no value"},
		{in: "slirp4netns:allow_host_loopback", wantErr: "has no value"},
		{in: "slirp4netns:allow_host_loopback=yes please", wantErr: "use true or false"},
		{in: "slirp4netns:mtu=1500", wantErr: `unknown option "mtu"`},
		{in: "slirp4netns:port_handler=slirp4netns", wantErr: "not supported"},
		{in: "slirp4netns:port_handler=fast", wantErr: "use rootlesskit"},
		{in: "host:allow_host_loopback=true", wantErr: "only slirp4netns takes options"},
		{in: "backend:allow_host_loopback=true", wantErr: "only slirp4netns takes options"},
		{in: "container:", wantErr: "name the container"},
		{in: "no/such", wantErr: "invalid --network"},
		{in: "-x", wantErr: "invalid --network"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			mode, opts, err := ParseMode(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %q, %+v, %v; want error with %q", mode, opts, err, tt.wantErr)
				}
				return
			}
			if err != nil || mode != tt.wantMode || !reflect.DeepEqual(opts, tt.wantOpts) {
				t.Fatalf("got %q, %+v, %v; want %q, %+v", mode, opts, err, tt.wantMode, tt.wantOpts)
			}
			// What inspect shows reads back as the same.
			m2, o2, err := ParseMode(FormatMode(mode, opts))
			if err != nil || m2 != mode || !reflect.DeepEqual(o2, opts) {
				t.Errorf("FormatMode %q reads back as %q, %+v, %v", FormatMode(mode, opts), m2, o2, err)
			}
		})
	}
	if !UserDefined("backend") || UserDefined(ModeSlirp) {
		t.Error("UserDefined")
	}
	if SharedContainer("container:db") != "db" || SharedContainer("host") != "" {
		t.Error("SharedContainer")
	}
	if got := FormatMode(ModeSlirp, SlirpOptions{AllowHostLoopback: &yes, PortHandler: PortsToLoopback}); got != "slirp4netns:allow_host_loopback=true,port_handler=loopback" {
		t.Errorf("FormatMode: %q", got)
	}
}

func TestParseAddHost(t *testing.T) {
	tests := []struct{ in, want, wantErr string }{
		{in: "db:192.0.2.1", want: "db:192.0.2.1"},
		{in: "db=192.0.2.1", want: "db:192.0.2.1"},
		{in: "v6:2001:db8::1", want: "v6:2001:db8::1"},
		{in: "v6:[2001:db8::1]", want: "v6:2001:db8::1"},
		{in: "gw:host-gateway", want: "gw:host-gateway"},
		{in: "db", wantErr: "use NAME:IP"},
		{in: ":1.2.3.4", wantErr: "use NAME:IP"},
		{in: "db:nowhere", wantErr: "not an IP address"},
	}
	for _, tt := range tests {
		got, err := ParseAddHost(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%q: got %q, %v", tt.in, got, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%q: got %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestNameFiles(t *testing.T) {
	hostResolv := []byte("search lan\nnameserver 127.0.0.53\nnameserver 192.0.2.1\noptions edns0\n")
	hostHosts := []byte("127.0.0.1 localhost\n192.0.2.9 buildhost\n")
	tests := []struct {
		name               string
		n                  Names
		wantHosts, wantRes []string
		notHosts, notRes   []string
	}{
		{
			name:      "slirp with host loopback",
			n:         Names{Mode: ModeSlirp, Hostname: "abc", Name: "web", IP: SlirpIP, HostIP: SlirpGateway, ExtraHosts: []string{"gw:host-gateway"}},
			wantHosts: []string{"127.0.0.1\tlocalhost\n", "10.0.2.100\tabc web\n", "10.0.2.2\thost.containers.internal host.docker.internal\n", "10.0.2.2\tgw\n"},
			wantRes:   []string{"search lan\n", "nameserver 10.0.2.3\n", "options edns0\n"},
			notRes:    []string{"127.0.0.53", "192.0.2.1"},
			notHosts:  []string{"buildhost"},
		},
		{
			name:      "slirp without host loopback names the host's address",
			n:         Names{Mode: ModeSlirp, Hostname: "abc", IP: SlirpIP, HostIP: "192.0.2.7", ExtraHosts: []string{"gw:host-gateway"}},
			wantHosts: []string{"192.0.2.7\thost.containers.internal host.docker.internal\n", "192.0.2.7\tgw\n"},
			notHosts:  []string{"10.0.2.2"},
		},
		{
			name:     "slirp without any host address names no host",
			n:        Names{Mode: ModeSlirp, Hostname: "abc", IP: SlirpIP},
			notHosts: []string{"host.containers.internal"},
		},
		{
			name:      "none drops loopback resolvers",
			n:         Names{Mode: ModeNone, Hostname: "abc", Name: "abc", Domainname: "example.org"},
			wantHosts: []string{"127.0.1.1\tabc.example.org abc\n"},
			wantRes:   []string{"nameserver 192.0.2.1\n"},
			notRes:    []string{"127.0.0.53"},
			notHosts:  []string{"host.containers.internal"},
		},
		{
			name:      "host keeps the host's files",
			n:         Names{Mode: ModeHost, Hostname: "abc", ExtraHosts: []string{"gw:host-gateway"}},
			wantHosts: []string{"192.0.2.9 buildhost\n", "127.0.0.1\tgw\n"},
			wantRes:   []string{"nameserver 127.0.0.53\n", "nameserver 192.0.2.1\n"},
		},
		{
			name:    "dns flags",
			n:       Names{Mode: ModeSlirp, DNS: []string{"192.0.2.53"}, DNSSearch: []string{"."}, DNSOptions: []string{"ndots:2"}},
			wantRes: []string{"nameserver 192.0.2.53\n", "options ndots:2\n"},
			notRes:  []string{"search", "10.0.2.3", "edns0"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hosts, res := tt.n.Hosts(hostHosts), tt.n.ResolvConf(hostResolv)
			for _, w := range tt.wantHosts {
				if !strings.Contains(hosts, w) {
					t.Errorf("hosts lacks %q:\n%s", w, hosts)
				}
			}
			for _, w := range tt.notHosts {
				if strings.Contains(hosts, w) {
					t.Errorf("hosts has %q:\n%s", w, hosts)
				}
			}
			for _, w := range tt.wantRes {
				if !strings.Contains(res, w) {
					t.Errorf("resolv.conf lacks %q:\n%s", w, res)
				}
			}
			for _, w := range tt.notRes {
				if strings.Contains(res, w) {
					t.Errorf("resolv.conf has %q:\n%s", w, res)
				}
			}
		})
	}
}

// The predefined networks have fixed, distinct 64-digit ids, are found by
// name, id and id prefix, and their names cannot be taken by the user.
func TestPredefined(t *testing.T) {
	ids := map[string]bool{}
	for _, n := range Predefined() {
		if len(n.ID) != 64 || strings.Trim(n.ID, "0123456789abcdef") != "" || ids[n.ID] {
			t.Errorf("%s: id %q", n.Name, n.ID)
		}
		ids[n.ID] = true
		if n.ID != predefinedID(n.Name) {
			t.Errorf("%s: id %s is not the fixed one", n.Name, n.ID)
		}
		for _, ref := range []string{n.Name, n.ID, n.ID[:12]} {
			if p := PredefinedRef(ref); p == nil || p.Name != n.Name || !IsPredefined(p) {
				t.Errorf("PredefinedRef(%s) = %+v", ref, p)
			}
		}
		if _, err := NewStore(t.TempDir()).Create(CreateOptions{Name: n.Name}); err == nil {
			t.Errorf("a user network may be named %s", n.Name)
		}
	}
	for _, tc := range []struct {
		name, driver string
	}{{ModeHost, "host"}, {ModeNone, "null"}, {ModeSlirp, "slirp4netns"}} {
		if n := PredefinedNamed(tc.name); n == nil || n.Driver != tc.driver {
			t.Errorf("PredefinedNamed(%s) = %+v, want driver %s", tc.name, n, tc.driver)
		}
	}
	for _, ref := range []string{"bridge", "backend", "", "ab"} {
		if p := PredefinedRef(ref); p != nil {
			t.Errorf("PredefinedRef(%q) = %s", ref, p.Name)
		}
	}
	// A user's network of the same name as a predefined one's is not it.
	if IsPredefined(&Network{Name: ModeNone, ID: strings.Repeat("1", 64)}) {
		t.Error("IsPredefined takes a name alone")
	}
}
