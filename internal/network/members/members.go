// Package members is the run-time registry of a user-defined network: who
// is on it, at which address, and the namespace holding its bridge. A
// member is live while its container's supervisor holds its lock, so a
// killed supervisor leaves nothing that needs cleaning. It is small enough
// for skiff-monitor, which leaves networks when a container exits.
package members

import (
	"errors"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/skiff-containers/skiff/internal/state"
)

// Member is one container on a network.
type Member struct {
	Container string // id
	Name      string
	Hostname  string
	Aliases   []string
	IP        string
	// Lock is the container's supervisor lock: held while it runs.
	Lock string
	// Hosts is the container's /etc/hosts, which lists its peers.
	Hosts string
	// Iface is its interface on the network.
	Iface string
}

// encode writes a record as KEY=VALUE lines: skiff-monitor reads these,
// and encoding/json would double its size. Values are names, addresses
// and paths, which hold no newlines.
func (m Member) encode() []byte {
	return []byte("container=" + m.Container + "\nname=" + m.Name + "\nhostname=" + m.Hostname +
		"\naliases=" + strings.Join(m.Aliases, ",") + "\nip=" + m.IP + "\nlock=" + m.Lock +
		"\nhosts=" + m.Hosts + "\niface=" + m.Iface + "\n")
}

func decode(data []byte) (Member, error) {
	var m Member
	for _, line := range strings.Split(string(data), "\n") {
		k, v, _ := strings.Cut(line, "=")
		switch k {
		case "container":
			m.Container = v
		case "name":
			m.Name = v
		case "hostname":
			m.Hostname = v
		case "aliases":
			if v != "" {
				m.Aliases = strings.Split(v, ",")
			}
		case "ip":
			m.IP = v
		case "lock":
			m.Lock = v
		case "hosts":
			m.Hosts = v
		case "iface":
			m.Iface = v
		}
	}
	if m.Container == "" || m.Lock == "" {
		return m, errors.New("incomplete member record")
	}
	return m, nil
}

// Dir is one network's run-time directory.
type Dir string

// Lock serializes joins and leaves.
func (d Dir) Lock() (*os.File, error) {
	if err := os.MkdirAll(filepath.Join(string(d), "members"), 0o700); err != nil {
		return nil, err
	}
	return state.Flock(filepath.Join(string(d), "lock"))
}

// NetNSPath is where the bridge's namespace is bind-mounted while the
// network is in use.
func (d Dir) NetNSPath() string { return filepath.Join(string(d), "netns") }

func (d Dir) memberPath(id string) string { return filepath.Join(string(d), "members", id) }

// Live lists the members whose containers run, removing the records of
// the others.
func (d Dir) Live() ([]Member, error) {
	ents, err := os.ReadDir(filepath.Join(string(d), "members"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []Member
	for _, e := range ents {
		p := filepath.Join(string(d), "members", e.Name())
		data, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		m, err := decode(data)
		if err != nil || !state.SupervisorAlive(m.Lock) {
			os.Remove(p)
			continue
		}
		out = append(out, m)
	}
	return out, nil
}

// Add records a member.
func (d Dir) Add(m Member) error {
	return state.WriteFileAtomic(d.memberPath(m.Container), m.encode(), 0o600)
}

// Remove drops a member's record.
func (d Dir) Remove(id string) { os.Remove(d.memberPath(id)) }

// Has reports whether a container has a record here.
func (d Dir) Has(id string) bool {
	_, err := os.Stat(d.memberPath(id))
	return err == nil
}

// Get reads a container's record.
func (d Dir) Get(id string) (Member, error) {
	data, err := os.ReadFile(d.memberPath(id))
	if err != nil {
		return Member{}, err
	}
	return decode(data)
}

// ClearPeers drops the network's section from a hosts file: the container
// left the network.
func (d Dir) ClearPeers(hosts string) {
	data, err := os.ReadFile(hosts)
	if err != nil {
		return
	}
	head := d.header()
	_ = os.WriteFile(hosts, []byte(replaceSection(string(data), head, "")), 0o644)
}

// Release takes down the network's bridge namespace if no member runs:
// the network's run-time pieces exist only while it is in use.
func (d Dir) Release() {
	if live, err := d.Live(); err == nil && len(live) == 0 {
		_ = unix.Unmount(d.NetNSPath(), unix.MNT_DETACH)
		os.Remove(d.NetNSPath())
	}
}

// LeaveAll takes container id off every network under root (the
// directory of all networks' run-time directories), updating the peers'
// hosts files and releasing networks nobody uses any more, this one's or
// others'. The monitor calls it when the container has exited.
func LeaveAll(root, id string) {
	ents, err := os.ReadDir(root)
	if err != nil {
		return
	}
	for _, e := range ents {
		d := Dir(filepath.Join(root, e.Name()))
		has := d.Has(id)
		if _, err := os.Stat(d.NetNSPath()); !has && err != nil {
			continue
		}
		lock, err := d.Lock()
		if err != nil {
			continue
		}
		if has {
			d.Remove(id)
			if live, err := d.Live(); err == nil {
				d.WritePeers(live)
			}
		}
		// Also a network whose last member's supervisor was killed.
		d.Release()
		lock.Close()
	}
}

// Names are what the member's peers reach it by: its name, its host name
// and its aliases.
func (m Member) Names() []string {
	names := []string{m.Name}
	if m.Hostname != "" && m.Hostname != m.Name {
		names = append(names, m.Hostname)
	}
	return append(names, m.Aliases...)
}

const marker = "# skiff network "

// header starts the network's section in hosts files; the network is
// named by its id, which outlives renames.
func (d Dir) header() string { return marker + filepath.Base(string(d)) + "\n" }

// WritePeers rewrites the network's section of each member's hosts file:
// one line per member. The file is rewritten in place, since it is
// bind-mounted into the container.
func (d Dir) WritePeers(live []Member) {
	var sec strings.Builder
	sec.WriteString(d.header())
	for _, m := range live {
		sec.WriteString(m.IP + "\t" + strings.Join(m.Names(), " ") + "\n")
	}
	for _, m := range live {
		data, err := os.ReadFile(m.Hosts)
		if err != nil {
			continue
		}
		_ = os.WriteFile(m.Hosts, []byte(replaceSection(string(data), d.header(), sec.String())), 0o644)
	}
}

// replaceSection swaps the block that starts with head (up to the next
// marker or the end) for sec, or appends sec.
func replaceSection(file, head, sec string) string {
	i := strings.Index(file, head)
	if i < 0 {
		if sec == "" {
			return file
		}
		if file != "" && !strings.HasSuffix(file, "\n") {
			file += "\n"
		}
		return file + sec
	}
	rest := file[i+len(head):]
	end := len(rest)
	if j := strings.Index(rest, marker); j >= 0 {
		end = j
	}
	return file[:i] + sec + rest[end:]
}
