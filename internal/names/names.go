// Package names holds the rule Docker gives the names of containers and
// networks alike.
package names

import "regexp"

var valid = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`)

// Valid reports whether s may name a container or a network: a letter or
// digit, then letters, digits, '_', '.' or '-'.
func Valid(s string) bool { return valid.MatchString(s) }
