package network

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// Docker's drivers of its predefined networks, and skiff's own.
const (
	DriverBridge = "bridge"
	DriverHost   = "host"
	DriverNull   = "null" // --network none
	DriverSlirp  = ModeSlirp
)

// predefined are the networks every skiff has, one per mode that needs no
// network of the user's, as Docker has bridge, host and none. They are
// not on disk: their ids are fixed, the same on every host.
var predefined = []Network{
	{Name: ModeHost, Driver: DriverHost},
	{Name: ModeNone, Driver: DriverNull},
	{Name: ModeSlirp, Driver: DriverSlirp, Subnet: SlirpCIDR, Gateway: SlirpGateway},
}

func init() {
	for i := range predefined {
		predefined[i].ID = predefinedID(predefined[i].Name)
	}
}

// predefinedID is a network id (64 hex digits, as Docker's) that no
// random id of a user's network is likely to share.
func predefinedID(name string) string {
	sum := sha256.Sum256([]byte("skiff predefined network " + name))
	return hex.EncodeToString(sum[:])
}

// Predefined lists the predefined networks, sorted by name.
func Predefined() []*Network {
	out := make([]*Network, 0, len(predefined))
	for i := range predefined {
		n := predefined[i]
		out = append(out, &n)
	}
	return out
}

// PredefinedNamed is the predefined network of a mode (ModeSlirp,
// ModeNone, ModeHost), or nil.
func PredefinedNamed(name string) *Network {
	for i := range predefined {
		if predefined[i].Name == name {
			n := predefined[i]
			return &n
		}
	}
	return nil
}

// PredefinedRef is the predefined network that ref names: its name, its
// id, or a prefix of its id of three or more digits; nil if none.
func PredefinedRef(ref string) *Network {
	if n := PredefinedNamed(ref); n != nil {
		return n
	}
	for i := range predefined {
		if len(ref) >= 3 && strings.HasPrefix(predefined[i].ID, ref) {
			n := predefined[i]
			return &n
		}
	}
	return nil
}

// IsPredefined says whether n is one of the predefined networks.
func IsPredefined(n *Network) bool {
	p := PredefinedNamed(n.Name)
	return p != nil && p.ID == n.ID
}
