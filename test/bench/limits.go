package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// benchLimitsVM: the start latency that --memory and --pids-limit add
// where they apply. This host's cgroups are not the v2 hierarchy limits
// need, so the VM suite's guest (Debian's kernel under qemu, software
// emulation: every figure is slow, only the ratio means anything) times
// the starts, as root and as a user with a delegated subtree.
func benchLimitsVM(e *env, skiffBin string) ([]result, error) {
	bin, err := filepath.Abs(filepath.Dir(skiffBin))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command("go", "run", "./test/vm", "-bin", bin, "-bench", strconv.Itoa(2*e.runs+1))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("VM benchmark: %v:\n%s", err, out.String())
	}
	times := map[string][]float64{}
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		line, ok := strings.CutPrefix(sc.Text(), "BENCH ")
		if !ok {
			continue
		}
		name, list, _ := strings.Cut(line, ": ")
		for _, v := range strings.Split(list, ",") {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return nil, fmt.Errorf("VM benchmark line %q: %w", line, err)
			}
			times[name] = append(times[name], f)
		}
	}
	var results []result
	for _, who := range []string{"root", "rootless"} {
		without, with := times[who+", without limits"], times[who+", --memory 64m --pids-limit 100"]
		if len(without) == 0 || len(with) == 0 {
			return nil, fmt.Errorf("VM benchmark gave no %s figures:\n%s", who, out.String())
		}
		base := median(without)
		results = append(results, result{
			name: fmt.Sprintf("run --rm --memory 64m --pids-limit 100 IMAGE true in a cgroup v2 VM (TCG), %s; without limits %.3f s, ratio %.2f",
				who, base, median(with)/base),
			unit: "s", skiff: with,
			target: "<= 1.2 x without limits",
			met:    func(s, _ float64) bool { return s/base <= 1.2 },
		})
	}
	return results, nil
}
