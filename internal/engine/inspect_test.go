package engine

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/skiff-containers/skiff/internal/container"
	"github.com/skiff-containers/skiff/internal/lifecycle"
	"github.com/skiff-containers/skiff/internal/network"
	"github.com/skiff-containers/skiff/internal/report"
	"github.com/skiff-containers/skiff/internal/state"
)

// Every network a container is on has its entry from creation on, with
// what is configured; addresses only while it runs. (A running member of
// a user-defined network needs its supervisor's lock: the integration
// tests cover it.)
func TestInspectNetworks(t *testing.T) {
	store := network.NewStore(t.TempDir())
	e := &Engine{m: &lifecycle.Manager{Networks: store, NetRunRoot: t.TempDir()}}
	backend, err := store.Create(network.CreateOptions{Name: "backend"})
	if err != nil {
		t.Fatal(err)
	}
	slirp, none, host := network.PredefinedNamed(network.ModeSlirp), network.PredefinedNamed(network.ModeNone), network.PredefinedNamed(network.ModeHost)
	const id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	ctr := func(mode string, nets ...container.NetAttach) *container.Container {
		c := &container.Container{}
		c.ID, c.Host.NetworkMode, c.Host.Networks = id, mode, nets
		return c
	}
	created := state.State{Status: container.StatusCreated}
	exited := state.State{Status: container.StatusExited}
	running := state.State{Status: container.StatusRunning}
	for _, tc := range []struct {
		name string
		c    *container.Container
		st   state.State
		want map[string]report.InspectEndpoint
		ip   string // NetworkSettings.IPAddress
	}{
		{"default, created", ctr(network.ModeSlirp), created, map[string]report.InspectEndpoint{"slirp4netns": {NetworkID: slirp.ID}}, ""},
		{"default, exited", ctr(network.ModeSlirp), exited, map[string]report.InspectEndpoint{"slirp4netns": {NetworkID: slirp.ID}}, ""},
		{"default, running", ctr(network.ModeSlirp), running, map[string]report.InspectEndpoint{"slirp4netns": {
			NetworkID: slirp.ID, EndpointID: endpointID(id, slirp.ID), IPAddress: "10.0.2.100", IPPrefixLen: 24, Gateway: "10.0.2.2",
		}}, "10.0.2.100"},
		{"none", ctr(network.ModeNone), created, map[string]report.InspectEndpoint{"none": {NetworkID: none.ID}}, ""},
		{"none, running", ctr(network.ModeNone), running, map[string]report.InspectEndpoint{"none": {NetworkID: none.ID, EndpointID: endpointID(id, none.ID)}}, ""},
		{"host", ctr(network.ModeHost), created, map[string]report.InspectEndpoint{"host": {NetworkID: host.ID}}, ""},
		{"another's namespace", ctr("container:" + id), created, map[string]report.InspectEndpoint{}, ""},
		{"user-defined, created", ctr("backend", container.NetAttach{Name: "backend", Aliases: []string{"db"}, IP: "10.89.0.9"}), created,
			map[string]report.InspectEndpoint{"backend": {NetworkID: backend.ID, Aliases: []string{"db"}, IPAMConfig: &report.InspectIPAMConfig{IPv4Address: "10.89.0.9"}}}, ""},
		{"user-defined, exited", ctr("backend", container.NetAttach{Name: "backend"}), exited,
			map[string]report.InspectEndpoint{"backend": {NetworkID: backend.ID}}, ""},
		{"default and connected", ctr(network.ModeSlirp, container.NetAttach{Name: "backend"}), created,
			map[string]report.InspectEndpoint{"slirp4netns": {NetworkID: slirp.ID}, "backend": {NetworkID: backend.ID}}, ""},
		{"a network since removed: by name", ctr("gone", container.NetAttach{Name: "gone"}), created,
			map[string]report.InspectEndpoint{"gone": {}}, ""},
	} {
		got := e.inspectNetwork(tc.c, tc.st)
		if !reflect.DeepEqual(got.Networks, tc.want) {
			g, _ := json.Marshal(got.Networks)
			w, _ := json.Marshal(tc.want)
			t.Errorf("%s:\n%s\nwant\n%s", tc.name, g, w)
		}
		if got.IPAddress != tc.ip {
			t.Errorf("%s: IPAddress %q, want %q", tc.name, got.IPAddress, tc.ip)
		}
	}
}
