package report

// Info is `skiff info` output.
type Info struct {
	Host  HostInfo  `json:"host"`
	Store StoreInfo `json:"store"`
}

// HostInfo describes the machine and the user's namespace set-up.
type HostInfo struct {
	Arch          string `json:"arch"`
	OS            string `json:"os"`
	Kernel        string `json:"kernel"`
	Rootless      bool   `json:"rootless"`
	IDMapping     string `json:"idMapping"`
	UIDMap        string `json:"uidMap"`
	CgroupVersion string `json:"cgroupVersion"`
	CPUs          int    `json:"cpus"`
}

// StoreInfo describes the image store.
type StoreInfo struct {
	GraphRoot    string            `json:"graphRoot"`
	RunRoot      string            `json:"runRoot"`
	ConfigFile   string            `json:"configFile"`
	Driver       string            `json:"graphDriverName"`
	DriverStatus map[string]string `json:"graphStatus"`
	// DriverStatusOrder is DriverStatus in the driver's order, for text
	// output.
	DriverStatusOrder [][2]string `json:"-"`
	Images            int         `json:"imageCount"`
}
