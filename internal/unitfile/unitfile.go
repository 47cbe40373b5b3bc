// Package unitfile writes systemd units that run a container, as
// `skiff generate systemd` prints them: Type=notify with the supervisor as
// the main process (see --sdnotify), stop with the container's timeout.
package unitfile

import (
	"fmt"
	"strings"

	"github.com/skiff-containers/skiff/internal/restart"
	"github.com/skiff-containers/skiff/internal/sdnotify"
)

// Options describe the container and how the unit runs it.
type Options struct {
	Skiff       string   // skiff's absolute path
	Global      []string // global flags (--root, --runroot, ...) to pass on
	Name        string
	StopTimeout int // seconds
	// New makes a unit that creates the container afresh at each start
	// from CreateCommand (the run or create command line, after the
	// verb), and removes it at stop.
	New    bool
	Create []string
	// SDNotify is the --sdnotify of the container New creates:
	// container keeps the container's program telling READY; anything
	// else is supervisor, as a Type=notify unit needs READY from someone.
	SDNotify string
	// Restart is systemd's Restart= (default on-failure).
	Restart string
}

// RestartValues are systemd's Restart= settings.
var RestartValues = []string{"no", "on-success", "on-failure", "on-abnormal", "on-watchdog", "on-abort", "always"}

// RestartFor is the Restart= that carries a container's --restart policy
// across reboots: systemd restarts the unit, and the unit's container
// runs without a policy of its own.
func RestartFor(policy string) string {
	switch policy {
	case restart.Always, restart.UnlessStopped:
		return "always"
	}
	return "on-failure"
}

// ServiceName is the unit's file name.
func ServiceName(container string) string { return "container-" + container + ".service" }

// Generate returns the unit's text.
func Generate(o Options) string {
	skiff := quote(o.Skiff)
	for _, g := range o.Global {
		skiff += " " + quote(g)
	}
	name := quote(o.Name)
	var b strings.Builder
	fmt.Fprintf(&b, "# %s: written by skiff generate systemd.\n", ServiceName(o.Name))
	b.WriteString("[Unit]\n")
	fmt.Fprintf(&b, "Description=skiff container %s\n", o.Name)
	b.WriteString("Wants=network-online.target\nAfter=network-online.target\n\n[Service]\n")
	onExit := o.Restart
	if onExit == "" {
		onExit = RestartFor(restart.No)
	}
	fmt.Fprintf(&b, "Type=notify\nNotifyAccess=all\nRestart=%s\n", onExit)
	fmt.Fprintf(&b, "TimeoutStopSec=%d\n", o.StopTimeout+60)
	if o.New {
		b.WriteString("ExecStartPre=/bin/rm -f %t/%n.ctr-id\n")
		notify := sdnotify.ModeSupervisor
		if o.SDNotify == sdnotify.ModeContainer {
			notify = o.SDNotify
		}
		// The cidfile's %t is systemd's to expand; every other word,
		// the container's own included, is quoted.
		args := []string{"run --cidfile=%t/%n.ctr-id --replace --rm -d", quote("--sdnotify=" + notify), "--name", name}
		for _, a := range o.Create {
			args = append(args, quote(a))
		}
		fmt.Fprintf(&b, "ExecStart=%s %s\n", skiff, strings.Join(args, " "))
		fmt.Fprintf(&b, "ExecStop=%s stop -t %d %s\n", skiff, o.StopTimeout, name)
		fmt.Fprintf(&b, "ExecStopPost=-%s rm -f %s\n", skiff, name)
		b.WriteString("ExecStopPost=-/bin/rm -f %t/%n.ctr-id\n")
	} else {
		fmt.Fprintf(&b, "ExecStart=%s start %s\n", skiff, name)
		fmt.Fprintf(&b, "ExecStop=%s stop -t %d %s\n", skiff, o.StopTimeout, name)
	}
	b.WriteString("\n[Install]\nWantedBy=default.target\n")
	return b.String()
}

// quote makes an argument one word of a systemd command line, with
// systemd's own specifiers (%) and variables ($) escaped.
func quote(s string) string {
	plain := s != ""
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_./:=,@+-", r)) {
			plain = false
			break
		}
	}
	if plain {
		return s
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "%", "%%", "$", "$$", "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}

// CreateArgs takes the arguments after the run or create verb of a
// command line, without what the unit sets itself (-d, --rm, --replace,
// --name, --cidfile, --sdnotify, and --restart, which the unit's Restart=
// carries out instead) and -a, which a detached run refuses. takesValue says which flags read the
// next word; the first other word is the image, and what follows is the
// container's command, kept as it is.
func CreateArgs(cmdline []string, takesValue func(flag string) bool) ([]string, error) {
	i := 0
	for i < len(cmdline) && cmdline[i] != "run" && cmdline[i] != "create" {
		i++
	}
	if i == len(cmdline) {
		return nil, fmt.Errorf("the command line that made the container (%s) has no run or create", strings.Join(cmdline, " "))
	}
	args := cmdline[i+1:]
	var out []string
	for j := 0; j < len(args); j++ {
		a := args[j]
		if !strings.HasPrefix(a, "-") || a == "-" {
			return append(out, args[j:]...), nil // the image, then its command
		}
		if a == "--" {
			return append(out, args[j+1:]...), nil
		}
		flag, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		switch {
		case flag == "d" || flag == "detach" || flag == "rm" || flag == "replace":
			continue
		case flag == "name" || flag == "cidfile" || flag == "sdnotify" || flag == "restart" || flag == "a" || flag == "attach":
			if !hasValue {
				j++
			}
			continue
		case !strings.HasPrefix(a, "--") && strings.HasPrefix(a, "-a"):
			continue // -aSTREAM
		case !strings.HasPrefix(a, "--") && len(flag) > 1 && strings.Trim(flag, "ditP") == "":
			// Combined short booleans (-dit): keep all but -d.
			if rest := strings.ReplaceAll(flag, "d", ""); rest != "" {
				out = append(out, "-"+rest)
			}
			continue
		}
		out = append(out, a)
		if !hasValue && takesValue(flag) && j+1 < len(args) {
			j++
			out = append(out, args[j])
		}
	}
	return nil, fmt.Errorf("the command line that made the container names no image")
}
