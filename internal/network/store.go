package network

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/skiff-containers/skiff/internal/names"
	"github.com/skiff-containers/skiff/internal/state"
)

// ErrNotFound is a network that does not exist.
var ErrNotFound = errors.New("no such network")

// Network is a user-defined network: configuration on disk only. What it
// needs at run time (a bridge in a namespace of its own) exists while a
// container on it runs.
type Network struct {
	Name     string            `json:"name"`
	ID       string            `json:"id"`
	Driver   string            `json:"driver"`
	Subnet   string            `json:"subnet"`
	Gateway  string            `json:"gateway"`
	Internal bool              `json:"internal"`
	Labels   map[string]string `json:"labels,omitempty"`
	Created  time.Time         `json:"created"`
}

// Prefix is the network's subnet.
func (n *Network) Prefix() netip.Prefix { return netip.MustParsePrefix(n.Subnet) }

// Reserved are names that are modes, not networks.
var reserved = map[string]bool{"none": true, "host": true, "bridge": true, "default": true, "private": true, ModeSlirp: true}

// Store keeps network configurations in one directory, one file each.
type Store struct{ dir string }

// NewStore opens the store in dir (created on first write).
func NewStore(dir string) *Store { return &Store{dir: dir} }

func (s *Store) lock() (func(), error) {
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return nil, err
	}
	f, err := state.Flock(filepath.Join(s.dir, ".lock"))
	if err != nil {
		return nil, err
	}
	return func() { f.Close() }, nil
}

// OptionError is a field of CreateOptions whose value cannot be used.
type OptionError struct {
	Field, Value, Reason string // Field as named in CreateOptions
}

func (e *OptionError) Error() string {
	if e.Value == "" {
		return fmt.Sprintf("invalid %s: %s", strings.ToLower(e.Field), e.Reason)
	}
	return fmt.Sprintf("invalid %s %q: %s", strings.ToLower(e.Field), e.Value, e.Reason)
}

// CreateOptions for Create.
type CreateOptions struct {
	Name     string
	Subnet   string // "" picks a free 10.89.N.0/24
	Gateway  string // "" is the subnet's first address
	Internal bool
	Labels   map[string]string
}

// Create records a network. Names are unique, subnets may not overlap
// each other or the default network's.
func (s *Store) Create(o CreateOptions) (*Network, error) {
	if !names.Valid(o.Name) || reserved[o.Name] || strings.HasPrefix(o.Name, ModeContainer) {
		return nil, &OptionError{"Name", o.Name, "use letters, digits, '_', '.', '-', and not none, host, bridge or slirp4netns"}
	}
	unlock, err := s.lock()
	if err != nil {
		return nil, err
	}
	defer unlock()
	nets, err := s.list()
	if err != nil {
		return nil, err
	}
	taken := []netip.Prefix{netip.MustParsePrefix(SlirpCIDR)}
	for _, n := range nets {
		if n.Name == o.Name {
			return nil, fmt.Errorf("network %s already exists", o.Name)
		}
		taken = append(taken, n.Prefix())
	}
	var subnet netip.Prefix
	if o.Subnet != "" {
		p, err := netip.ParsePrefix(o.Subnet)
		if err != nil || !p.Addr().Is4() || p.Bits() > 30 {
			return nil, &OptionError{"Subnet", o.Subnet, "use an IPv4 CIDR such as 10.90.0.0/24 (at most /30)"}
		}
		subnet = p.Masked()
		for i, t := range taken {
			if t.Overlaps(subnet) {
				owner := "the default network"
				if i > 0 {
					owner = "network " + nets[i-1].Name
				}
				return nil, &OptionError{"Subnet", o.Subnet, fmt.Sprintf("%s overlaps %s (%s): choose another", subnet, owner, t)}
			}
		}
	} else {
		for i := 89; i < 256 && !subnet.IsValid(); i++ {
			cand := netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i), 0, 0}), 24)
			free := true
			for _, t := range taken {
				if t.Overlaps(cand) {
					free = false
				}
			}
			if free {
				subnet = cand
			}
		}
		if !subnet.IsValid() {
			return nil, &OptionError{"Subnet", "", "no free subnet in 10.89.0.0-10.255.0.0: give one"}
		}
	}
	gw := subnet.Addr().Next()
	if o.Gateway != "" {
		g, err := netip.ParseAddr(o.Gateway)
		if err != nil || !subnet.Contains(g) {
			return nil, &OptionError{"Gateway", o.Gateway, "give an address in " + subnet.String()}
		}
		gw = g
	}
	id := make([]byte, 32)
	_, _ = rand.Read(id)
	n := &Network{Name: o.Name, ID: hex.EncodeToString(id), Driver: DriverBridge, Subnet: subnet.String(), Gateway: gw.String(),
		Internal: o.Internal, Labels: o.Labels, Created: time.Now().UTC()}
	data, err := json.MarshalIndent(n, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := state.WriteFileAtomic(filepath.Join(s.dir, n.Name+".json"), data, 0o600); err != nil {
		return nil, fmt.Errorf("write network %s: %w", n.Name, err)
	}
	return n, nil
}

// List returns every network, sorted by name.
func (s *Store) List() ([]*Network, error) { return s.list() }

func (s *Store) list() ([]*Network, error) {
	ents, err := os.ReadDir(s.dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []*Network
	for _, e := range ents {
		if !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		n, err := s.read(filepath.Join(s.dir, e.Name()))
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func (s *Store) read(path string) (*Network, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var n Network
	if err := json.Unmarshal(data, &n); err != nil {
		return nil, fmt.Errorf("read network %s: %w", path, err)
	}
	return &n, nil
}

// Get finds a network by name, full id or unique id prefix.
func (s *Store) Get(ref string) (*Network, error) {
	nets, err := s.list()
	if err != nil {
		return nil, err
	}
	var found *Network
	for _, n := range nets {
		if n.Name == ref || n.ID == ref {
			return n, nil
		}
		if len(ref) >= 3 && strings.HasPrefix(n.ID, ref) {
			if found != nil {
				return nil, fmt.Errorf("network id prefix %s is ambiguous", ref)
			}
			found = n
		}
	}
	if found == nil {
		return nil, fmt.Errorf("%s: %w", ref, ErrNotFound)
	}
	return found, nil
}

// Remove deletes a network's configuration; inUse says whether containers
// still use it, under the store's lock.
func (s *Store) Remove(name string, inUse func(*Network) error) (*Network, error) {
	unlock, err := s.lock()
	if err != nil {
		return nil, err
	}
	defer unlock()
	n, err := s.Get(name)
	if err != nil {
		return nil, err
	}
	if err := inUse(n); err != nil {
		return nil, err
	}
	if err := os.Remove(filepath.Join(s.dir, n.Name+".json")); err != nil {
		return nil, err
	}
	return n, state.SyncDir(s.dir)
}
