package network

import (
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// Port is one published port. A HostPort of 0 asks for a free one, chosen
// when the container starts.
type Port struct {
	HostIP        string `json:"hostIP,omitempty"`
	HostPort      int    `json:"hostPort"`
	ContainerPort int    `json:"containerPort"`
	Proto         string `json:"proto"`
}

// Key is the container side, as Docker writes it: "80/tcp".
func (p Port) Key() string { return strconv.Itoa(p.ContainerPort) + "/" + p.Proto }

// HostAddr is the host side: "0.0.0.0:8080", "[::1]:8080".
func (p Port) HostAddr() string {
	ip := p.HostIP
	if ip == "" {
		ip = "0.0.0.0"
	}
	return net.JoinHostPort(ip, strconv.Itoa(p.HostPort))
}

// String is the form ps shows: "0.0.0.0:8080->80/tcp".
func (p Port) String() string { return p.HostAddr() + "->" + p.Key() }

// ParsePublish reads one -p value:
// [IP:][HOSTPORT:]CONTAINERPORT[/PROTO], where the ports may be ranges of
// equal length (8000-8001:80-81) and IP may be bracketed IPv6.
func ParsePublish(spec string) ([]Port, error) {
	bad := func(why string) error {
		return fmt.Errorf("invalid -p %q: %s; use [IP:][HOSTPORT:]CONTAINERPORT[/tcp|/udp]", spec, why)
	}
	rest, proto, _ := strings.Cut(spec, "/")
	if proto == "" {
		proto = "tcp"
	}
	if proto != "tcp" && proto != "udp" {
		return nil, bad(fmt.Sprintf("protocol %q is not supported", proto))
	}
	var ip, host, ctr string
	if strings.HasPrefix(rest, "[") {
		end := strings.Index(rest, "]")
		if end < 0 || len(rest) < end+2 || rest[end+1] != ':' {
			return nil, bad("unclosed IPv6 address")
		}
		ip, rest = rest[1:end], rest[end+2:]
		parts := strings.Split(rest, ":")
		if len(parts) != 2 {
			return nil, bad("after the address give HOSTPORT:CONTAINERPORT")
		}
		host, ctr = parts[0], parts[1]
	} else {
		parts := strings.Split(rest, ":")
		switch len(parts) {
		case 1:
			ctr = parts[0]
		case 2:
			host, ctr = parts[0], parts[1]
		case 3:
			ip, host, ctr = parts[0], parts[1], parts[2]
		default:
			return nil, bad("too many colons")
		}
	}
	if ip != "" {
		addr, err := netip.ParseAddr(ip)
		if err != nil {
			return nil, bad(fmt.Sprintf("%q is not an IP address", ip))
		}
		ip = addr.String()
	}
	clo, chi, err := parseRange(ctr)
	if err != nil {
		return nil, bad("container port: " + err.Error())
	}
	var hlo, hhi int
	if host != "" {
		if hlo, hhi, err = parseRange(host); err != nil {
			return nil, bad("host port: " + err.Error())
		}
		if hhi-hlo != chi-clo {
			return nil, bad("the host and container port ranges differ in length")
		}
	}
	var out []Port
	for i := 0; i <= chi-clo; i++ {
		p := Port{HostIP: ip, ContainerPort: clo + i, Proto: proto}
		if host != "" {
			p.HostPort = hlo + i
		}
		out = append(out, p)
	}
	return out, nil
}

func parseRange(s string) (lo, hi int, err error) {
	a, b, isRange := strings.Cut(s, "-")
	if lo, err = parsePort(a); err != nil {
		return 0, 0, err
	}
	hi = lo
	if isRange {
		if hi, err = parsePort(b); err != nil {
			return 0, 0, err
		}
		if hi < lo {
			return 0, 0, fmt.Errorf("range %s runs backwards", s)
		}
	}
	return lo, hi, nil
}

func parsePort(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 65535 {
		return 0, fmt.Errorf("%q is not a port number (1-65535)", s)
	}
	return n, nil
}

// ParseExposed reads an exposed port as images and --expose write it:
// "80", "80/udp", "8000-8002/tcp".
func ParseExposed(s string) ([]Port, error) {
	rest, proto, _ := strings.Cut(s, "/")
	if proto == "" {
		proto = "tcp"
	}
	if proto != "tcp" && proto != "udp" {
		return nil, fmt.Errorf("invalid exposed port %q: protocol %q is not supported", s, proto)
	}
	lo, hi, err := parseRange(rest)
	if err != nil {
		return nil, fmt.Errorf("invalid exposed port %q: %v", s, err)
	}
	var out []Port
	for p := lo; p <= hi; p++ {
		out = append(out, Port{ContainerPort: p, Proto: proto})
	}
	return out, nil
}

// CheckDuplicates refuses two bindings of one host port.
func CheckDuplicates(ports []Port) error {
	seen := map[string]bool{}
	for _, p := range ports {
		if p.HostPort == 0 {
			continue
		}
		k := p.HostAddr() + "/" + p.Proto
		if seen[k] {
			return fmt.Errorf("host port %s/%s is published twice", p.HostAddr(), p.Proto)
		}
		seen[k] = true
	}
	return nil
}

// Sort orders ports by container port, then protocol, then host port.
func Sort(ports []Port) {
	slices.SortFunc(ports, func(a, b Port) int {
		if a.ContainerPort != b.ContainerPort {
			return a.ContainerPort - b.ContainerPort
		}
		if a.Proto != b.Proto {
			return strings.Compare(a.Proto, b.Proto)
		}
		return a.HostPort - b.HostPort
	})
}

// Encode and Decode write a port as one string for the container's
// runtime state: "IP|HOSTPORT|CONTAINERPORT|PROTO".
func (p Port) Encode() string {
	return p.HostIP + "|" + strconv.Itoa(p.HostPort) + "|" + strconv.Itoa(p.ContainerPort) + "|" + p.Proto
}

// Decode reads what Encode wrote.
func Decode(s string) (Port, error) {
	f := strings.Split(s, "|")
	if len(f) != 4 {
		return Port{}, fmt.Errorf("bad port record %q", s)
	}
	hp, err1 := strconv.Atoi(f[1])
	cp, err2 := strconv.Atoi(f[2])
	if err1 != nil || err2 != nil {
		return Port{}, fmt.Errorf("bad port record %q", s)
	}
	return Port{HostIP: f[0], HostPort: hp, ContainerPort: cp, Proto: f[3]}, nil
}

// DecodeAll reads a runtime state's ports, skipping records it cannot
// read.
func DecodeAll(recs []string) []Port {
	var out []Port
	for _, r := range recs {
		if p, err := Decode(r); err == nil {
			out = append(out, p)
		}
	}
	return out
}
