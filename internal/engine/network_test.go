package engine

import (
	"errors"
	"reflect"
	"testing"

	"github.com/skiff-containers/skiff/internal/lifecycle"
	"github.com/skiff-containers/skiff/internal/network"
)

// The predefined networks are listed with the user's, by name, and can
// be inspected but not removed or joined.
func TestPredefinedNetworks(t *testing.T) {
	store := network.NewStore(t.TempDir())
	e := &Engine{m: &lifecycle.Manager{Networks: store, NetRunRoot: t.TempDir()}}
	for _, name := range []string{"zeta", "alpha"} {
		if _, err := store.Create(network.CreateOptions{Name: name}); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := e.Networks(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rows {
		got = append(got, r.Name+" "+r.Driver+" "+r.Scope)
	}
	want := []string{"alpha bridge local", "host host local", "none null local", "slirp4netns slirp4netns local", "zeta bridge local"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("networks %q, want %q", got, want)
	}
	for _, tc := range []struct{ ref, name string }{
		{"none", "none"},
		{network.PredefinedNamed("none").ID, "none"},
		{network.PredefinedNamed("host").ID[:12], "host"},
		{"alpha", "alpha"},
	} {
		n, err := e.network(tc.ref)
		if err != nil || n.Name != tc.name {
			t.Errorf("network %s: %+v, %v; want %s", tc.ref, n, err, tc.name)
		}
	}
	if _, err := e.network("bridge"); !errors.Is(err, ErrNotFound) {
		t.Errorf("network bridge: %v, want not found (it is a mode, not a network)", err)
	}
	for _, tc := range []struct {
		name, driver string
		ipam         []map[string]string
	}{
		{"none", "null", []map[string]string{}},
		{"host", "host", []map[string]string{}},
		{"slirp4netns", "slirp4netns", []map[string]string{{"Subnet": "10.0.2.0/24", "Gateway": "10.0.2.2"}}},
	} {
		ni := networkDoc(network.PredefinedNamed(tc.name))
		if ni.Name != tc.name || ni.Driver != tc.driver || ni.Scope != "local" || !reflect.DeepEqual(ni.IPAM.Config, tc.ipam) {
			t.Errorf("inspect %s: %+v", tc.name, ni)
		}
	}
	for _, r := range e.RemoveNetworks(t.Context(), []string{"host", "none", "slirp4netns"}) {
		if !errors.Is(r.Err, ErrConflict) {
			t.Errorf("rm %s: %v, want a conflict", r.Ref, r.Err)
		}
	}
}
