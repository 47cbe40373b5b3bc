//go:build !amd64

package runspec

// x32Usable: x32 is an amd64 ABI; elsewhere there is nothing to drop.
func x32Usable() bool { return true }
