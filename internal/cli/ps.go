package cli

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/docker/go-units"
	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/container"
	"github.com/skiff-containers/skiff/internal/format"
	"github.com/skiff-containers/skiff/internal/imagestore"
	"github.com/skiff-containers/skiff/internal/network"
	"github.com/skiff-containers/skiff/internal/state"
)

// psRow is one line of `ps`; the field names are the --format keys.
type psRow struct {
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

func (s *session) psAction(c *cli.Context, filterSpecs []string) error {
	filters, err := container.ParseFilters(filterSpecs)
	if err != nil {
		return usagef("%v", err)
	}
	if c.IsSet("last") && c.Int("last") < 0 {
		return usagef("invalid --last %d: use a number >= 0", c.Int("last"))
	}
	var lister *format.Lister
	if !c.Bool("quiet") {
		def := "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}"
		if lister, err = format.NewLister(s.io.Out, c.String("format"), def, map[string]string{"ID": "CONTAINER ID", "RunningFor": "CREATED"}); err != nil {
			return usagef("%v", err)
		}
	}
	m, err := s.manager()
	if err != nil {
		return err
	}
	ctrs, err := m.Containers.List()
	if err != nil {
		return err
	}
	last := c.Int("last")
	if c.Bool("latest") {
		last = 1
	}
	all := c.Bool("all") || last >= 0
	shown := 0
	for _, ctr := range ctrs {
		if last >= 0 && shown >= last {
			break
		}
		st, err := ctr.State()
		if err != nil {
			return err
		}
		if !all && st.Status != container.StatusRunning && !filters.HasStatus() {
			continue
		}
		if !filters.Match(ctr, st, imageID(m.Images)) {
			continue
		}
		shown++
		if c.Bool("quiet") {
			id := ctr.ID
			if !c.Bool("no-trunc") {
				id = id[:12]
			}
			fmt.Fprintln(s.io.Out, id)
			continue
		}
		if err := lister.Row(makePsRow(ctr, st, c.Bool("no-trunc"))); err != nil {
			return usagef("%v", err)
		}
	}
	if lister != nil {
		return lister.Flush()
	}
	return nil
}

func makePsRow(ctr *container.Container, st state.State, noTrunc bool) psRow {
	id := ctr.ID
	cmd := strings.Join(ctr.Args, " ")
	if !noTrunc {
		id = id[:12]
		if len(cmd) > 20 {
			cmd = cmd[:19] + "…"
		}
	}
	var labels []string
	for k, v := range ctr.Labels {
		labels = append(labels, k+"="+v)
	}
	image := ctr.Image
	if ctr.Incomplete {
		image = ctr.ImageID[:min(12, len(ctr.ImageID))]
	}
	return psRow{
		ID:         id,
		Image:      image,
		Command:    strconv.Quote(cmd),
		CreatedAt:  ctr.Created.Local().Format("2006-01-02 15:04:05 -0700 MST"),
		RunningFor: units.HumanDuration(time.Since(ctr.Created)) + " ago",
		Status:     statusText(st),
		State:      st.Status,
		Ports:      portsText(st),
		Names:      ctr.Name,
		Labels:     strings.Join(labels, ","),
	}
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

// imageID resolves ancestor= references in the image store.
func imageID(images *imagestore.Store) container.ImageLookup {
	return func(ref string) (string, bool) {
		img, err := images.Lookup(ref)
		if err != nil {
			return "", false
		}
		return img.ID, true
	}
}
