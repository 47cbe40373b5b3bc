package engine

import (
	"context"
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/docker/go-units"

	"github.com/skiff-containers/skiff/internal/container"
	"github.com/skiff-containers/skiff/internal/network"
	"github.com/skiff-containers/skiff/internal/report"
	"github.com/skiff-containers/skiff/internal/state"
)

// ListOptions choose the containers List shows.
type ListOptions struct {
	// All lists stopped containers too (default: running only).
	All bool
	// Last, if set, lists the n last created containers, in any state.
	Last *int
	// Filters must all hold.
	Filters ListFilters
	// NoTrunc keeps ids and commands whole (default: 12 characters of
	// the id, 20 of the command).
	NoTrunc bool
	// Size fills each row's Size, which takes a walk of each
	// container's read-write layer.
	Size bool
}

// ListFilters are Docker's container filters. Values given for one
// filter are alternatives; filters given together must all hold.
type ListFilters struct {
	// Status is created, running or exited; any status term lists
	// stopped containers without All.
	Status []string
	// Name is a regular expression, as in Docker and podman (^web$ picks
	// web and not web2); it also matches Docker's name with its leading
	// slash (^/web$).
	Name []string
	// Ancestor is an image: a reference, an id prefix, or a pattern
	// such as */team/*.
	Ancestor []string
	// ID is an id prefix.
	ID []string
	// Label is KEY or KEY=VALUE.
	Label []string
}

// filters are ListFilters compiled.
type filters struct {
	f     ListFilters
	names []*regexp.Regexp
}

func compileFilters(f ListFilters) (filters, error) {
	fs := filters{f: f}
	for _, v := range f.Status {
		switch v {
		case container.StatusCreated, container.StatusRunning, container.StatusExited:
		default:
			return filters{}, Invalid("Filters.Status", v, "status is created, running or exited")
		}
	}
	for _, v := range f.Name {
		re, err := regexp.Compile(v)
		if err != nil {
			return filters{}, Invalid("Filters.Name", v, fmt.Sprintf("the name is a regular expression: %v", err))
		}
		fs.names = append(fs.names, re)
	}
	return fs, nil
}

// imageLookup resolves an image reference to its image id.
type imageLookup func(ref string) (id string, ok bool)

// match tells whether the container with state st passes every filter.
func (fs filters) match(c *container.Container, st state.State, lookup imageLookup) bool {
	return anyOf(fs.f.Status, func(v string) bool { return st.Status == v }) &&
		(len(fs.names) == 0 || matchName(fs.names, c.Name)) &&
		anyOf(fs.f.ID, func(v string) bool { return strings.HasPrefix(c.ID, v) }) &&
		anyOf(fs.f.Label, func(v string) bool {
			k, val, hasVal := strings.Cut(v, "=")
			got, present := c.Labels[k]
			return present && (!hasVal || got == val)
		}) &&
		anyOf(fs.f.Ancestor, func(v string) bool { return matchAncestor(v, c, lookup) })
}

// anyOf holds when no value is given, or one of them matches.
func anyOf(values []string, match func(string) bool) bool {
	for _, v := range values {
		if match(v) {
			return true
		}
	}
	return len(values) == 0
}

func matchName(res []*regexp.Regexp, name string) bool {
	for _, re := range res {
		if re.MatchString(name) || re.MatchString("/"+name) {
			return true
		}
	}
	return false
}

func matchAncestor(v string, c *container.Container, lookup imageLookup) bool {
	if c.Image == v || strings.HasPrefix(c.ImageID, strings.TrimPrefix(v, "sha256:")) {
		return true
	}
	if id, ok := lookup(v); ok && id == c.ImageID {
		return true
	}
	ok, _ := path.Match(v, c.Image)
	return ok
}

// List lists containers, newest first.
func (e *Engine) List(ctx context.Context, o ListOptions) ([]report.ContainerRow, error) {
	fs, err := compileFilters(o.Filters)
	if err != nil {
		return nil, err
	}
	if o.Last != nil && *o.Last < 0 {
		return nil, Invalid("Last", strconv.Itoa(*o.Last), "use a number >= 0")
	}
	ctrs, err := e.m.Containers.List()
	if err != nil {
		return nil, err
	}
	all := o.All || o.Last != nil || len(o.Filters.Status) > 0
	lookup := func(ref string) (string, bool) {
		img, err := e.images.Lookup(ref)
		return img.ID, err == nil
	}
	rows := []report.ContainerRow{}
	for _, c := range ctrs {
		if o.Last != nil && len(rows) >= *o.Last {
			break
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		st, err := c.State()
		if err != nil {
			return nil, err
		}
		if !all && st.Status != container.StatusRunning {
			continue
		}
		if !fs.match(c, st, lookup) {
			continue
		}
		row := containerRow(c, st, o.NoTrunc)
		if o.Size {
			row.Size = e.sizeText(c)
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// sizeText is a container's size as Docker's ps shows it. A size that
// cannot be read (a container removed meanwhile) shows as nothing
// changed, as Docker's daemon has it, rather than failing the list.
func (e *Engine) sizeText(c *container.Container) string {
	sz, _ := e.m.Containers.Sizes(c)
	return formatSize(sz)
}

func formatSize(sz container.Sizes) string {
	rw := units.HumanSizeWithPrecision(float64(sz.Rw), 3)
	if sz.RootFs <= 0 {
		return rw
	}
	return fmt.Sprintf("%s (virtual %s)", rw, units.HumanSizeWithPrecision(float64(sz.RootFs), 3))
}

func containerRow(c *container.Container, st state.State, noTrunc bool) report.ContainerRow {
	id := c.ID
	cmd := strings.Join(c.Args, " ")
	if !noTrunc {
		id = id[:12]
		if len(cmd) > 20 {
			cmd = cmd[:19] + "…"
		}
	}
	var labels []string
	for k, v := range c.Labels {
		labels = append(labels, k+"="+v)
	}
	image := c.Image
	if c.Incomplete {
		image = c.ImageID[:min(12, len(c.ImageID))]
	}
	return report.ContainerRow{
		ID:         id,
		Image:      image,
		Command:    strconv.Quote(cmd),
		CreatedAt:  c.Created.Local().Format("2006-01-02 15:04:05 -0700 MST"),
		RunningFor: units.HumanDuration(time.Since(c.Created)) + " ago",
		Status:     statusText(st),
		State:      st.Status,
		Ports:      portsText(st),
		Names:      c.Name,
		Labels:     strings.Join(labels, ","),
	}
}

func statusText(st state.State) string {
	switch st.Status {
	case container.StatusRunning:
		return "Up " + units.HumanDuration(time.Since(st.StartedAt))
	case container.StatusExited:
		return fmt.Sprintf("Exited (%d) %s ago", st.ExitCode, units.HumanDuration(time.Since(st.FinishedAt)))
	}
	return "Created"
}

// portsText lists a running container's published ports as Docker does:
// "0.0.0.0:8080->80/tcp, 0.0.0.0:5353->53/udp".
func portsText(st state.State) string {
	var out []string
	for _, p := range network.DecodeAll(st.Ports) {
		out = append(out, p.String())
	}
	return strings.Join(out, ", ")
}
