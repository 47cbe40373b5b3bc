package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"

	"github.com/skiff-containers/skiff/internal/network"
	"github.com/skiff-containers/skiff/internal/supervisor"
)

// portsPlan is what skiff-ports serves.
type portsPlan struct {
	stateDir string // for the driver's socket
	childIP  string // where connections go in the namespace
	ports    []network.Port
}

// startPorts runs skiff-ports on the namespace and returns once the host
// ports are bound, with the pipe whose closing ends it.
func startPorts(ns *os.File, plan portsPlan, diag io.Writer) (*os.File, error) {
	bin, err := supervisor.Helper("skiff-ports")
	if err != nil {
		return nil, err
	}
	repR, repW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer repR.Close()
	endR, endW, err := os.Pipe()
	if err != nil {
		repW.Close()
		return nil, err
	}
	args := []string{plan.stateDir, plan.childIP}
	for _, p := range plan.ports {
		args = append(args, p.Encode())
	}
	cmd := exec.Command(bin, args...)
	cmd.ExtraFiles = []*os.File{ns, repW, endR}
	cmd.Stderr = diag
	err = cmd.Start()
	repW.Close()
	endR.Close()
	if err != nil {
		endW.Close()
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	line, err := bufio.NewReader(repR).ReadString('\n')
	line = strings.TrimSpace(line)
	if line == "ok" {
		// The subreaper reaps it when it exits.
		return endW, nil
	}
	endW.Close()
	_ = cmd.Wait()
	if line == "" {
		if err == nil || errors.Is(err, io.EOF) {
			err = errors.New("it exited without a report")
		}
		return nil, fmt.Errorf("%s: %w", bin, err)
	}
	return nil, errors.New(line)
}
