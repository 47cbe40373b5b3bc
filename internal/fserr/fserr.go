// Package fserr words file system errors for messages that already name
// the path.
package fserr

import (
	"errors"
	"os"
)

// Cause is the cause of a path error ("no such file or directory")
// without the operation and path it carries, for a message that names the
// path its own way; other errors are returned as they are.
func Cause(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
