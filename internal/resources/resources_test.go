package resources

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		f       Flags
		check   func(Limits) bool
		wantErr string
	}{
		{name: "none", check: func(l Limits) bool { return !l.Set() }},
		{name: "memory", f: Flags{Memory: "64m", MemoryReservation: "32m"}, check: func(l Limits) bool { return l.Memory == 64<<20 && l.MemoryReservation == 32<<20 }},
		{name: "unlimited swap", f: Flags{Memory: "1g", MemorySwap: "-1"}, check: func(l Limits) bool { return l.MemorySwap == -1 }},
		{name: "cpus", f: Flags{CPUs: "1.5", CPUShares: "512", CpusetCpus: "0-1,3"}, check: func(l Limits) bool { return l.CPUs == 1.5 && l.CPUShares == 512 }},
		{name: "pids", f: Flags{PidsLimit: "-1"}, check: func(l Limits) bool { return l.PidsLimit == -1 }},
		{name: "blkio", f: Flags{BlkioWeight: "500"}, check: func(l Limits) bool { return l.BlkioWeight == 500 }},
		{name: "bad memory", f: Flags{Memory: "x"}, wantErr: "invalid --memory"},
		{name: "tiny memory", f: Flags{Memory: "1m"}, wantErr: "minimum is 6m"},
		{name: "swap alone", f: Flags{MemorySwap: "1g"}, wantErr: "needs --memory"},
		{name: "swap below memory", f: Flags{Memory: "1g", MemorySwap: "1m"}, wantErr: "at least --memory"},
		{name: "zeros are no limits", f: Flags{Memory: "0", MemoryReservation: "0", MemorySwap: "0", CPUs: "0", CPUShares: "0", PidsLimit: "0", BlkioWeight: "0"},
			check: func(l Limits) bool { return !l.Set() }},
		{name: "zero memory with units", f: Flags{Memory: "0m", MemorySwap: "0b"}, check: func(l Limits) bool { return !l.Set() }},
		{name: "zero memory with swap", f: Flags{Memory: "0", MemorySwap: "1g"}, wantErr: "needs --memory"},
		{name: "negative memory", f: Flags{Memory: "-1"}, wantErr: "invalid --memory"},
		{name: "negative cpus", f: Flags{CPUs: "-0.5"}, wantErr: "invalid --cpus"},
		{name: "cpu shares under the minimum", f: Flags{CPUShares: "1"}, wantErr: "invalid --cpu-shares"},
		{name: "blkio under the minimum", f: Flags{BlkioWeight: "5"}, wantErr: "invalid --blkio-weight"},
		{name: "NaN cpus", f: Flags{CPUs: "NaN"}, wantErr: "invalid --cpus"},
		{name: "cpuset", f: Flags{CpusetMems: "a"}, wantErr: "invalid --cpuset-mems"},
		{name: "pids under -1", f: Flags{PidsLimit: "-2"}, wantErr: "invalid --pids-limit"},
		{name: "blkio range", f: Flags{BlkioWeight: "1001"}, wantErr: "invalid --blkio-weight"},
		{name: "rate", f: Flags{DeviceReadBps: []string{"/dev/sda"}}, wantErr: "DEVICE:RATE"},
		{name: "cgroup-conf", f: Flags{CgroupConf: []string{"memory.high=50331648", "hugetlb.2MB.max=0"}}, check: func(l Limits) bool {
			return l.CgroupConf["memory.high"] == "50331648" && l.CgroupConf["hugetlb.2MB.max"] == "0"
		}},
		{name: "cgroup-conf core file", f: Flags{CgroupConf: []string{"cgroup.procs=1"}}, wantErr: "invalid --cgroup-conf"},
		{name: "cgroup-conf path", f: Flags{CgroupConf: []string{"../memory.max=1"}}, wantErr: "invalid --cgroup-conf"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := Parse(tt.f)
			checkLimits(t, l, err, tt.wantErr, tt.check)
		})
	}
}

