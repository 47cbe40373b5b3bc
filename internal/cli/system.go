package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/buildinfo"
	"github.com/skiff-containers/skiff/internal/engine"
	"github.com/skiff-containers/skiff/internal/format"
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

func (s *session) infoAction(c *cli.Context) error {
	spec := c.String("format")
	e, err := s.engineFor(spec)
	if err != nil {
		return err
	}
	info, err := e.Info(s.ctx)
	if err != nil {
		return err
	}
	if spec != "" {
		return format.Object(s.io.Out, spec, info)
	}
	w := s.io.Out
	fmt.Fprintf(w, "host:\n  arch: %s\n  os: %s\n  kernel: %s\n  cpus: %d\n  rootless: %t\n  idMapping: %s\n  uidMap: %s\n  cgroupVersion: %s\n",
		info.Host.Arch, info.Host.OS, info.Host.Kernel, info.Host.CPUs, info.Host.Rootless, info.Host.IDMapping, info.Host.UIDMap, info.Host.CgroupVersion)
	fmt.Fprintf(w, "store:\n  graphRoot: %s\n  runRoot: %s\n  configFile: %s\n  graphDriverName: %s\n  imageCount: %d\n",
		info.Store.GraphRoot, info.Store.RunRoot, info.Store.ConfigFile, info.Store.Driver, info.Store.Images)
	for _, kv := range info.Store.DriverStatusOrder {
		fmt.Fprintf(w, "  %s: %s\n", kv[0], kv[1])
	}
	return nil
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
	p, err := engine.EnterUserNamespace(s.engineOptions())
	if err != nil {
		return s.usage(err)
	}
	env := append(os.Environ(), "SKIFF_GRAPHROOT="+p.GraphRoot, "SKIFF_RUNROOT="+p.RunRoot)
	if err := syscall.Exec(path, args, env); err != nil {
		return &ExitError{Code: ExitCannotRun, Err: fmt.Errorf("%s: %w", args[0], err)}
	}
	return nil
}

// VersionInfo is what `skiff version` says about skiff.
type VersionInfo struct {
	Version   string `json:"Version"`
	GitCommit string `json:"GitCommit"`
	GoVersion string `json:"GoVersion"`
	Os        string `json:"Os"`
	Arch      string `json:"Arch"`
}

// versionDoc is the document --format sees: Docker's and podman's shape,
// {"Client": {...}} (skiff has no server), so {{.Client.Version}} works.
// The client's fields are promoted too, for templates written for skiff's
// earlier flat document ({{.Version}}); JSON shows Client alone.
type versionDoc struct {
	VersionInfo
	Client VersionInfo
}

func (d versionDoc) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct{ Client VersionInfo }{d.Client})
}

func currentVersion() VersionInfo {
	return VersionInfo{Version: buildinfo.Version, GitCommit: buildinfo.Commit, GoVersion: runtime.Version(), Os: runtime.GOOS, Arch: runtime.GOARCH}
}

func (s *session) versionAction(c *cli.Context) error {
	v := currentVersion()
	if spec := c.String("format"); spec != "" {
		if err := format.Object(s.io.Out, spec, versionDoc{VersionInfo: v, Client: v}); err != nil {
			return usagef("%v", err)
		}
		return nil
	}
	fmt.Fprintf(s.io.Out, "Version:     %s\nGit commit:  %s\nGo version:  %s\nOS/Arch:     %s/%s\n", v.Version, v.GitCommit, v.GoVersion, v.Os, v.Arch)
	return nil
}
