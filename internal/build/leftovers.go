package build

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/skiff-containers/skiff/internal/engine"
	"github.com/skiff-containers/skiff/internal/report"
)

// A build's containers carry labelBuild=PID.STARTTIME of the process that
// made them. A build killed before it removed them leaves them behind;
// the next build removes those whose process is gone (a pid reused by
// another process has another start time).

// processLabel is the label value for the process pid.
func processLabel(pid int) (string, error) {
	st, err := startTime(pid)
	if err != nil {
		return "", fmt.Errorf("build: %w", err)
	}
	return fmt.Sprintf("%d.%s", pid, st), nil
}

// startTime is field 22 of /proc/PID/stat: when the process started, in
// clock ticks since boot.
func startTime(pid int) (string, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return "", err
	}
	// The command name (field 2) may hold spaces and parentheses.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return "", fmt.Errorf("unexpected /proc/%d/stat", pid)
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 20 {
		return "", fmt.Errorf("unexpected /proc/%d/stat", pid)
	}
	return f[19], nil
}

// alive says whether the build process a label names still runs.
func alive(label string) bool {
	pid, st, ok := strings.Cut(label, ".")
	if !ok {
		return false
	}
	n, err := strconv.Atoi(pid)
	if err != nil || n <= 0 {
		return false
	}
	now, err := startTime(n)
	return err == nil && now == st
}

// removeLeftovers removes the containers of builds that died. Errors are
// not the current build's: a container that cannot go now goes next time.
func removeLeftovers(ctx context.Context, eng containerLister) {
	rows, err := eng.List(ctx, engine.ListOptions{All: true, NoTrunc: true, Filters: engine.ListFilters{Label: []string{labelBuild}}})
	if err != nil {
		return
	}
	for _, r := range rows {
		if alive(labelValue(r.Labels, labelBuild)) {
			continue
		}
		_ = eng.RemoveContainer(ctx, r.ID, true)
	}
}

// containerLister lists and removes containers.
type containerLister interface {
	List(ctx context.Context, o engine.ListOptions) ([]report.ContainerRow, error)
	RemoveContainer(ctx context.Context, ref string, force bool) error
}

// labelValue finds KEY's value in a row's "K=V,K2=V2" labels.
func labelValue(labels, key string) string {
	for _, kv := range strings.Split(labels, ",") {
		if k, v, ok := strings.Cut(kv, "="); ok && k == key {
			return v
		}
	}
	return ""
}