func TestSpec(t *testing.T) {
	l := Limits{Memory: 64 << 20, CPUs: 0.5, CPUShares: 512, PidsLimit: 20, BlkioWeight: 300}
	r, err := l.Spec()
	if err != nil {
		t.Fatal(err)
	}
	if *r.Memory.Limit != 64<<20 || *r.Memory.Swap != 128<<20 {
		t.Errorf("memory: %d, swap %d (Docker's default: twice the memory)", *r.Memory.Limit, *r.Memory.Swap)
	}
	if *r.CPU.Quota != 50000 || *r.CPU.Period != 100000 || *r.CPU.Shares != 512 {
		t.Errorf("cpu: %+v", r.CPU)
	}
	if *r.Pids.Limit != 20 || *r.BlockIO.Weight != 300 {
		t.Errorf("pids %d, blkio %d", *r.Pids.Limit, *r.BlockIO.Weight)
	}
	if got := strings.Join(l.Names(), ","); got != "--memory,--cpus,--cpu-shares,--pids-limit,--blkio-weight" {
		t.Errorf("Names: %s", got)
	}
}

// Device rates take the device's numbers as Docker does, from a
// character device too; what is no device is refused.
func TestSpecDevices(t *testing.T) {
	file := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path         string
		major, minor int64
		wantErr      string
	}{
		{path: "/dev/null", major: 1, minor: 3},
		{path: "/dev/zero", major: 1, minor: 5},
		{path: file, wantErr: "is not a device"},
		{path: "/dev/skiff-none", wantErr: "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			r, err := (Limits{DeviceReadBps: []Rate{{Path: tt.path, Rate: 1 << 20}}, DeviceWriteBps: []Rate{{Path: tt.path, Rate: 1}}}).Spec()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			rd, wr := r.BlockIO.ThrottleReadBpsDevice, r.BlockIO.ThrottleWriteBpsDevice
			if len(rd) != 1 || rd[0].Major != tt.major || rd[0].Minor != tt.minor || rd[0].Rate != 1<<20 || len(wr) != 1 || wr[0].Minor != tt.minor {
				t.Errorf("read %+v write %+v, want %d:%d", rd, wr, tt.major, tt.minor)
			}
		})
	}
}

// The kernel throttles only the numbers of its block devices: rates for
// others are dropped, and named.
func TestWithoutUnknownDevices(t *testing.T) {
	sys := t.TempDir()
	if err := os.WriteFile(filepath.Join(sys, "1:3"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	l := Limits{Memory: 64 << 20, DeviceReadBps: []Rate{{Path: "/dev/null", Rate: 1}, {Path: "/dev/zero", Rate: 1}},
		DeviceWriteBps: []Rate{{Path: "/dev/zero", Rate: 1}, {Path: "/dev/skiff-none", Rate: 1}}}
	tests := []struct {
		name, sys, dropped, read, write string
	}{
		{name: "listed or not", sys: sys, dropped: "--device-read-bps /dev/zero (1:5),--device-write-bps /dev/zero (1:5)",
			read: "/dev/null", write: "/dev/skiff-none"},
		{name: "no list", sys: filepath.Join(sys, "none"), read: "/dev/null,/dev/zero", write: "/dev/zero,/dev/skiff-none"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old := sysBlock
			sysBlock = tt.sys
			defer func() { sysBlock = old }()
			kept, dropped := l.WithoutUnknownDevices()
			paths := func(rs []Rate) string {
				var p []string
				for _, r := range rs {
					p = append(p, r.Path)
				}
				return strings.Join(p, ",")
			}
			if got := strings.Join(dropped, ","); got != tt.dropped {
				t.Errorf("dropped %q, want %q", got, tt.dropped)
			}
			if paths(kept.DeviceReadBps) != tt.read || paths(kept.DeviceWriteBps) != tt.write || kept.Memory != l.Memory {
				t.Errorf("kept %+v", kept)
			}
		})
	}
}

func TestWithout(t *testing.T) {
	all := Limits{Memory: 64 << 20, MemoryReservation: 32 << 20, CPUs: 1, CPUShares: 512, CpusetCpus: "0",
		PidsLimit: 20, BlkioWeight: 300, DeviceReadBps: []Rate{{Path: "/dev/sda", Rate: 1}}}
	tests := []struct {
		name      string
		available map[string]bool
		dropped   string
		kept      string
	}{
		{name: "every controller", available: nil, kept: "--memory,--memory-reservation,--cpus,--cpu-shares,--cpuset-cpus,--pids-limit,--blkio-weight,--device-read-bps"},
		{name: "systemd's default delegation", available: map[string]bool{"memory": true, "pids": true},
			dropped: "--cpus,--cpu-shares,--cpuset-cpus,--blkio-weight,--device-read-bps", kept: "--memory,--memory-reservation,--pids-limit"},
		{name: "none", available: map[string]bool{}, dropped: strings.Join(all.Names(), ",")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kept, dropped := all.Without(tt.available)
			if got := strings.Join(dropped, ","); got != tt.dropped {
				t.Errorf("dropped %s, want %s", got, tt.dropped)
			}
			if got := strings.Join(kept.Names(), ","); got != tt.kept {
				t.Errorf("kept %s, want %s", got, tt.kept)
			}
		})
	}
}

