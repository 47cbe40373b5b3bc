package bridge

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/skiff-containers/skiff/internal/network/members"
)

func TestAllocate(t *testing.T) {
	p := netip.MustParsePrefix("10.89.0.0/29") // .1-.6 usable, .7 broadcast
	live := []members.Member{{Container: "a", IP: "10.89.0.2"}, {Container: "b", IP: "10.89.0.3"}}
	tests := []struct {
		name, want, wantErr, self, req string
		live                           []members.Member
	}{
		{name: "lowest free after the gateway", live: live, self: "z", want: "10.89.0.4"},
		{name: "own address is free for itself", live: live, self: "a", want: "10.89.0.2"},
		{name: "requested", live: live, req: "10.89.0.6", want: "10.89.0.6"},
		{name: "requested in use", live: live, req: "10.89.0.3", wantErr: "in use"},
		{name: "requested gateway", req: "10.89.0.1", wantErr: "in use"},
		{name: "requested outside", req: "10.90.0.5", wantErr: "not a host address"},
		{name: "full", self: "z", live: []members.Member{{Container: "a", IP: "10.89.0.2"}, {Container: "b", IP: "10.89.0.3"}, {Container: "c", IP: "10.89.0.4"}, {Container: "d", IP: "10.89.0.5"}, {Container: "e", IP: "10.89.0.6"}}, wantErr: "no free address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := allocate(p, "10.89.0.1", tt.req, tt.live, tt.self)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, %v; want error %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got.String() != tt.want {
				t.Fatalf("got %v, %v; want %s", got, err, tt.want)
			}
		})
	}
	if l := lastAddr(netip.MustParsePrefix("10.89.0.0/24")); l.String() != "10.89.0.255" {
		t.Errorf("lastAddr: %s", l)
	}
}
