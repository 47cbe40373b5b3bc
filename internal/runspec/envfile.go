package runspec

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strings"
)

// MaxEnvLine is the longest line an env file may hold: the kernel refuses
// an execve whose environment string (with its NUL) is longer than
// MAX_ARG_STRLEN, 32 pages, so a longer variable could never reach the
// container anyway. Docker stops at bufio's 64 KiB; values between the two
// (certificates, keys) are legitimate.
const MaxEnvLine = 32*4096 - 1

// LookupFunc gives the caller's value of a variable named alone (KEY).
type LookupFunc func(key string) (string, bool)

// ReadEnvFile reads KEY=VALUE lines as Docker's --env-file does: blank
// lines and lines starting with # are skipped, KEY alone takes lookup's
// value and is dropped when there is none. Every line is read or the
// whole file is refused: a variable dropped silently would start the
// container with a wrong configuration.
func ReadEnvFile(path string, lookup LookupFunc) ([]string, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	if st, err := fh.Stat(); err != nil {
		return nil, err
	} else if st.IsDir() {
		return nil, fmt.Errorf("%s is a directory: give a file of KEY=VALUE lines", path)
	}
	var out []string
	sc := bufio.NewScanner(fh)
	// One byte more than the limit, so that a line of exactly MaxEnvLine
	// bytes plus its newline still fits the buffer.
	sc.Buffer(make([]byte, 0, 64*1024), MaxEnvLine+1)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		kv, err := EnvEntry(line, lookup)
		if err != nil {
			return nil, fmt.Errorf("%s line %d: %w", path, n, err)
		}
		if kv != "" {
			out = SetEnv(out, kv)
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("%s line %d is longer than %d bytes, the most one environment variable can hold", path, n+1, MaxEnvLine)
		}
		return nil, fmt.Errorf("after line %d: %w", n, err)
	}
	return out, nil
}

// EnvEntry checks one KEY=VALUE (or KEY) and resolves KEY alone through
// lookup; it returns "" for a KEY the caller has no value for.
func EnvEntry(s string, lookup LookupFunc) (string, error) {
	k, _, hasValue := strings.Cut(s, "=")
	if k == "" || strings.ContainsAny(k, " \t") {
		return "", fmt.Errorf("invalid variable name %q", k)
	}
	if hasValue {
		return s, nil
	}
	if v, ok := lookup(k); ok {
		return k + "=" + v, nil
	}
	return "", nil
}
