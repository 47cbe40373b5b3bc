package engine

import "fmt"

// NotFoundError is a container, image or network that is not there, by
// the reference given. It is an ErrNotFound.
type NotFoundError struct {
	What string // "container", "image", "network"
	Ref  string
}

// Error words it as Docker's daemon does ("No such container: web"), which
// scripts match.
func (e *NotFoundError) Error() string { return fmt.Sprintf("No such %s: %s", e.What, e.Ref) }

// Is makes every NotFoundError an ErrNotFound.
func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }
