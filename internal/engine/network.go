package engine

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/skiff-containers/skiff/internal/container"
	"github.com/skiff-containers/skiff/internal/network"
	"github.com/skiff-containers/skiff/internal/report"
)

// CreateNetworkOptions describe a user-defined network.
type CreateNetworkOptions struct {
	Name string
	// Driver is "bridge" (or "", the same).
	Driver string
	// Subnet is an IPv4 CIDR; "" picks a free 10.N.0.0/24 from 10.89.
	Subnet string
	// Gateway is an address in the subnet; "" is its first.
	Gateway  string
	Internal bool     // no access beyond the network
	Labels   []string // KEY=VALUE
}

// CreateNetwork records a network and returns its id.
func (e *Engine) CreateNetwork(ctx context.Context, o CreateNetworkOptions) (string, error) {
	if o.Driver != "" && o.Driver != "bridge" {
		return "", Invalid("Driver", o.Driver, "use bridge")
	}
	labels, err := parseLabels("Labels", o.Labels)
	if err != nil {
		return "", err
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	n, err := e.m.Networks.Create(network.CreateOptions{Name: o.Name, Subnet: o.Subnet, Gateway: o.Gateway, Internal: o.Internal, Labels: labels})
	var oe *network.OptionError
	if errors.As(err, &oe) {
		return "", Invalid(oe.Field, oe.Value, oe.Reason)
	}
	if err != nil {
		return "", classify(err)
	}
	return n.ID, nil
}

// parseLabels reads KEY=VALUE labels (a KEY alone has an empty value).
func parseLabels(field string, specs []string) (map[string]string, error) {
	if len(specs) == 0 {
		return nil, nil
	}
	out := map[string]string{}
	for _, l := range specs {
		k, v, _ := strings.Cut(l, "=")
		if k == "" {
			return nil, Invalid(field, l, "use KEY=VALUE")
		}
		out[k] = v
	}
	return out, nil
}

// network finds a network by name, id or id prefix: a predefined one
// (slirp4netns, none, host) or the user's.
func (e *Engine) network(ref string) (*network.Network, error) {
	if n := network.PredefinedNamed(ref); n != nil {
		return n, nil
	}
	n, err := e.m.Networks.Get(ref)
	if errors.Is(err, network.ErrNotFound) {
		if n := network.PredefinedRef(ref); n != nil {
			return n, nil
		}
		return nil, &NotFoundError{What: "network", Ref: ref}
	}
	return n, classify(err)
}

// Networks lists the predefined networks with the user's, by name, as
// Docker lists its bridge, host and none with the user's.
func (e *Engine) Networks(ctx context.Context) ([]report.NetworkRow, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	nets, err := e.m.Networks.List()
	if err != nil {
		return nil, classify(err)
	}
	nets = append(network.Predefined(), nets...)
	sort.SliceStable(nets, func(i, j int) bool { return nets[i].Name < nets[j].Name })
	rows := make([]report.NetworkRow, 0, len(nets))
	for _, n := range nets {
		rows = append(rows, report.NetworkRow{ID: n.ID, Name: n.Name, Driver: n.Driver, Scope: scopeLocal, Subnet: n.Subnet, Internal: n.Internal, Labels: n.Labels, Created: n.Created})
	}
	return rows, nil
}

// scopeLocal is Docker's scope of a network on one host: skiff has no
// other.
const scopeLocal = "local"

// InspectNetwork describes a network and the running containers on it.
func (e *Engine) InspectNetwork(ctx context.Context, ref string) (*report.Network, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	n, err := e.network(ref)
	if err != nil {
		return nil, err
	}
	ni := networkDoc(n)
	if network.IsPredefined(n) {
		e.modeMembers(n, ni.Containers)
		return ni, nil
	}
	// Members that cannot be read leave the list empty, as for a network
	// not in use: the network itself is still described.
	if live, err := e.m.NetworkMembers(n); err == nil {
		bits := n.Prefix().Bits()
		for _, mem := range live {
			ni.Containers[mem.Container] = report.NetworkEndpoint{Name: mem.Name, IPv4Address: fmt.Sprintf("%s/%d", mem.IP, bits), Aliases: mem.Aliases}
		}
	}
	return ni, nil
}

// networkDoc is a network's inspect document without its containers.
func networkDoc(n *network.Network) *report.Network {
	ni := &report.Network{
		Name: n.Name, Id: n.ID, Created: n.Created, Scope: scopeLocal, Driver: n.Driver, Internal: n.Internal, Labels: n.Labels,
		IPAM:       report.NetworkIPAM{Driver: "default", Config: []map[string]string{}},
		Containers: map[string]report.NetworkEndpoint{},
	}
	// Docker's none and host have no addresses: an empty Config.
	if n.Subnet != "" {
		ni.IPAM.Config = append(ni.IPAM.Config, map[string]string{"Subnet": n.Subnet, "Gateway": n.Gateway})
	}
	if ni.Labels == nil {
		ni.Labels = map[string]string{}
	}
	return ni
}

// modeMembers adds the running containers of a predefined network's mode
// to out; containers that cannot be read are left out, as above.
func (e *Engine) modeMembers(n *network.Network, out map[string]report.NetworkEndpoint) {
	ctrs, err := e.m.Containers.List()
	if err != nil {
		return
	}
	for _, c := range ctrs {
		if c.Host.NetworkMode != n.Name {
			continue
		}
		if st, err := c.State(); err != nil || st.Status != container.StatusRunning {
			continue
		}
		ep := report.NetworkEndpoint{Name: c.Name}
		if n.Name == network.ModeSlirp {
			ep.IPv4Address = network.SlirpIP + "/24"
		}
		out[c.ID] = ep
	}
}

// predefinedError refuses to change a predefined network, as Docker
// refuses to remove its bridge, host and none.
func predefinedError(n *network.Network, why string) error {
	return &kindError{kinds: []error{ErrConflict}, err: fmt.Errorf("%s is a pre-defined network: %s", n.Name, why)}
}

// RemoveNetworks removes each network that no container is on.
func (e *Engine) RemoveNetworks(ctx context.Context, refs []string) []Result {
	out := make([]Result, 0, len(refs))
	for _, ref := range refs {
		r := Result{Ref: ref}
		if r.Err = ctx.Err(); r.Err == nil {
			r.Err = e.removeNetwork(ref)
		}
		out = append(out, r)
	}
	return out
}

func (e *Engine) removeNetwork(ref string) error {
	if n, err := e.network(ref); err == nil && network.IsPredefined(n) {
		return predefinedError(n, "it cannot be removed")
	}
	err := e.m.RemoveNetwork(ref)
	if errors.Is(err, network.ErrNotFound) {
		return &NotFoundError{What: "network", Ref: ref}
	}
	return classify(err)
}

// PruneNetworks removes every network no container is on and returns
// their names.
func (e *Engine) PruneNetworks(ctx context.Context) ([]string, error) {
	nets, err := e.m.Networks.List()
	if err != nil {
		return nil, classify(err)
	}
	var removed []string
	for _, n := range nets {
		if err := ctx.Err(); err != nil {
			return removed, err
		}
		// A network in use stays; that is what prune means.
		if e.m.RemoveNetwork(n.Name) == nil {
			removed = append(removed, n.Name)
		}
	}
	return removed, nil
}

// ConnectOptions say how a container joins a network.
type ConnectOptions struct {
	Aliases []string // other names for the container on the network
	IP      string   // its IPv4 address there; "" picks one
}

// Connect puts a container on a network, at once if it runs.
func (e *Engine) Connect(ctx context.Context, net, ctr string, o ConnectOptions) error {
	c, n, err := e.networkAndContainer(ctx, net, ctr)
	if err != nil {
		return err
	}
	return classify(e.m.Connect(c, n, o.Aliases, o.IP))
}

// Disconnect takes a container off a network.
func (e *Engine) Disconnect(ctx context.Context, net, ctr string) error {
	c, n, err := e.networkAndContainer(ctx, net, ctr)
	if err != nil {
		return err
	}
	return classify(e.m.Disconnect(c, n))
}

// networkAndContainer looks up Connect's and Disconnect's targets, the
// container first.
func (e *Engine) networkAndContainer(ctx context.Context, net, ctr string) (*container.Container, *network.Network, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	c, err := e.m.Containers.Lookup(ctr)
	if errors.Is(err, container.ErrNotFound) {
		return nil, nil, &NotFoundError{What: "container", Ref: ctr}
	}
	if err != nil {
		return nil, nil, classify(err)
	}
	n, err := e.network(net)
	if err != nil {
		return nil, nil, err
	}
	if network.IsPredefined(n) {
		return nil, nil, predefinedError(n, "a container gets it with --network at create; connect and disconnect are for user-defined networks")
	}
	return c, n, nil
}
