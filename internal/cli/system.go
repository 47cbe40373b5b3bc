package cli

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"syscall"

	"github.com/urfave/cli/v2"
	"golang.org/x/sys/unix"

	"github.com/skiff-containers/skiff/internal/buildinfo"
	"github.com/skiff-containers/skiff/internal/cgroup"
	"github.com/skiff-containers/skiff/internal/format"
	"github.com/skiff-containers/skiff/internal/userns"
)

func (s *session) systemCommands() []*cli.Command {
	return []*cli.Command{
		{
			Name:   "info",
			Usage:  "show how skiff is set up on this host",
			Flags:  []cli.Flag{&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Usage: "Go template or 'json'"}},
			Action: s.infoAction,
		},
		{
			Name:            "unshare",
			Usage:           "run a command in skiff's user namespace, where files of a rootless store can be read and removed",
			ArgsUsage:       "[COMMAND [ARG...]]",
			SkipFlagParsing: true,
			Action:          s.unshareAction,
		},
		{
			Name:   "version",
			Usage:  "show version information",
			Flags:  []cli.Flag{&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Usage: "Go template or 'json'"}},
			Action: s.versionAction,
		},
	}
}

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
	Images       int               `json:"imageCount"`
}

func (s *session) infoAction(c *cli.Context) error {
	spec := c.String("format")
	if spec != "" && spec != "json" {
		if _, err := format.Parse(spec); err != nil {
			return usagef("%v", err)
		}
	}
	p, err := s.paths()
	if err != nil {
		return err
	}
	store, err := s.openStore()
	if err != nil {
		return err
	}
	imgs, err := store.Images()
	if err != nil {
		return err
	}
	var uts unix.Utsname
	_ = unix.Uname(&uts)
	uidMap, _ := os.ReadFile("/proc/self/uid_map")
	info := Info{
		Host: HostInfo{
			Arch:          runtime.GOARCH,
			OS:            runtime.GOOS,
			Kernel:        unix.ByteSliceToString(uts.Release[:]),
			Rootless:      userns.Rootless(),
			IDMapping:     userns.CurrentMode(),
			UIDMap:        strings.Join(strings.Fields(string(uidMap)), " "),
			CgroupVersion: cgroupVersion(),
			CPUs:          runtime.NumCPU(),
		},
		Store: StoreInfo{
			GraphRoot:    store.GraphRoot(),
			RunRoot:      p.RunRoot,
			ConfigFile:   p.ConfigFile,
			Driver:       store.Driver(),
			DriverStatus: map[string]string{},
			Images:       len(imgs),
		},
	}
	for _, kv := range store.Status() {
		info.Store.DriverStatus[kv[0]] = kv[1]
	}
	if spec != "" {
		return format.Object(s.io.Out, spec, info)
	}
	w := s.io.Out
	fmt.Fprintf(w, "host:\n  arch: %s\n  os: %s\n  kernel: %s\n  cpus: %d\n  rootless: %t\n  idMapping: %s\n  uidMap: %s\n  cgroupVersion: %s\n",
		info.Host.Arch, info.Host.OS, info.Host.Kernel, info.Host.CPUs, info.Host.Rootless, info.Host.IDMapping, info.Host.UIDMap, info.Host.CgroupVersion)
	fmt.Fprintf(w, "store:\n  graphRoot: %s\n  runRoot: %s\n  configFile: %s\n  graphDriverName: %s\n  imageCount: %d\n",
		info.Store.GraphRoot, info.Store.RunRoot, info.Store.ConfigFile, info.Store.Driver, info.Store.Images)
	for _, kv := range store.Status() {
		fmt.Fprintf(w, "  %s: %s\n", kv[0], kv[1])
	}
	return nil
}

// cgroupVersion tells v2 (unified), hybrid, or v1 hosts apart.
func cgroupVersion() string {
	if cgroup.Unified() {
		return "v2"
	}
	var st unix.Statfs_t
	if unix.Statfs("/sys/fs/cgroup/unified", &st) == nil && st.Type == unix.CGROUP2_SUPER_MAGIC {
		return "hybrid"
	}
	return "v1"
}

func (s *session) unshareAction(c *cli.Context) error {
	args := c.Args().Slice()
	if len(args) == 0 {
		sh := os.Getenv("SHELL")
		if sh == "" {
			sh = "/bin/sh"
		}
		args = []string{sh}
	}
	path, err := exec.LookPath(args[0])
	if err != nil {
		return &ExitError{Code: ExitNotFound, Err: fmt.Errorf("%s: command not found", args[0])}
	}
	if err := userns.Enter(func(msg string) { s.warnf("%s", msg) }); err != nil {
		return err
	}
	p, err := s.paths()
	if err != nil {
		return err
	}
	env := append(os.Environ(), "SKIFF_GRAPHROOT="+p.GraphRoot, "SKIFF_RUNROOT="+p.RunRoot)
	if err := syscall.Exec(path, args, env); err != nil {
		return &ExitError{Code: ExitCannotRun, Err: fmt.Errorf("%s: %w", args[0], err)}
	}
	return nil
}

// VersionInfo is `skiff version` output.
type VersionInfo struct {
	Version   string `json:"Version"`
	GitCommit string `json:"GitCommit"`
	GoVersion string `json:"GoVersion"`
	Os        string `json:"Os"`
	Arch      string `json:"Arch"`
}

func (s *session) versionAction(c *cli.Context) error {
	v := VersionInfo{Version: buildinfo.Version, GitCommit: buildinfo.Commit, GoVersion: runtime.Version(), Os: runtime.GOOS, Arch: runtime.GOARCH}
	if spec := c.String("format"); spec != "" {
		if err := format.Object(s.io.Out, spec, v); err != nil {
			return usagef("%v", err)
		}
		return nil
	}
	fmt.Fprintf(s.io.Out, "Version:     %s\nGit commit:  %s\nGo version:  %s\nOS/Arch:     %s/%s\n", v.Version, v.GitCommit, v.GoVersion, v.Os, v.Arch)
	return nil
}
