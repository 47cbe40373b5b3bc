package engine

import (
	"context"
	"fmt"

	"github.com/skiff-containers/skiff/internal/network"
	"github.com/skiff-containers/skiff/internal/report"
)

// Port lists a running container's published ports; given a port (80,
// 80/udp), only the host addresses of that one, which must be published
// (ErrNotFound otherwise).
func (e *Engine) Port(ctx context.Context, ref, port string) ([]report.PortBinding, error) {
	var want string
	if port != "" {
		ps, err := network.ParseExposed(port)
		if err != nil || len(ps) != 1 {
			return nil, Invalid("Port", port, "use PORT or PORT/PROTO")
		}
		want = ps[0].Key()
	}
	c, st, err := e.running(ref, ": its ports are published only while it runs")
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := []report.PortBinding{}
	for _, p := range network.DecodeAll(st.Ports) {
		if want == "" || p.Key() == want {
			out = append(out, report.PortBinding{Container: p.Key(), Host: p.HostAddr()})
		}
	}
	if want != "" && len(out) == 0 {
		return nil, &kindError{kinds: []error{ErrNotFound}, err: fmt.Errorf("no public port %s published for %s", want, c.Name)}
	}
	return out, nil
}
