package lifecycle

import "github.com/skiff-containers/skiff/internal/supervisor"

// initPath is where --init's reaper appears in the container.
const initPath = "/dev/init"

func initBinary() (string, error) { return supervisor.Helper("skiff-init") }
