package engine

// Result is the outcome of a verb for one of the targets it was given
// (rm, stop, kill, rmi ... of several names): the verb goes on after a
// failure, and the front end reports each.
type Result struct {
	// Ref is the target as given (a name, an id prefix, an image
	// reference); ID is what it resolved to, where it did.
	Ref, ID string
	Err     error
}

// Failed reports whether any of the results is an error.
func Failed(rs []Result) bool {
	for _, r := range rs {
		if r.Err != nil {
			return true
		}
	}
	return false
}
