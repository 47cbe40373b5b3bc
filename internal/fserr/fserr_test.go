package fserr

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"testing"
)

func TestCause(t *testing.T) {
	_, statErr := os.Stat("/nonexistent/skiff-fserr")
	other := errors.New("other")
	for _, tc := range []struct {
		name string
		err  error
		want error
	}{
		{"path error", statErr, syscall.ENOENT},
		{"wrapped path error", fmt.Errorf("stat: %w", statErr), syscall.ENOENT},
		{"other error", other, other},
		{"nil", nil, nil},
	} {
		if got := Cause(tc.err); got != tc.want {
			t.Errorf("%s: Cause(%v) = %v, want %v", tc.name, tc.err, got, tc.want)
		}
	}
}
