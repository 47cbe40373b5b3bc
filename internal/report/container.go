// Package report holds the Docker-shaped documents skiff shows: inspect
// documents, list rows, statistics. The engine fills them; front ends
// render them as they are, so field names are the JSON keys and --format
// template keys users and tests already depend on.
package report

import "time"

// ContainerInspect follows Docker's `inspect` for the fields that apply.
type ContainerInspect struct {
	Id             string //nolint:revive // Docker's spelling, used in templates
	Created        time.Time
	Path           string
	Args           []string
	State          ContainerState
	Image          string
	ResolvConfPath string
	HostnamePath   string
	HostsPath      string
	LogPath        string
	Name           string
	RestartCount   int
	Driver         string
	Platform       string
	HostConfig     InspectHostConfig
	// SizeRw and SizeRootFs are set when asked for (inspect --size): the
	// bytes the container changed, and those with its image's layers.
	SizeRw          *int64 `json:",omitempty"`
	SizeRootFs      *int64 `json:",omitempty"`
	Mounts          []InspectMount
	Config          InspectConfig
	NetworkSettings InspectNetwork
}

// ContainerState is the State part of inspect.
type ContainerState struct {
	Status     string
	Running    bool
	Paused     bool
	Restarting bool
	OOMKilled  bool
	Dead       bool
	Pid        int
	// SupervisorPid is skiff's own (podman calls its ConmonPid).
	SupervisorPid int
	ExitCode      int
	Error         string
	StartedAt     string
	FinishedAt    string
}

// InspectHostConfig is the HostConfig part of inspect.
type InspectHostConfig struct {
	Binds             []string
	NetworkMode       string
	AutoRemove        bool
	CapAdd            []string
	CapDrop           []string
	Privileged        bool
	ReadonlyRootfs    bool
	SecurityOpt       []string
	Tmpfs             map[string]string
	Init              bool
	UsernsMode        string
	LogConfig         map[string]any
	PortBindings      map[string][]InspectPort
	PublishAllPorts   bool
	Dns               []string
	DnsSearch         []string
	DnsOptions        []string
	ExtraHosts        []string
	Memory            int64
	MemoryReservation int64
	MemorySwap        int64
	NanoCpus          int64
	CpuShares         int64
	CpusetCpus        string
	CpusetMems        string
	PidsLimit         int64
	BlkioWeight       uint16
	OomScoreAdj       int
	CgroupConf        map[string]string
	RestartPolicy     InspectRestartPolicy
	Ulimits           []InspectUlimit
	CgroupnsMode      string
	DeviceCgroupRules []string
}

// InspectUlimit is one ulimit, as Docker shows it (-1 is unlimited).
type InspectUlimit struct {
	Name string
	Hard int64
	Soft int64
}

// InspectRestartPolicy is the restart policy, as Docker shows it.
type InspectRestartPolicy struct {
	Name              string
	MaximumRetryCount int
}

// InspectPort is one host side of a port.
type InspectPort struct {
	HostIp   string
	HostPort string
}

// InspectMount is one mount in inspect.
type InspectMount struct {
	Type        string
	Source      string
	Destination string
	RW          bool
}

// InspectConfig is the Config part of inspect.
type InspectConfig struct {
	Hostname     string
	User         string
	Tty          bool
	OpenStdin    bool
	Env          []string
	Cmd          []string
	Image        string
	WorkingDir   string
	Entrypoint   []string
	Labels       map[string]string
	StopSignal   string
	StopTimeout  *int
	Domainname   string
	ExposedPorts map[string]struct{} `json:",omitempty"`
}

// InspectNetwork is the NetworkSettings part of inspect.
type InspectNetwork struct {
	IPAddress   string
	IPPrefixLen int
	Gateway     string
	Ports       map[string][]InspectPort
	Networks    map[string]InspectEndpoint
}

// InspectEndpoint is a container's place on one network, Docker's
// EndpointSettings: what is configured (NetworkID, Aliases, IPAMConfig)
// from creation on, the addresses while the container runs.
type InspectEndpoint struct {
	IPAMConfig          *InspectIPAMConfig
	Links               []string
	Aliases             []string
	MacAddress          string
	DriverOpts          map[string]string
	GwPriority          int
	NetworkID           string
	EndpointID          string
	Gateway             string
	IPAddress           string
	IPPrefixLen         int
	IPv6Gateway         string
	GlobalIPv6Address   string
	GlobalIPv6PrefixLen int
	DNSNames            []string
}

// InspectIPAMConfig is the address asked for on a network (--ip).
type InspectIPAMConfig struct {
	IPv4Address string `json:",omitempty"`
}

// ContainerRow is one line of the container list (`ps`); the field names
// are the --format keys.
type ContainerRow struct {
	ID         string
	Image      string
	Command    string
	CreatedAt  string
	RunningFor string
	Status     string
	State      string
	Ports      string
	Names      string
	Labels     string
	// Size is set when asked for (ps --size), as Docker writes it:
	// "12B (virtual 4.2MB)".
	Size string
}

// ContainerStats is one container's reading (`stats`), with Docker's
// field names; "--" where there is no figure.
type ContainerStats struct {
	ID, Container, Name, CPUPerc, MemUsage, MemPerc, NetIO, BlockIO, PIDs string
}

// ContainerTop is the host's ps output kept to a container's processes:
// the header line and the lines of its processes, as ps wrote them.
type ContainerTop struct {
	Header    string
	Processes []string
}

// PortBinding is a published port: the container's side (80/tcp) and the
// host address that reaches it (0.0.0.0:8080).
type PortBinding struct {
	Container string
	Host      string
}
