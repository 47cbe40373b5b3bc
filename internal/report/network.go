package report

import "time"

// Network follows Docker's `network inspect`.
type Network struct {
	Name       string
	Id         string //nolint:revive // Docker's spelling
	Created    time.Time
	Scope      string
	Driver     string
	Internal   bool
	IPAM       NetworkIPAM
	Containers map[string]NetworkEndpoint
	Labels     map[string]string
}

// NetworkIPAM is the addressing part of Network.
type NetworkIPAM struct {
	Driver string
	Config []map[string]string
}

// NetworkEndpoint is a running container on the network.
type NetworkEndpoint struct {
	Name        string
	IPv4Address string
	Aliases     []string
}

// NetworkRow is a network in a list. Scope is Docker's: always "local".
type NetworkRow struct {
	ID, Name, Driver, Scope, Subnet string
	Internal                        bool
	Labels                          map[string]string
	Created                         time.Time
}