func TestMerge(t *testing.T) {
	old := Limits{Memory: 64 << 20, PidsLimit: 20, CPUs: 1}
	tests := []struct {
		name    string
		f       Flags
		check   func(Limits) bool
		wantErr string
		from    *Limits // nil: old
	}{
		{name: "only what is given", f: Flags{PidsLimit: "50"}, check: func(l Limits) bool { return l.PidsLimit == 50 && l.Memory == 64<<20 && l.CPUs == 1 }},
		{name: "memory and swap", f: Flags{Memory: "128m", MemorySwap: "256m"}, check: func(l Limits) bool { return l.Memory == 128<<20 && l.MemorySwap == 256<<20 }},
		{name: "swap checked against the memory kept", f: Flags{MemorySwap: "32m"}, wantErr: "at least --memory"},
		{name: "bad value", f: Flags{CPUs: "x"}, wantErr: "invalid --cpus"},
		{name: "reservation over the memory kept", f: Flags{MemoryReservation: "1g"}, wantErr: "must not exceed"},
		{name: "memory under the reservation kept", f: Flags{Memory: "8m"}, wantErr: "must not exceed", from: &Limits{Memory: 64 << 20, MemoryReservation: 32 << 20}},
		{name: "memory over the swap kept", f: Flags{Memory: "1g"}, wantErr: "at least --memory", from: &Limits{Memory: 64 << 20, MemorySwap: 128 << 20}},
		// As Docker's update: zero is not given.
		{name: "zeros keep the limits", f: Flags{Memory: "0", MemorySwap: "0", MemoryReservation: "0", CPUs: "0", CPUShares: "0", BlkioWeight: "0"},
			from: &Limits{Memory: 64 << 20, MemorySwap: 128 << 20, MemoryReservation: 32 << 20, CPUs: 1, CPUShares: 512, BlkioWeight: 300},
			check: func(l Limits) bool {
				return l.Memory == 64<<20 && l.MemorySwap == 128<<20 && l.MemoryReservation == 32<<20 && l.CPUs == 1 && l.CPUShares == 512 && l.BlkioWeight == 300
			}},
		{name: "zero pids lifts the limit", f: Flags{PidsLimit: "0"}, check: func(l Limits) bool { return l.PidsLimit == -1 && l.Memory == 64<<20 }},
		{name: "-1 pids lifts the limit", f: Flags{PidsLimit: "-1"}, check: func(l Limits) bool { return l.PidsLimit == -1 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			from := old
			if tt.from != nil {
				from = *tt.from
			}
			l, err := Merge(from, tt.f)
			checkLimits(t, l, err, tt.wantErr, tt.check)
		})
	}
	if _, err := Merge(Limits{}, Flags{MemorySwap: "1g"}); err == nil {
		t.Error("swap without memory merged")
	}
}

func checkLimits(t *testing.T, l Limits, err error, wantErr string, check func(Limits) bool) {
	t.Helper()
	if wantErr != "" {
		if err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Fatalf("got %+v, %v; want error %q", l, err, wantErr)
		}
		return
	}
	if err != nil || !check(l) {
		t.Fatalf("got %+v, %v", l, err)
	}
}
