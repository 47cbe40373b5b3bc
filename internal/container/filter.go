package container

import (
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/skiff-containers/skiff/internal/state"
)

// Filters are ps's --filter KEY=VALUE terms. Terms of one key are
// alternatives, terms of different keys must all hold, as in Docker.
type Filters struct {
	terms []filterTerm
}

type filterTerm struct {
	key, value string
	name       *regexp.Regexp // key "name"
}

// ParseFilters reads KEY=VALUE terms: status=created|running|exited,
// name=REGEXP, ancestor=IMAGE, id=PREFIX, label=KEY[=VALUE].
func ParseFilters(specs []string) (Filters, error) {
	var fs Filters
	for _, f := range specs {
		k, v, ok := strings.Cut(f, "=")
		if !ok {
			return Filters{}, fmt.Errorf("invalid filter %q: use KEY=VALUE", f)
		}
		term := filterTerm{key: k, value: v}
		switch k {
		case "status":
			switch v {
			case StatusCreated, StatusRunning, StatusExited:
			default:
				return Filters{}, fmt.Errorf("invalid filter %q: status is created, running or exited", f)
			}
		case "name":
			// A regular expression, as in Docker and podman, so that
			// name=^web$ picks web and not web2.
			re, err := regexp.Compile(v)
			if err != nil {
				return Filters{}, fmt.Errorf("invalid filter %q: the name is a regular expression: %v", f, err)
			}
			term.name = re
		case "ancestor", "id", "label":
		default:
			return Filters{}, fmt.Errorf("invalid filter %q: supported filters are status=, name=, ancestor=, id= and label=", f)
		}
		fs.terms = append(fs.terms, term)
	}
	return fs, nil
}

// HasStatus tells whether a status term is given: it lists stopped
// containers without -a.
func (fs Filters) HasStatus() bool {
	for _, t := range fs.terms {
		if t.key == "status" {
			return true
		}
	}
	return false
}

// ImageLookup resolves an image reference to its image id.
type ImageLookup func(ref string) (id string, ok bool)

// Match tells whether the container with state st passes every filter.
func (fs Filters) Match(c *Container, st state.State, lookup ImageLookup) bool {
	held := map[string]bool{}
	for _, t := range fs.terms {
		if _, seen := held[t.key]; !seen {
			held[t.key] = false
		}
		held[t.key] = held[t.key] || t.match(c, st, lookup)
	}
	for _, ok := range held {
		if !ok {
			return false
		}
	}
	return true
}

func (t filterTerm) match(c *Container, st state.State, lookup ImageLookup) bool {
	switch t.key {
	case "status":
		return st.Status == t.value
	case "name":
		// Docker's names carry a leading slash; a pattern written for
		// Docker's (^/web$) finds the same container.
		return t.name.MatchString(c.Name) || t.name.MatchString("/"+c.Name)
	case "id":
		return strings.HasPrefix(c.ID, t.value)
	case "label":
		k, val, hasVal := strings.Cut(t.value, "=")
		got, present := c.Labels[k]
		return present && (!hasVal || got == val)
	case "ancestor":
		return matchAncestor(t.value, c, lookup)
	}
	return false
}

func matchAncestor(v string, c *Container, lookup ImageLookup) bool {
	if c.Image == v || strings.HasPrefix(c.ImageID, strings.TrimPrefix(v, "sha256:")) {
		return true
	}
	if id, ok := lookup(v); ok && id == c.ImageID {
		return true
	}
	ok, _ := path.Match(v, c.Image)
	return ok
}
