package cli

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestCLIReachesOnlyTheEngine keeps the command line a front end: it maps
// flags to the engine's options and renders its reports, and reaches
// nothing below the engine, which another front end would then miss.
func TestCLIReachesOnlyTheEngine(t *testing.T) {
	below := []string{
		"github.com/skiff-containers/skiff/internal/supervisor",
		"github.com/skiff-containers/skiff/internal/state",
		"github.com/skiff-containers/skiff/internal/imagestore",
		"github.com/skiff-containers/skiff/internal/runspec",
		"github.com/skiff-containers/skiff/internal/pull",
		"github.com/skiff-containers/skiff/internal/registry",
		"github.com/skiff-containers/skiff/internal/container",
		"github.com/skiff-containers/skiff/internal/userns",
		"github.com/skiff-containers/skiff/internal/lifecycle",
		"github.com/skiff-containers/skiff/internal/network",
		"github.com/skiff-containers/skiff/internal/resources",
		"github.com/skiff-containers/skiff/internal/config",
		"go.podman.io/storage",
	}
	files, err := filepath.Glob("*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no source files found (%v)", err)
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		ast, err := parser.ParseFile(token.NewFileSet(), f, src, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range ast.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			for _, b := range below {
				if path == b || strings.HasPrefix(path, b+"/") {
					t.Errorf("%s imports %s, below the engine: call the engine instead", f, path)
				}
			}
		}
	}
}
