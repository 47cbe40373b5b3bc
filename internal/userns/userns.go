// Package userns puts a rootless skiff inside a user namespace where it is
// root, so that image layers keep their owners through the user's
// subordinate id ranges.
//
// The work is done by a C constructor (enter_linux.c) before the Go runtime
// starts, in the skiff process itself: it joins the namespace of a running
// container's supervisor if there is one, so that all of a user's
// containers share one namespace, and creates a new one otherwise. This
// package reports what it did.
package userns

/*
extern int skiff_userns_state;
extern int skiff_userns_uid;
extern int skiff_userns_gid;
extern char skiff_userns_error[512];
extern char skiff_userns_warning[512];
*/
import "C"

import (
	"bufio"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"go.podman.io/storage/pkg/unshare"
)

// Mapping modes, as shown by `skiff info`.
const (
	ModeHost   = "host"   // real root: no namespace needed
	ModeSubID  = "subid"  // the user's id plus its /etc/subuid, /etc/subgid ranges
	ModeSingle = "single" // only the user's own id: files of other owners become the user's
)

// Outcomes of the constructor.
const (
	stateNone    = 0
	stateSubID   = 1
	stateSingle  = 2
	stateJoined  = 3
	stateFailure = -1
)

func init() {
	// Processes skiff starts (the supervisor, containers/storage's
	// helpers, a --rm cleanup) are root in the namespace already; these
	// tell them, and containers/storage, who the user is outside.
	if s := int(C.skiff_userns_state); s > 0 {
		os.Setenv("_CONTAINERS_USERNS_CONFIGURED", "done")
		os.Setenv("_CONTAINERS_ROOTLESS_UID", strconv.Itoa(int(C.skiff_userns_uid)))
		os.Setenv("_CONTAINERS_ROOTLESS_GID", strconv.Itoa(int(C.skiff_userns_gid)))
	}
}

// Rootless reports whether skiff runs for an unprivileged user.
func Rootless() bool { return HostUID() != 0 }

// HostUID is the caller's uid outside any namespace skiff made.
func HostUID() int {
	if uid := int(C.skiff_userns_uid); uid >= 0 {
		return uid
	}
	return unshare.GetRootlessUID()
}

// Registry is where supervisors register as holders of the namespace
// (see state.Hold); the constructor looks there for one to join.
func Registry(runRoot string) string { return filepath.Join(runRoot, "userns") }

// Enter makes sure a rootless skiff is in its namespace, reporting what the
// constructor could not do. warn gets the single-id fallback's warning.
func Enter(warn func(string)) error {
	if !Rootless() {
		return nil
	}
	switch int(C.skiff_userns_state) {
	case stateFailure:
		return errors.New(C.GoString(&C.skiff_userns_error[0]))
	case stateSingle:
		if warn != nil {
			warn(C.GoString(&C.skiff_userns_warning[0]))
		}
	case stateNone:
		if os.Geteuid() != 0 {
			return errors.New("not in skiff's user namespace: run skiff directly rather than from inside another user namespace")
		}
	}
	return nil
}

// CurrentMode reads the mode of the namespace this process is in from the
// kernel.
func CurrentMode() string {
	if !Rootless() {
		return ModeHost
	}
	n, err := countMapIDs("/proc/self/uid_map")
	if err != nil || n <= 1 {
		return ModeSingle
	}
	return ModeSubID
}

func countMapIDs(path string) (uint64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	var total uint64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) != 3 {
			continue
		}
		n, err := strconv.ParseUint(fields[2], 10, 64)
		if err != nil {
			return 0, err
		}
		total += n
	}
	return total, sc.Err()
}
