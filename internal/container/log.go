package container

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"text/template"

	"github.com/docker/go-units"
)

// Log drivers (--log-driver): where a container's output goes.
const (
	LogJSONFile    = "json-file"   // a file in Docker's format, read by `logs`
	LogJournald    = "journald"    // systemd-journald, read through journalctl
	LogPassthrough = "passthrough" // the caller's own stdout and stderr, kept nowhere
	LogNone        = "none"        // nowhere
)

// LogConfig is the log driver and its options.
type LogConfig struct {
	// Driver is one of the Log* drivers; empty is json-file (records made
	// before there was a choice).
	Driver string `json:"driver,omitempty"`
	// Options are the --log-opt options as given, for inspect.
	Options map[string]string `json:"options,omitempty"`
	// json-file: bytes per file (0 is unlimited), and files kept.
	MaxSize  int64 `json:"maxSize"`
	MaxFiles int   `json:"maxFiles"`
	// Tag (journald) names the container's entries (CONTAINER_TAG,
	// SYSLOG_IDENTIFIER): a Docker log tag template; empty is the name.
	Tag string `json:"tag,omitempty"`
}

// DriverName is the log driver, json-file when none was recorded.
func (l LogConfig) DriverName() string {
	if l.Driver == "" {
		return LogJSONFile
	}
	return l.Driver
}

// KeepsLog reports whether skiff itself keeps the output (a json-file).
func (l LogConfig) KeepsLog() bool { return l.DriverName() == LogJSONFile }

// logOptions are the --log-opt keys a driver takes; ok is false for an
// unknown driver.
func logOptions(driver string) (keys []string, ok bool) {
	switch driver {
	case LogJSONFile:
		return []string{"max-size", "max-file"}, true
	case LogJournald:
		return []string{"tag"}, true
	case LogPassthrough, LogNone:
		return nil, true
	}
	return nil, false
}

// ParseLogConfig reads --log-driver and its --log-opt KEY=VALUE options.
func ParseLogConfig(driver string, opts []string) (LogConfig, error) {
	if driver == "" {
		driver = LogJSONFile
	}
	known, ok := logOptions(driver)
	if !ok {
		return LogConfig{}, fmt.Errorf("invalid --log-driver %q: use json-file, journald, passthrough or none", driver)
	}
	lc := LogConfig{Driver: driver, MaxFiles: 1}
	for _, o := range opts {
		k, v, hasValue := strings.Cut(o, "=")
		if !hasValue {
			return LogConfig{}, fmt.Errorf("invalid --log-opt %q: use KEY=VALUE", o)
		}
		if !slices.Contains(known, k) {
			if len(known) == 0 {
				return LogConfig{}, fmt.Errorf("unsupported --log-opt %q: log driver %s takes no options", o, driver)
			}
			return LogConfig{}, fmt.Errorf("unsupported --log-opt %q for log driver %s: use %s", o, driver, strings.Join(known, ", "))
		}
		switch k {
		case "max-size":
			n, err := units.RAMInBytes(v)
			if err != nil || n < 0 {
				return LogConfig{}, fmt.Errorf("invalid --log-opt %q: use a size such as 10m", o)
			}
			lc.MaxSize = n
		case "max-file":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return LogConfig{}, fmt.Errorf("invalid --log-opt %q: use a number of files >= 1", o)
			}
			lc.MaxFiles = n
		case "tag":
			if _, err := expandTag(v, tagData{}); err != nil {
				return LogConfig{}, fmt.Errorf("invalid --log-opt %q: %v", o, err)
			}
			lc.Tag = v
		}
		if lc.Options == nil {
			lc.Options = map[string]string{}
		}
		lc.Options[k] = v
	}
	return lc, nil
}

// tagData is what a log tag template can name, as Docker's.
type tagData struct {
	ID, FullID, Name, ImageID, ImageFullID, ImageName, DaemonName string
}

func expandTag(tag string, d tagData) (string, error) {
	if !strings.Contains(tag, "{{") {
		return tag, nil
	}
	t, err := template.New("tag").Parse(tag)
	if err != nil {
		return "", fmt.Errorf("bad template: %v", err)
	}
	var b strings.Builder
	if err := t.Execute(&b, d); err != nil {
		return "", fmt.Errorf("use {{.Name}}, {{.ID}}, {{.FullID}}, {{.ImageName}}, {{.ImageID}} or {{.ImageFullID}}: %v", err)
	}
	return b.String(), nil
}

// LogTag is the name of the container's journal entries: --log-opt tag=
// expanded, or the container's name.
func (c *Container) LogTag() string {
	if c.Log.Tag == "" {
		return c.Name
	}
	short := func(s string) string {
		if len(s) > 12 {
			return s[:12]
		}
		return s
	}
	tag, err := expandTag(c.Log.Tag, tagData{
		ID: short(c.ID), FullID: c.ID, Name: c.Name, ImageID: short(c.ImageID), ImageFullID: c.ImageID,
		ImageName: c.Image, DaemonName: "skiff",
	})
	if err != nil {
		// ParseLogConfig checked the template.
		return c.Name
	}
	return tag
}
