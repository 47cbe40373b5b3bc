package engine

import (
	"reflect"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/skiff-containers/skiff/internal/container"
)

// Docker's commit records the container's settings over its image's, and
// Changes (applied on the result) must not reach back into either.
func TestCommittedConfig(t *testing.T) {
	image := v1.Config{
		Cmd: []string{"sh"}, Env: []string{"PATH=/bin"}, Labels: map[string]string{"a": "1"},
		Volumes: map[string]struct{}{"/data": {}}, StopSignal: "SIGQUIT", ExposedPorts: map[string]struct{}{"80/tcp": {}},
	}
	ctr := container.Config{
		Cmd: []string{"sleep", "1"}, Env: []string{"PATH=/bin", "X=1"}, WorkingDir: "/w", User: "app",
		Labels: map[string]string{"a": "1", "b": "2"}, ExposedPorts: []string{"80/tcp", "53/udp"},
	}
	got := committedConfig(image, &ctr)
	want := v1.Config{
		Cmd: []string{"sleep", "1"}, Env: []string{"PATH=/bin", "X=1"}, WorkingDir: "/w", User: "app",
		Labels: map[string]string{"a": "1", "b": "2"}, Volumes: map[string]struct{}{"/data": {}}, StopSignal: "SIGQUIT",
		ExposedPorts: map[string]struct{}{"80/tcp": {}, "53/udp": {}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("committed config\n%+v, want\n%+v", got, want)
	}
	if err := applyChanges(&got, []string{"ENV X=2", "LABEL b=3", "VOLUME /more"}); err != nil {
		t.Fatal(err)
	}
	if ctr.Env[1] != "X=1" || ctr.Labels["b"] != "2" || len(image.Volumes) != 1 {
		t.Errorf("changes reached the sources: %v %v %v", ctr.Env, ctr.Labels, image.Volumes)
	}
}
