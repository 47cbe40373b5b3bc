package integration

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/skiff-containers/skiff/test/testenv"
)

// netSandbox is a sandbox with the network test image pulled as "net".
func netSandbox(t *testing.T) *sandbox {
	t.Helper()
	return withNetImage(runSandbox(t))
}

func withNetImage(sb *sandbox) *sandbox {
	sb.t.Helper()
	sb.OK("pull", "-q", st.netimg)
	sb.OK("tag", st.netimg, "net")
	return sb
}

// hostIP is an address of this machine other than loopback, or "".
func hostIP() string {
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && !n.IP.IsLoopback() && !n.IP.IsLinkLocalUnicast() {
			return n.IP.String()
		}
	}
	return ""
}

// serveHTTP serves body on addr (port 0: a free one) until the test ends.
func serveHTTP(t *testing.T, addr, body string) int {
	t.Helper()
	l, err := net.Listen("tcp4", addr)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, body) })}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return l.Addr().(*net.TCPAddr).Port
}

// serveUDPEcho echoes datagrams on addr (port 0: a free one) until the
// test ends.
func serveUDPEcho(t *testing.T, addr string) int {
	t.Helper()
	pc, err := net.ListenPacket("udp4", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 2048)
		for {
			n, a, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			pc.WriteTo(append([]byte("host:"), buf[:n]...), a)
		}
	}()
	return pc.LocalAddr().(*net.UDPAddr).Port
}

