package container

import "fmt"

// Sizes are a container's disk use as Docker reports it: Rw is what the
// container changed (its read-write layer), RootFs that and every layer of
// its image below.
type Sizes struct {
	Rw, RootFs int64
}

// Sizes measures the container's read-write layer against its parent
// (overlay: the upper directory, without mounting anything) and adds the
// image's layers, walked from the container's own so that a record whose
// image went away still adds up.
func (cs *Store) Sizes(c *Container) (Sizes, error) {
	rw, err := cs.s.DiffSize("", c.LayerID)
	if err != nil {
		return Sizes{}, fmt.Errorf("size of %s: %w", c.Name, err)
	}
	sz := Sizes{Rw: rw, RootFs: rw}
	l, err := cs.s.Layer(c.LayerID)
	if err != nil {
		return Sizes{}, fmt.Errorf("size of %s: %w", c.Name, err)
	}
	for parent := l.Parent; parent != ""; parent = l.Parent {
		if l, err = cs.s.Layer(parent); err != nil {
			return Sizes{}, fmt.Errorf("size of %s: layer %s: %w", c.Name, parent, err)
		}
		n := l.UncompressedSize
		if n <= 0 {
			if n, err = cs.s.DiffSize("", l.ID); err != nil {
				return Sizes{}, fmt.Errorf("size of %s: layer %s: %w", c.Name, l.ID, err)
			}
		}
		sz.RootFs += n
	}
	return sz, nil
}
