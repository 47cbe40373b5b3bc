// Command netutil is a test image's network tool for what busybox lacks
// (Debian's busybox nc has no UDP, nor unix datagrams): a UDP echo server,
// a UDP client, and sd_notify.
//
//	netutil udp-echo PORT        echo datagrams back, prefixed "echo:"
//	netutil udp-send HOST:PORT MSG   send MSG, print the reply
//	netutil notify LINE...       send the lines, as one datagram, to $NOTIFY_SOCKET
//	netutil tcp-peer ADDR:PORT   answer each TCP connection with its peer's address
package main

import (
	"fmt"
	"net"
	"os"
	"strings"
	"time"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: netutil udp-echo PORT | udp-send HOST:PORT MSG | notify LINE... | tcp-peer ADDR:PORT")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "udp-echo":
		err = echo(os.Args[2])
	case "udp-send":
		if len(os.Args) != 4 {
			err = fmt.Errorf("udp-send needs HOST:PORT and MSG")
			break
		}
		err = send(os.Args[2], os.Args[3])
	case "notify":
		err = notify(os.Args[2:])
	case "tcp-peer":
		err = peer(os.Args[2])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "netutil:", err)
		os.Exit(1)
	}
}

func echo(port string) error {
	pc, err := net.ListenPacket("udp", ":"+port)
	if err != nil {
		return err
	}
	buf := make([]byte, 64<<10)
	for {
		n, addr, err := pc.ReadFrom(buf)
		if err != nil {
			return err
		}
		_, _ = pc.WriteTo(append([]byte("echo:"), buf[:n]...), addr)
	}
}

// peer tells each client the address it is seen from, which is what a
// server's allow-list would judge it by.
func peer(addr string) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	for {
		c, err := l.Accept()
		if err != nil {
			return err
		}
		host, _, _ := net.SplitHostPort(c.RemoteAddr().String())
		fmt.Fprintf(c, "peer %s\n", host)
		c.Close()
	}
}

func send(addr, msg string) error {
	c, err := net.Dial("udp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	buf := make([]byte, 64<<10)
	// Datagrams may be lost before the path is up: try a few times.
	for range 10 {
		if _, err := c.Write([]byte(msg)); err != nil {
			return err
		}
		_ = c.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
		n, err := c.Read(buf)
		if err == nil {
			fmt.Println(string(buf[:n]))
			return nil
		}
	}
	return fmt.Errorf("no reply from %s", addr)
}

func notify(lines []string) error {
	sock := os.Getenv("NOTIFY_SOCKET")
	if sock == "" {
		return fmt.Errorf("NOTIFY_SOCKET is not set")
	}
	c, err := net.Dial("unixgram", sock)
	if err != nil {
		return err
	}
	defer c.Close()
	_, err = c.Write([]byte(strings.Join(lines, "\n")))
	return err
}
