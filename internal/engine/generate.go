package engine

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/skiff-containers/skiff/internal/container"
	"github.com/skiff-containers/skiff/internal/unitfile"
)

// RestartValues are the RestartPolicy values GenerateSystemd takes
// (systemd's Restart= settings).
var RestartValues = unitfile.RestartValues

// SystemdOptions shape the unit GenerateSystemd writes.
type SystemdOptions struct {
	// New makes a unit that creates the container afresh at each start
	// from the command line that made it, and removes it at stop.
	New bool
	// RestartPolicy is systemd's Restart= for the unit; "" is always for
	// a container restarted always or unless stopped, else on-failure.
	RestartPolicy string
	// TakesValue says which of the front end's create flags read a
	// value, to tell them from the image in the recorded command line
	// (needed with New).
	TakesValue func(flag string) bool
}

// SystemdUnit is a generated unit.
type SystemdUnit struct {
	FileName string // container-NAME.service
	Text     string
}

// GenerateSystemd writes a systemd unit that runs the container ref on the
// engine's own store.
func (e *Engine) GenerateSystemd(ctx context.Context, ref string, o SystemdOptions) (SystemdUnit, error) {
	if o.RestartPolicy != "" && !slices.Contains(unitfile.RestartValues, o.RestartPolicy) {
		return SystemdUnit{}, Invalid("RestartPolicy", o.RestartPolicy, "use one of "+strings.Join(unitfile.RestartValues, ", "))
	}
	if err := ctx.Err(); err != nil {
		return SystemdUnit{}, err
	}
	ctr, err := e.m.Containers.Lookup(ref)
	if errors.Is(err, container.ErrNotFound) {
		return SystemdUnit{}, &NotFoundError{What: "container", Ref: ref}
	}
	if err != nil {
		return SystemdUnit{}, classify(err)
	}
	self := e.m.Self
	u := unitfile.Options{Skiff: self[0], Global: self[1:], Name: ctr.Name, StopTimeout: int(ctr.StopTimeoutOrDefault().Seconds()), New: o.New, SDNotify: ctr.SDNotify,
		Restart: unitfile.RestartFor(ctr.Host.RestartPolicy.Name)}
	if o.RestartPolicy != "" {
		u.Restart = o.RestartPolicy
	}
	if o.New {
		takes := o.TakesValue
		if takes == nil {
			takes = func(string) bool { return false }
		}
		if u.Create, err = unitfile.CreateArgs(ctr.CreateCommand, takes); err != nil {
			return SystemdUnit{}, Invalid("New", "", err.Error())
		}
	}
	return SystemdUnit{FileName: unitfile.ServiceName(ctr.Name), Text: unitfile.Generate(u)}, nil
}
