package engine

import "fmt"

// NotFoundError is a container, image or network that is not there, by
// the reference given. It is an ErrNotFound.
type NotFoundError struct {
	What string // "container", "image", "network"
	Ref  string
}

func (e *NotFoundError) Error() string { return fmt.Sprintf("no such %s: %s", e.What, e.Ref) }

// Is makes every NotFoundError an ErrNotFound.
func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }
