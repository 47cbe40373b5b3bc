package cli

import (
	"strings"

	"github.com/urfave/cli/v2"
)

// multi collects a repeatable flag's values in command-line order.
type multi struct{ values []string }

func (m *multi) Set(v string) error { m.values = append(m.values, v); return nil }
func (m *multi) String() string     { return strings.Join(m.values, ",") }

// repeatable declares a flag that may be given many times under its long
// and its short name mixed. urfave/cli v2 rejects an aliased slice flag
// used in both forms ("Cannot use two forms of the same flag"), so the two
// names are separate flags writing to one collector.
func repeatable(long, short, usage string) ([]cli.Flag, *multi) {
	m := &multi{}
	flags := []cli.Flag{&cli.GenericFlag{Name: long, Usage: usage + " (repeatable" + shortNote(short) + ")", Value: m}}
	if short != "" {
		flags = append(flags, &cli.GenericFlag{Name: short, Hidden: true, Value: m})
	}
	return flags, m
}

func shortNote(short string) string {
	if short == "" {
		return ""
	}
	return "; short form -" + short
}
