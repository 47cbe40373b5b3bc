package main

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"strconv"
	"time"

	"github.com/skiff-containers/skiff/test/testenv"
)

// benchNetwork: the start latency the default network adds (against the
// --network none start measured before), and TCP throughput through a
// published port (iperf3) next to the host's loopback.
func benchNetwork(e *env, re *runEnv, noneStart float64) ([]result, error) {
	lat := result{
		name: "run --rm IMAGE true (warm, default network)", unit: "s",
		target: fmt.Sprintf("skiff <= 1.5 x its --network none start (%.3f s)", noneStart),
		met:    func(s, _ float64) bool { return noneStart > 0 && s/noneStart <= 1.5 },
	}
	for i := 0; i < e.runs*3; i++ {
		d, err := e.timed(re.sk, e.skiff, re.skiff("run", "--rm", re.ref, "true")...)
		if err != nil {
			return nil, err
		}
		lat.skiff = append(lat.skiff, d.Seconds())
		if e.podman == "" {
			continue
		}
		d, err = e.timed(re.pm, e.podman, re.podman("run", "--rm", re.ref, "true")...)
		if err != nil {
			return nil, err
		}
		lat.podman = append(lat.podman, d.Seconds())
	}
	iperf, err := exec.LookPath("iperf3")
	if err != nil {
		fmt.Println("bench: iperf3 not installed; no throughput figures (apt-get install iperf3)")
		return []result{lat}, nil
	}
	var loop []float64
	for i := 0; i < e.runs; i++ {
		port, err := testenv.FreePort()
		if err != nil {
			return nil, err
		}
		srv := e.command(re.sk, iperf, "-s", "-1", "-B", "127.0.0.1", "-p", strconv.Itoa(port))
		if err := srv.Start(); err != nil {
			return nil, err
		}
		time.Sleep(300 * time.Millisecond) // until it listens
		g, err := iperfClient(e, iperf, port)
		_ = srv.Wait()
		if err != nil {
			return nil, fmt.Errorf("loopback: %w", err)
		}
		loop = append(loop, g)
	}
	loopback := median(loop)
	tput := result{
		name: "TCP throughput through -p (iperf3, 3 s)", unit: "Gbit/s",
		target: fmt.Sprintf("skiff >= 0.6 x host loopback (%.2f Gbit/s)", loopback),
		met:    func(s, _ float64) bool { return loopback > 0 && s/loopback >= 0.6 },
	}
	// The host's iperf3 and its libraries, mounted into the busybox image.
	mounts := []string{"-v", "/usr:/usr:ro", "-v", "/usr/lib:/lib:ro", "-v", "/usr/lib64:/lib64:ro"}
	for i := 0; i < e.runs; i++ {
		g, err := throughThePort(e, re.sk, e.skiff, re.skiff, re.ref, mounts, fmt.Sprintf("iperf-skiff-%d", i))
		if err != nil {
			return nil, fmt.Errorf("skiff: %w", err)
		}
		tput.skiff = append(tput.skiff, g)
		if e.podman == "" {
			continue
		}
		g, err = throughThePort(e, re.pm, e.podman, re.podman, re.ref, mounts, fmt.Sprintf("iperf-podman-%d", i))
		if err != nil {
			return nil, fmt.Errorf("podman: %w", err)
		}
		tput.podman = append(tput.podman, g)
	}
	return []result{lat, tput}, nil
}

// throughThePort runs an iperf3 server in a container with its port
// published and measures from the host.
func throughThePort(e *env, home, bin string, args func(...string) []string, ref string, mounts []string, name string) (float64, error) {
	port, err := testenv.FreePort()
	if err != nil {
		return 0, err
	}
	run := append([]string{"run", "-d", "--name", name, "-p", fmt.Sprintf("127.0.0.1:%d:5201", port)}, mounts...)
	run = append(run, ref, "/usr/bin/iperf3", "-s")
	if _, err := e.output(home, bin, args(run...)...); err != nil {
		return 0, err
	}
	defer e.output(home, bin, args("rm", "-f", name)...)
	iperf, _ := exec.LookPath("iperf3")
	var g float64
	for try := 0; ; try++ {
		if g, err = iperfClient(e, iperf, port); err == nil || try == 20 {
			return g, err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// iperfClient runs a 3 s iperf3 test against 127.0.0.1:port and returns
// the received rate in Gbit/s.
func iperfClient(e *env, iperf string, port int) (float64, error) {
	out, err := exec.Command(iperf, "-c", "127.0.0.1", "-p", strconv.Itoa(port), "-t", "3", "-J").Output()
	if err != nil {
		return 0, fmt.Errorf("iperf3 client: %v: %s", err, out)
	}
	var rep struct {
		End struct {
			SumReceived struct {
				BitsPerSecond float64 `json:"bits_per_second"`
			} `json:"sum_received"`
		} `json:"end"`
		Error string `json:"error"`
	}
	if err := json.Unmarshal(out, &rep); err != nil {
		return 0, err
	}
	if rep.Error != "" {
		return 0, fmt.Errorf("iperf3: %s", rep.Error)
	}
	return rep.End.SumReceived.BitsPerSecond / 1e9, nil
}
