package runspec

import (
	"runtime"
	"slices"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestSeccompArches(t *testing.T) {
	s, err := Build(Options{Args: []string{"true"}})
	if err != nil {
		t.Fatal(err)
	}
	arches := s.Linux.Seccomp.Architectures
	if runtime.GOARCH != "amd64" {
		t.Skip("x32 is an amd64 ABI")
	}
	for _, a := range []specs.Arch{specs.ArchX86_64, specs.ArchX86} {
		if !slices.Contains(arches, a) {
			t.Errorf("profile lacks %s: %v", a, arches)
		}
	}
	if got, want := slices.Contains(arches, specs.ArchX32), x32Usable(); got != want {
		t.Errorf("x32 in profile = %v, but this kernel runs x32 calls = %v", got, want)
	}
	if p, _ := Build(Options{Args: []string{"true"}, Privileged: true}); p.Linux.Seccomp != nil {
		t.Error("--privileged has a seccomp profile")
	}
}