// freePort is a TCP port nobody listens on right now.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", ":0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// httpGet fetches a URL, retrying briefly while the server comes up.
func httpGet(t *testing.T, url string) string {
	t.Helper()
	c := &http.Client{Timeout: 3 * time.Second}
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := c.Get(url)
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			return string(b)
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET %s: %v", url, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// udpRoundTrip sends msg to addr and returns the reply.
func udpRoundTrip(t *testing.T, addr, msg string) string {
	t.Helper()
	c, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	buf := make([]byte, 2048)
	for range 40 {
		c.Write([]byte(msg))
		c.SetReadDeadline(time.Now().Add(250 * time.Millisecond))
		if n, err := c.Read(buf); err == nil {
			return string(buf[:n])
		}
	}
	t.Fatalf("no UDP reply from %s", addr)
	return ""
}

// canBind reports whether a TCP port on all addresses is free.
func canBind(port int) bool {
	l, err := net.Listen("tcp", ":"+strconv.Itoa(port))
	if err != nil {
		return false
	}
	l.Close()
	return true
}

func waitPortFree(t *testing.T, port int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !canBind(port) {
		if time.Now().After(deadline) {
			t.Fatalf("host port %d still taken", port)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestNetworkDefault(t *testing.T) {
	sb := netSandbox(t)
	r := sb.OK("run", "--rm", "net", "sh", "-c", "ip -4 addr show tap0; ip route; cat /etc/resolv.conf /etc/hosts")
	for _, want := range []string{"10.0.2.100/24", "default via 10.0.2.2", "nameserver 10.0.2.3", hostIP() + "\thost.containers.internal host.docker.internal"} {
		if !strings.Contains(r.Out, want) {
			t.Errorf("missing %q in:\n%s", want, r.Out)
		}
	}
	if r.Err != "" {
		t.Errorf("warnings on a working network: %s", r.Err)
	}

	// A service the host binds to all addresses, through
	// host.containers.internal: the host's own address, reached through
	// slirp4netns's NAT (host loopback is off; see netisolation_test.go).
	port := serveHTTP(t, "0.0.0.0:0", "from-host")
	out := sb.OK("run", "--rm", "net", "wget", "-qO-", fmt.Sprintf("http://host.containers.internal:%d/", port)).Out
	if out != "from-host" {
		t.Errorf("host.containers.internal: got %q", out)
	}
	out = sb.OK("run", "--rm", "net", "wget", "-qO-", fmt.Sprintf("http://host.docker.internal:%d/", port)).Out
	if out != "from-host" {
		t.Errorf("host.docker.internal: got %q", out)
	}
	// UDP out and back.
	uport := serveUDPEcho(t, "0.0.0.0:0")
	out = sb.OK("run", "--rm", "net", "netutil", "udp-send", fmt.Sprintf("host.containers.internal:%d", uport), "hi").Out
	if strings.TrimSpace(out) != "host:hi" {
		t.Errorf("UDP to the host: got %q", out)
	}
	// Outbound TCP to an address of the machine's own network.
	if ip := hostIP(); ip != "" {
		port := serveHTTP(t, ip+":0", "from-host-network")
		out := sb.OK("run", "--rm", "net", "wget", "-qO-", fmt.Sprintf("http://%s:%d/", ip, port)).Out
		if out != "from-host-network" {
			t.Errorf("outbound to %s: got %q", ip, out)
		}
	}
	// DNS through slirp4netns's forwarder, where the host resolves names.
	if addrs, err := net.LookupHost("deb.debian.org"); err == nil && len(addrs) > 0 {
		out := sb.OK("run", "--rm", "net", "nslookup", "deb.debian.org").Out
		if !strings.Contains(out, "10.0.2.3") || !strings.Contains(out, "Address") {
			t.Errorf("DNS: %s", out)
		}
	}
	// The helper goes with the container.
	waitNoProcesses(t)
}

func TestNetworkNameOptions(t *testing.T) {
	sb := netSandbox(t)
	out := sb.OK("run", "--rm", "--hostname", "web", "--domainname", "example.org",
		"--dns", "192.0.2.53", "--dns-search", "corp.example", "--dns-option", "ndots:2",
		"--add-host", "db:192.0.2.10", "--add-host", "gw:host-gateway", "--name", "named",
		"net", "sh", "-c", "cat /etc/resolv.conf /etc/hosts /proc/sys/kernel/domainname; hostname").Out
	for _, want := range []string{
		"search corp.example\n", "nameserver 192.0.2.53\n", "options ndots:2\n",
		"192.0.2.10\tdb\n", hostIP() + "\tgw\n", "10.0.2.100\tweb.example.org web named\n",
		"example.org\nweb\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
	if strings.Contains(out, "nameserver 10.0.2.3") {
		t.Errorf("--dns did not replace the default resolver:\n%s", out)
	}
}

func TestPublishTCPAndUDP(t *testing.T) {
	sb := netSandbox(t)
	tcpPort, udpPort := freePort(t), freePort(t)
	sb.OK("run", "-d", "--name", "web", "-p", fmt.Sprintf("%d:80", tcpPort), "-p", fmt.Sprintf("%d:9000/udp", udpPort),
		"net", "sh", "-c", "echo served-from-container > /tmp/index.html; httpd -p 80 -h /tmp; exec netutil udp-echo 9000")
	if got := httpGet(t, fmt.Sprintf("http://127.0.0.1:%d/index.html", tcpPort)); got != "served-from-container\n" {
		t.Errorf("through -p on loopback: %q", got)
	}
	// From another machine's point of view: the host's own address.
	if ip := hostIP(); ip != "" {
		if got := httpGet(t, fmt.Sprintf("http://%s:%d/index.html", ip, tcpPort)); got != "served-from-container\n" {
			t.Errorf("through -p on %s: %q", ip, got)
		}
	}
	if got := udpRoundTrip(t, fmt.Sprintf("127.0.0.1:%d", udpPort), "ping"); got != "echo:ping" {
		t.Errorf("UDP through -p: %q", got)
	}

	out := sb.OK("port", "web").Out
	want := fmt.Sprintf("80/tcp -> 0.0.0.0:%d\n9000/udp -> 0.0.0.0:%d\n", tcpPort, udpPort)
	if out != want {
		t.Errorf("port: got %q, want %q", out, want)
	}
	if out := sb.OK("port", "web", "9000/udp").Out; out != fmt.Sprintf("0.0.0.0:%d\n", udpPort) {
		t.Errorf("port web 9000/udp: %q", out)
	}
	sb.FailsWith(1, "no public port 81/tcp", "port", "web", "81")
	if out := sb.OK("ps", "--format", "{{.Ports}}").Out; !strings.Contains(out, fmt.Sprintf("0.0.0.0:%d->80/tcp", tcpPort)) {
		t.Errorf("ps ports: %q", out)
	}
	if out := sb.OK("inspect", "-f", `{{(index .NetworkSettings.Ports "80/tcp" 0).HostPort}}`, "web").Out; out != strconv.Itoa(tcpPort)+"\n" {
		t.Errorf("inspect ports: %q", out)
	}

	// Stopping frees the host port at once.
	sb.OK("stop", "-t", "1", "web")
	waitPortFree(t, tcpPort)
	if out := sb.OK("ps", "-a", "--format", "{{.Ports}}").Out; strings.TrimSpace(out) != "" {
		t.Errorf("a stopped container shows ports: %q", out)
	}
	// And starting again publishes them again.
	sb.OK("start", "web")
	if got := httpGet(t, fmt.Sprintf("http://127.0.0.1:%d/index.html", tcpPort)); got != "served-from-container\n" {
		t.Errorf("after restart: %q", got)
	}
	sb.OK("rm", "-f", "web")
	waitPortFree(t, tcpPort)
	waitNoProcesses(t)
}

func TestPublishRangesAndFreePorts(t *testing.T) {
	sb := netSandbox(t)
	base := freePort(t)
	for !canBind(base+1) || base+1 > 65535 {
		base = freePort(t)
	}
	sb.OK("run", "-d", "--name", "multi", "-p", fmt.Sprintf("127.0.0.1:%d-%d:8080-8081", base, base+1),
		"-p", "80", "--expose", "8090", "-P", "net", "sh", "-c",
		"echo a > /tmp/a; echo b > /tmp/b; httpd -p 8080 -h /tmp; httpd -p 8081 -h /tmp; httpd -p 80 -h /tmp; httpd -p 8090 -h /tmp; sleep 600")
	if got := httpGet(t, fmt.Sprintf("http://127.0.0.1:%d/a", base)); got != "a\n" {
		t.Errorf("range, first port: %q", got)
	}
	if got := httpGet(t, fmt.Sprintf("http://127.0.0.1:%d/b", base+1)); got != "b\n" {
		t.Errorf("range, second port: %q", got)
	}
	for _, p := range []string{"80", "8090"} {
		hp := strings.TrimSpace(sb.OK("port", "multi", p).Out)
		_, port, err := net.SplitHostPort(hp)
		if err != nil || port == "0" {
			t.Fatalf("port multi %s: %q", p, hp)
		}
		if got := httpGet(t, "http://127.0.0.1:"+port+"/a"); got != "a\n" {
			t.Errorf("free port for %s: %q", p, got)
		}
	}
	// -P also publishes what the image exposes.
	bb, err := os.ReadFile(testenv.BusyboxPath)
	if err != nil {
		t.Fatal(err)
	}
	tarPath := filepath.Join(sb.Home, "exposed.tar")
	mkTar(t, tarPath, map[string]string{"bin/busybox": string(bb)})
	sb.OK("import", "--change", "EXPOSE 8080", tarPath, "exposed")
	sb.OK("run", "-d", "--name", "exp", "-P", "exposed", "/bin/busybox", "httpd", "-f", "-p", "8080", "-h", "/bin")
	hp := strings.TrimSpace(sb.OK("port", "exp", "8080/tcp").Out)
	if _, port, err := net.SplitHostPort(hp); err != nil || port == "0" {
		t.Errorf("the image's EXPOSE 8080 was not published: %q", hp)
	} else if got := httpGet(t, "http://127.0.0.1:"+port+"/nothing"); !strings.Contains(got, "404") {
		t.Errorf("through the image's exposed port: %q", got)
	}

	// Bound to loopback only: not on the host's other addresses.
	if ip := hostIP(); ip != "" {
		if c, err := net.DialTimeout("tcp", fmt.Sprintf("%s:%d", ip, base), time.Second); err == nil {
			c.Close()
			t.Errorf("127.0.0.1:%d is reachable on %s", base, ip)
		}
	}
}

func TestPublishPortInUse(t *testing.T) {
	sb := netSandbox(t)
	l, err := net.Listen("tcp", ":0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	r := sb.Fails("already in use", "run", "-d", "--name", "clash", "-p", fmt.Sprintf("%d:80", port), "net", "sleep", "600")
	if n := strings.Count(strings.TrimSpace(r.Err), "\n"); n != 0 {
		t.Errorf("more than one error line: %q", r.Err)
	}
	if out := sb.OK("ps", "-aq").Out; out != "" {
		t.Errorf("a container was left: %q", out)
	}
	waitNoProcesses(t)
}

func TestPublishReleasedWhenSupervisorKilled(t *testing.T) {
	sb := netSandbox(t)
	port := freePort(t)
	sb.OK("run", "-d", "--name", "victim", "-p", fmt.Sprintf("%d:80", port), "net", "httpd", "-f", "-p", "80", "-h", "/tmp")
	httpGet(t, fmt.Sprintf("http://127.0.0.1:%d/", port))
	sup := inspectInt(t, sb, "victim", ".State.SupervisorPid")
	if err := syscall.Kill(sup, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitPortFree(t, port)
	// No helper, namespace holder or container outlives it.
	waitNoProcesses(t)
	if out := sb.OK("ps", "-a", "--format", "{{.Status}}|{{.Ports}}").Out; !strings.HasPrefix(out, "Exited (137)") || !strings.HasSuffix(out, "|\n") {
		t.Errorf("after the kill: %q", out)
	}
	sb.OK("rm", "victim")
}

func TestNetworkContainerMode(t *testing.T) {
	sb := netSandbox(t)
	sb.OK("run", "-d", "--name", "server", "net", "sh", "-c", "echo shared > /tmp/s; httpd -f -p 127.0.0.1:8080 -h /tmp")
	var out string
	for range 50 {
		r := sb.Skiff("run", "--rm", "--network", "container:server", "net", "wget", "-qO-", "http://127.0.0.1:8080/s")
		if out = r.Out; r.Code == 0 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if out != "shared\n" {
		t.Errorf("through the shared namespace: %q", out)
	}
	sb.Fails("No such container", "run", "--rm", "--network", "container:nosuch", "net", "true")
	sb.OK("stop", "-t", "0", "server")
	sb.Fails("is not running", "run", "--rm", "--network", "container:server", "net", "true")
}

// TestNetworkFallbackWithoutTun: where /dev/net/tun cannot be opened the
// container still runs, with loopback only, and one warning says why.
func TestNetworkFallbackWithoutTun(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to change /dev/net/tun's mode")
	}
	fi, err := os.Stat("/dev/net/tun")
	if err != nil {
		t.Skip("no /dev/net/tun")
	}
	sb := netSandbox(t)
	if err := os.Chmod("/dev/net/tun", 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod("/dev/net/tun", fi.Mode().Perm()) })
	r := sb.OK("run", "--rm", "net", "ls", "/sys/class/net")
	if r.Out != "lo\n" {
		t.Errorf("interfaces: %q", r.Out)
	}
	if strings.Count(r.Err, "warning") != 1 || !strings.Contains(r.Err, "/dev/net/tun") || !strings.Contains(r.Err, "loopback only") {
		t.Errorf("warning: %q", r.Err)
	}
	// Published ports do not need the helper.
	port := freePort(t)
	sb.OK("run", "-d", "--name", "lo-only", "-p", fmt.Sprintf("%d:80", port), "net", "sh", "-c", "echo ok > /tmp/i; httpd -f -p 80 -h /tmp")
	if got := httpGet(t, fmt.Sprintf("http://127.0.0.1:%d/i", port)); got != "ok\n" {
		t.Errorf("ports without the helper: %q", got)
	}
}

func TestNetworkBadInput(t *testing.T) {
	sb := netSandbox(t)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-p", "abc"}, "invalid -p"},
		{[]string{"-p", "70000:80"}, "not a port number"},
		{[]string{"-p", "8000-8002:80-81"}, "ranges differ"},
		{[]string{"-p", "1.2.3:80:80"}, "not an IP address"},
		{[]string{"-p", "8080:80/sctp"}, "not supported"},
		{[]string{"-p", "8080:80", "-p", "8080:81"}, "published twice"},
		{[]string{"-p", "8080:80", "--network", "none"}, "cannot be published"},
		{[]string{"--network", "bogus"}, "No such network"},
		{[]string{"--network", "no/such"}, "invalid --network"},
		{[]string{"--network", "container:"}, "name the container"},
		{[]string{"--network", "slirp4netns:mtu=1500"}, `unknown option "mtu"`},
		{[]string{"--network", "slirp4netns:allow_host_loopback=maybe"}, "use true or false"},
		{[]string{"--network", "slirp4netns:port_handler=slirp4netns"}, "not supported"},
		{[]string{"--network", "host:allow_host_loopback=true"}, "only slirp4netns takes options"},
		{[]string{"--dns", "resolver"}, "invalid --dns"},
		{[]string{"--add-host", "nohost"}, "invalid --add-host"},
		{[]string{"--add-host", "h:1.2.3"}, "not an IP address"},
		{[]string{"--expose", "http"}, "--expose"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			sb.in(t).Fails(tt.want, append(append([]string{"run", "--rm"}, tt.args...), "net", "true")...)
		})
	}
	if out := sb.OK("ps", "-aq").Out; out != "" {
		t.Errorf("containers left by bad input: %q", out)
	}
}

// wgetFails runs wget in a new container on net and reports whether it
// failed to fetch url. Debian's static busybox wget crashes on -T, which
// would read as a failure whatever the network did: timeout bounds it.
func wgetFails(sb *sandbox, net, url string) bool {
	return sb.Skiff("run", "--rm", "--network", net, "net", "busybox", "timeout", "2", "wget", "-qO-", url).Code != 0
}

func TestUserNetworks(t *testing.T) {
	sb := netSandbox(t)
	sb.OK("network", "create", "--subnet", "10.89.0.0/24", "--label", "team=a", "backend")
	sb.OK("network", "create", "front")
	sb.OK("network", "create", "--subnet", "10.99.0.0/24", "--internal", "sealed")
	sb.Fails("overlaps network sealed", "network", "create", "--subnet", "10.99.0.128/25", "x")
	sb.Fails("overlaps the default network", "network", "create", "--subnet", "10.0.0.0/16", "x")
	sb.Fails("already exists", "network", "create", "backend")
	sb.Fails("invalid network name", "network", "create", "host")
	if out := sb.OK("network", "ls", "--format", "{{.Name}} {{.Subnet}}").Out; out != "backend 10.89.0.0/24\nfront 10.90.0.0/24\nhost \nnone \nsealed 10.99.0.0/24\nslirp4netns 10.0.2.0/24\n" {
		t.Errorf("network ls: %q", out)
	}
	if out := sb.OK("network", "inspect", "-f", "{{.Internal}} {{.Labels.team}}", "backend", "sealed").Out; out != "false a\ntrue <no value>\n" {
		t.Errorf("network inspect: %q", out)
	}

	// Peers reach each other by name and alias.
	sb.OK("run", "-d", "--name", "db", "--network", "backend", "--network-alias", "database", "net",
		"sh", "-c", "echo from-db > /tmp/i; httpd -f -p 80 -h /tmp")
	sb.OK("run", "-d", "--name", "fixed", "--network", "backend", "--ip", "10.89.0.50", "net", "sleep", "600")
	for _, url := range []string{"http://db/i", "http://database/i"} {
		var out string
		for range 50 {
			if out = sb.Skiff("run", "--rm", "--network", "backend", "net", "wget", "-qO-", url).Out; out == "from-db\n" {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if out != "from-db\n" {
			t.Errorf("%s on the same network: %q", url, out)
		}
	}
	if out := sb.OK("run", "--rm", "--network", "backend", "net", "ip", "-4", "addr", "show", "eth0").Out; !strings.Contains(out, "10.89.0.") {
		t.Errorf("address on backend: %s", out)
	}
	if out := sb.OK("exec", "fixed", "ip", "-4", "addr", "show", "eth0").Out; !strings.Contains(out, "10.89.0.50/24") {
		t.Errorf("--ip: %s", out)
	}
	sb.Fails("is in use", "run", "--rm", "--network", "backend", "--ip", "10.89.0.50", "net", "true")
	sb.Fails("not a host address", "run", "--rm", "--network", "backend", "--ip", "10.1.0.5", "net", "true")
	if out := sb.OK("exec", "db", "cat", "/etc/hosts").Out; !strings.Contains(out, "10.89.0.50\tfixed") {
		t.Errorf("a peer's hosts file was not updated:\n%s", out)
	}
	dbIP := strings.TrimSpace(sb.OK("network", "inspect", "-f", `{{range .Containers}}{{if eq .Name "db"}}{{.IPv4Address}}{{end}}{{end}}`, "backend").Out)
	dbIP, _, _ = strings.Cut(dbIP, "/")
	if dbIP == "" {
		t.Fatal("db has no address in network inspect")
	}

	// Other networks cannot reach it; the host's services are reachable
	// from a network that is not internal, and not from an internal one.
	if !wgetFails(sb, "front", "http://"+dbIP+"/i") {
		t.Errorf("front reached %s on backend", dbIP)
	}
	port := serveHTTP(t, "0.0.0.0:0", "host")
	hostURL := fmt.Sprintf("http://host.containers.internal:%d/", port)
	if out := sb.OK("run", "--rm", "--network", "backend", "net", "wget", "-qO-", hostURL).Out; out != "host" {
		t.Errorf("outbound from backend: %q", out)
	}
	if !wgetFails(sb, "sealed", fmt.Sprintf("http://10.0.2.2:%d/", port)) {
		t.Errorf("the internal network reached the host")
	}
	if out := sb.OK("run", "--rm", "--network", "sealed", "net", "ip", "route").Out; strings.Contains(out, "default") {
		t.Errorf("internal network has a default route: %s", out)
	}

	// A network in use stays; connect and disconnect a running container.
	sb.FailsWith(1, "is in use by", "network", "rm", "backend")
	sb.OK("run", "-d", "--name", "web", "--network", "front", "net", "sh", "-c", "echo from-web > /tmp/i; httpd -f -p 80 -h /tmp")
	sb.FailsWith(1, "invalid --ip", "network", "connect", "--ip", "10.1.1.1", "backend", "web")
	sb.OK("network", "connect", "--alias", "www", "backend", "web")
	sb.FailsWith(1, "already on network", "network", "connect", "backend", "web")
	var out string
	for range 50 {
		if out = sb.Skiff("run", "--rm", "--network", "backend", "net", "wget", "-qO-", "http://www/i").Out; out == "from-web\n" {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if out != "from-web\n" {
		t.Errorf("after connect: %q", out)
	}
	sb.OK("network", "disconnect", "backend", "web")
	if out := sb.OK("exec", "db", "cat", "/etc/hosts").Out; strings.Contains(out, "www") {
		t.Errorf("the peer still lists the disconnected container:\n%s", out)
	}
	if out := sb.OK("exec", "web", "ls", "/sys/class/net").Out; strings.Contains(out, "eth1") {
		t.Errorf("the interface stayed after disconnect: %s", out)
	}
	sb.FailsWith(1, "not on network", "network", "disconnect", "backend", "web")
	sb.Fails("No such network", "run", "--rm", "--network", "nosuch", "net", "true")
	sb.Fails("need a user-defined network", "run", "--rm", "--ip", "10.0.0.1", "net", "true")

	// Nothing of a network outlives its last container.
	sb.OK("rm", "-f", "db", "fixed", "web")
	waitNoProcesses(t)
	if out := sb.OK("network", "prune", "-f").Out; out != "backend\nfront\nsealed\n" {
		t.Errorf("network prune: %q", out)
	}
	if out := sb.OK("network", "ls", "--format", "{{.Name}}").Out; out != "host\nnone\nslirp4netns\n" {
		t.Errorf("networks left beside the predefined ones: %q", out)
	}
	sb.FailsWith(1, "No such network", "network", "rm", "backend")
}

// A killed supervisor leaves no member behind: its address is free again
// and its peers' and the network's views drop it at the next join.
func TestUserNetworkSupervisorKilled(t *testing.T) {
	sb := netSandbox(t)
	sb.OK("network", "create", "--subnet", "10.91.0.0/24", "n1")
	sb.OK("run", "-d", "--name", "victim", "--network", "n1", "--ip", "10.91.0.10", "net", "sleep", "600")
	sup := inspectInt(t, sb, "victim", ".State.SupervisorPid")
	if err := syscall.Kill(sup, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitNoProcesses(t)
	if out := sb.OK("network", "inspect", "-f", "{{len .Containers}}", "n1").Out; out != "0\n" {
		t.Errorf("members after the kill: %q", out)
	}
	out := sb.OK("run", "--rm", "--network", "n1", "--ip", "10.91.0.10", "net", "cat", "/etc/hosts").Out
	if strings.Contains(out, "victim") {
		t.Errorf("the dead container is still listed:\n%s", out)
	}
	sb.OK("rm", "victim")
	sb.OK("network", "rm", "n1")
}

// Without slirp4netns installed the container runs with loopback only, and
// one warning names the package.
func TestNetworkFallbackWithoutHelper(t *testing.T) {
	sb := netSandbox(t)
	cmd := sb.Cmd("run", "--rm", "net", "ls", "/sys/class/net")
	for i, e := range cmd.Env {
		if strings.HasPrefix(e, "PATH=") {
			cmd.Env[i] = "PATH=" + t.TempDir()
		}
	}
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("run without the helper: %v: %s", err, errb.String())
	}
	if out.String() != "lo\n" {
		t.Errorf("interfaces: %q", out.String())
	}
	if w := errb.String(); strings.Count(w, "warning") != 1 || !strings.Contains(w, "slirp4netns is not installed") {
		t.Errorf("warning: %q", w)
	}
	// Published ports need no helper: they reach the container at the
	// address its /etc/hosts gives it, which loopback then carries.
	port := freePort(t)
	cmd = sb.Cmd("run", "-d", "--name", "lo-only", "-p", fmt.Sprintf("%d:80", port), "net", "sh", "-c", "echo ok > /tmp/i; httpd -f -p 80 -h /tmp")
	for i, e := range cmd.Env {
		if strings.HasPrefix(e, "PATH=") {
			cmd.Env[i] = "PATH=" + t.TempDir()
		}
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("run -p without the helper: %v: %s", err, out)
	}
	defer sb.Skiff("rm", "-f", "lo-only")
	if got := httpGet(t, fmt.Sprintf("http://127.0.0.1:%d/i", port)); got != "ok\n" {
		t.Errorf("ports without the helper: %q", got)
	}
}

// TestHostNetworkSysReadOnly: with the host's network, /sys and every
// mount under it are read-only, as in Docker and podman; that includes the
// host's cgroupfs where the host's /sys is bound in (rootless, or as root
// with --userns=auto), a new sysfs needing a network namespace of its own.
func TestHostNetworkSysReadOnly(t *testing.T) {
	asUserAndRoot(t, func(t *testing.T, sb *sandbox) {
		withBusybox(sb)
		variants := [][]string{nil}
		if sb.user == nil {
			variants = append(variants, []string{"--userns=auto"})
		}
		for _, extra := range variants {
			// A fresh sysfs has an empty /sys/fs/cgroup that refuses any
			// new name, so the probe goes to /sys/kernel there.
			args := append(append([]string{"run", "--rm", "--network", "host"}, extra...), "bb", "sh", "-c",
				"d=/sys/fs/cgroup; [ -e $d/cgroup.procs ] || d=/sys/kernel; mkdir $d/skiff-probe 2>&1; awk '$5 ~ /^\\/sys(\\/|$)/ {print $5, $6}' /proc/self/mountinfo")
			out := sb.OK(args...).Out
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if len(lines) < 2 || !strings.Contains(lines[0], "Read-only file system") {
				t.Fatalf("%v: mkdir under /sys: %q, want it refused as read-only", extra, out)
			}
			for _, l := range lines[1:] {
				f := strings.Fields(l)
				if len(f) != 2 || !slices.Contains(strings.Split(f[1], ","), "ro") {
					t.Errorf("%v: mount %q is not read-only", extra, l)
				}
			}
		}
	})
}
