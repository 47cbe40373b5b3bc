package runspec

import (
	"slices"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// dropDeadArches leaves out of the seccomp profile the architectures whose
// system calls this kernel refuses anyway. Every architecture in the
// profile multiplies the filter libseccomp compiles in each container's
// init: Docker's profile for amd64 adds x86 and x32, and x32 alone costs
// about 8 ms of a start. Most kernels have x32 compiled out or disabled
// (syscall.x32=n), so its calls fail with ENOSYS before the filter could
// allow them, and a filter without x32 changes nothing a program can do.
func dropDeadArches(p *specs.LinuxSeccomp) {
	if p == nil || x32Usable() {
		return
	}
	p.Architectures = slices.DeleteFunc(p.Architectures, func(a specs.Arch) bool { return a == specs.ArchX32 })
}
