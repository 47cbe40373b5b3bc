package main

import (
	"fmt"
	"os"
	"path/filepath"
)

// guestFiles are files for the initramfs, each by its path in the guest.
type guestFiles struct {
	// programs are copied with the shared libraries ldd lists for them.
	programs map[string]string
	// files are copied as they are.
	files map[string]string
	// links are symbolic links to make, and their targets.
	links map[string]string
}

// userUnits are the systemd user units a user manager needs to reach
// default.target with a D-Bus session bus, as on a Debian host.
var userUnits = []string{
	"default.target", "basic.target", "sockets.target", "paths.target", "timers.target",
	"shutdown.target", "exit.target", "systemd-exit.service", "app.slice", "session.slice",
	"dbus.socket", "dbus.service",
}

// userManager is what the guest needs to run a systemd user manager as
// user@.service runs it (systemd --user), with the session bus it starts
// from dbus.socket: taken from the host's systemd, dbus-daemon and
// dbus-user-session packages.
func userManager() (guestFiles, error) {
	g := guestFiles{
		programs: map[string]string{},
		files:    map[string]string{"usr/share/dbus-1/session.conf": "/usr/share/dbus-1/session.conf"},
		links: map[string]string{
			// As `systemctl --global enable dbus.socket` leaves it.
			"usr/lib/systemd/user/sockets.target.wants/dbus.socket": "../dbus.socket",
			// dbus.socket names it there.
			"bin/systemctl": "/usr/bin/systemctl",
		},
	}
	for _, p := range []string{"/usr/lib/systemd/systemd", "/usr/bin/dbus-daemon", "/usr/bin/busctl", "/usr/bin/systemctl", "/usr/bin/systemd-run"} {
		g.programs[p[1:]] = p
	}
	for _, u := range userUnits {
		p := filepath.Join("/usr/lib/systemd/user", u)
		g.files[p[1:]] = p
	}
	for _, m := range []map[string]string{g.programs, g.files} {
		for _, p := range m {
			if _, err := os.Stat(p); err != nil {
				return g, fmt.Errorf("the guest's systemd user manager (apt-get install systemd dbus-user-session): %w", err)
			}
		}
	}
	return g, nil
}
