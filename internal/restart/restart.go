// Package restart is a container's restart policy, Docker's --restart:
// when a container that exited starts again, and after how long. The
// container's monitor decides as the container exits; there is no daemon
// to do it. It is linked into the monitor, so it stays dependency-free.
package restart

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Policy names, as Docker has them.
const (
	No            = "no"
	OnFailure     = "on-failure"
	Always        = "always"
	UnlessStopped = "unless-stopped"
)

// Policy is a restart policy; the zero value is "no".
type Policy struct {
	Name string `json:"name,omitempty"`
	// MaxRetries bounds on-failure's restarts; 0 is no bound.
	MaxRetries int `json:"maxRetries,omitempty"`
}

// Parse reads --restart's value: no, on-failure[:N], always or
// unless-stopped.
func Parse(s string) (Policy, error) {
	name, count, hasCount := strings.Cut(s, ":")
	switch name {
	case "", No, Always, UnlessStopped:
		if hasCount {
			return Policy{}, fmt.Errorf("invalid --restart %q: only on-failure takes a retry count", s)
		}
		if name == No {
			name = ""
		}
		return Policy{Name: name}, nil
	case OnFailure:
		p := Policy{Name: name}
		if hasCount {
			n, err := strconv.Atoi(count)
			if err != nil || n < 0 {
				return Policy{}, fmt.Errorf("invalid --restart %q: the retry count must be a number, such as on-failure:3", s)
			}
			p.MaxRetries = n
		}
		return p, nil
	}
	return Policy{}, fmt.Errorf("invalid --restart %q: use no, on-failure[:N], always or unless-stopped", s)
}

// String is the policy as --restart takes it.
func (p Policy) String() string {
	switch {
	case p.Name == "":
		return No
	case p.Name == OnFailure && p.MaxRetries > 0:
		return p.Name + ":" + strconv.Itoa(p.MaxRetries)
	}
	return p.Name
}

// Restarts reports whether the policy ever restarts a container.
func (p Policy) Restarts() bool { return p.Name != "" }

// ShouldRestart decides for a container that exited with code after
// restarts earlier restarts. A container its user stopped stays stopped
// (until started again), whatever the policy.
func (p Policy) ShouldRestart(code, restarts int, stoppedByUser bool) bool {
	if stoppedByUser {
		return false
	}
	switch p.Name {
	case Always, UnlessStopped:
		return true
	case OnFailure:
		return code != 0 && (p.MaxRetries == 0 || restarts < p.MaxRetries)
	}
	return false
}

// Backoff bounds, as Docker's: the delay doubles from 100 ms up to a
// minute while the container keeps failing fast, and starts over once it
// has run for 10 s.
const (
	firstDelay = 100 * time.Millisecond
	maxDelay   = time.Minute
	settled    = 10 * time.Second
)

// Delay is how long to wait before the next start. previous is the delay
// before the run that just ended (0 for the first), ran how long it ran.
func Delay(previous, ran time.Duration) time.Duration {
	if previous == 0 || ran >= settled {
		return firstDelay
	}
	return min(2*previous, maxDelay)
}
