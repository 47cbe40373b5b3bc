package integration

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// endpoint is the part of inspect's NetworkSettings.Networks entries the
// tests look at.
type endpoint struct {
	IPAMConfig  *struct{ IPv4Address string }
	Aliases     []string
	NetworkID   string
	EndpointID  string
	Gateway     string
	IPAddress   string
	IPPrefixLen int
	DNSNames    []string
}

func inspectNetworks(t *testing.T, sb *sandbox, name string) map[string]endpoint {
	t.Helper()
	out := sb.OK("inspect", "--format", "{{json .NetworkSettings.Networks}}", name).Out
	var nets map[string]endpoint
	if err := json.Unmarshal([]byte(out), &nets); err != nil {
		t.Fatalf("inspect %s: %v: %q", name, err, out)
	}
	return nets
}

func networkKeys(nets map[string]endpoint) []string {
	var keys []string
	for k := range nets {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// A container shows its networks from creation on, as Docker's: the key
// of its mode or user-defined network with what is configured; the
// addresses while it runs, and the entries without them after a stop.
func TestInspectNetworksFromCreate(t *testing.T) {
	asUserAndRoot(t, func(t *testing.T, sb *sandbox) {
		withBusybox(sb)
		sb.OK("network", "create", "--subnet", "10.97.0.0/24", "mynet")
		netID := func(name string) string {
			return strings.TrimSpace(sb.OK("network", "inspect", "-f", "{{.Id}}", name).Out)
		}
		sb.OK("create", "--name", "dflt", "bb", "sleep", "600")
		sb.OK("create", "--name", "nonet", "--network", "none", "bb", "sleep", "600")
		sb.OK("create", "--name", "hostnet", "--network", "host", "bb", "sleep", "600")
		sb.OK("create", "--name", "user", "--network", "mynet", "--network-alias", "alias1", "--ip", "10.97.0.9", "bb", "sleep", "600")
		for _, tc := range []struct{ ctr, key string }{
			{"dflt", "slirp4netns"}, {"nonet", "none"}, {"hostnet", "host"}, {"user", "mynet"},
		} {
			nets := inspectNetworks(t, sb, tc.ctr)
			ep, ok := nets[tc.key]
			if len(nets) != 1 || !ok {
				t.Errorf("created %s: networks %q, want [%s]", tc.ctr, networkKeys(nets), tc.key)
				continue
			}
			if ep.NetworkID != netID(tc.key) || ep.IPAddress != "" || ep.EndpointID != "" {
				t.Errorf("created %s: %+v, want network id %s and no address", tc.ctr, ep, netID(tc.key))
			}
		}
		if ep := inspectNetworks(t, sb, "user")["mynet"]; !slices.Equal(ep.Aliases, []string{"alias1"}) || ep.IPAMConfig == nil || ep.IPAMConfig.IPv4Address != "10.97.0.9" {
			t.Errorf("created on mynet: %+v, want alias1 and 10.97.0.9 asked for", ep)
		}

		sb.OK("start", "dflt", "user")
		if ep := inspectNetworks(t, sb, "dflt")["slirp4netns"]; ep.IPAddress != "10.0.2.100" || ep.IPPrefixLen != 24 || ep.Gateway != "10.0.2.2" || ep.EndpointID == "" {
			t.Errorf("running on the default network: %+v", ep)
		}
		ep := inspectNetworks(t, sb, "user")["mynet"]
		if ep.IPAddress != "10.97.0.9" || ep.IPPrefixLen != 24 || ep.Gateway != "10.97.0.1" || ep.EndpointID == "" ||
			!slices.Contains(ep.DNSNames, "user") || !slices.Contains(ep.DNSNames, "alias1") {
			t.Errorf("running on mynet: %+v", ep)
		}
		if out := sb.OK("network", "inspect", "-f", "{{range .Containers}}{{.Name}} {{.IPv4Address}}{{end}}", "slirp4netns").Out; out != "dflt 10.0.2.100/24\n" {
			t.Errorf("network inspect slirp4netns: %q", out)
		}

		sb.OK("stop", "-t", "0", "dflt", "user")
		for _, tc := range []struct{ ctr, key string }{{"dflt", "slirp4netns"}, {"user", "mynet"}} {
			nets := inspectNetworks(t, sb, tc.ctr)
			ep, ok := nets[tc.key]
			if len(nets) != 1 || !ok || ep.NetworkID != netID(tc.key) || ep.IPAddress != "" || ep.EndpointID != "" || ep.Gateway != "" {
				t.Errorf("stopped %s: %+v, want [%s] with its network id and no address", tc.ctr, nets, tc.key)
			}
		}
	})
}
