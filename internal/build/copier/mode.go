package copier

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// modeFunc gives the mode a copied entry gets from the mode it has
// (permission bits plus setuid, setgid and sticky, as os.FileMode) and
// whether it is a directory.
type modeFunc func(m os.FileMode, isDir bool) os.FileMode

// parseChmod parses a --chmod value: octal ("755", "0644", at most
// 07777) as Docker has always taken it, or chmod(1) symbolic notation
// ("+x", "u=rwX,go=rX", "g=u"), which Dockerfile 1.14 added, applied
// without a umask as BuildKit does. "" returns nil: modes are kept.
func parseChmod(s string) (modeFunc, error) {
	if s == "" {
		return nil, nil
	}
	if n, err := strconv.ParseUint(s, 8, 32); err == nil {
		if n > 0o7777 {
			return nil, badOctal(s)
		}
		m := fromUnix(uint32(n))
		return func(os.FileMode, bool) os.FileMode { return m }, nil
	}
	if s[0] >= '0' && s[0] <= '9' {
		return nil, badOctal(s)
	}
	clauses, err := parseSymbolic(s)
	if err != nil {
		return nil, fmt.Errorf("invalid chmod parameter %q: %w", s, err)
	}
	return func(m os.FileMode, isDir bool) os.FileMode {
		u := toUnix(m)
		for _, c := range clauses {
			u = c.apply(u, isDir)
		}
		return fromUnix(u)
	}, nil
}

func badOctal(s string) error {
	return fmt.Errorf("invalid chmod parameter: '%v'. it should be octal string and between 0 and 07777", s)
}

// toUnix and fromUnix convert between os.FileMode's permission and
// special bits and the unix 07777 bits.
func toUnix(m os.FileMode) uint32 {
	u := uint32(m.Perm())
	if m&os.ModeSetuid != 0 {
		u |= 0o4000
	}
	if m&os.ModeSetgid != 0 {
		u |= 0o2000
	}
	if m&os.ModeSticky != 0 {
		u |= 0o1000
	}
	return u
}

func fromUnix(u uint32) os.FileMode {
	m := os.FileMode(u & 0o777)
	if u&0o4000 != 0 {
		m |= os.ModeSetuid
	}
	if u&0o2000 != 0 {
		m |= os.ModeSetgid
	}
	if u&0o1000 != 0 {
		m |= os.ModeSticky
	}
	return m
}

type symAction struct {
	op    byte   // '+', '-' or '='
	perms string // letters of rwxXst
	copy  byte   // 'u', 'g' or 'o' to copy that class's bits; 0 for none
}

type symClause struct {
	who     uint32 // the bits the clause may touch
	actions []symAction
}

func parseSymbolic(s string) ([]symClause, error) {
	var out []symClause
	for _, part := range strings.Split(s, ",") {
		if part == "" {
			return nil, fmt.Errorf("empty clause")
		}
		var c symClause
		i := 0
	who:
		for ; i < len(part); i++ {
			switch part[i] {
			case 'u':
				c.who |= 0o4700
			case 'g':
				c.who |= 0o2070
			case 'o':
				c.who |= 0o1007
			case 'a':
				c.who |= 0o7777
			default:
				break who
			}
		}
		if c.who == 0 {
			c.who = 0o7777
		}
		if i == len(part) {
			return nil, fmt.Errorf("%q has no operator (+, - or =)", part)
		}
		for i < len(part) {
			op := part[i]
			if op != '+' && op != '-' && op != '=' {
				return nil, fmt.Errorf("unexpected %q in %q", op, part)
			}
			i++
			a := symAction{op: op}
			if i < len(part) && (part[i] == 'u' || part[i] == 'g' || part[i] == 'o') {
				a.copy = part[i]
				i++
			} else {
				j := i
				for i < len(part) && strings.IndexByte("rwxXst", part[i]) >= 0 {
					i++
				}
				a.perms = part[j:i]
			}
			c.actions = append(c.actions, a)
		}
		out = append(out, c)
	}
	return out, nil
}

func (c symClause) apply(m uint32, isDir bool) uint32 {
	for _, a := range c.actions {
		var bits uint32
		if a.copy != 0 {
			var v uint32
			switch a.copy {
			case 'u':
				v = (m >> 6) & 7
			case 'g':
				v = (m >> 3) & 7
			case 'o':
				v = m & 7
			}
			bits = (v<<6 | v<<3 | v) & c.who & 0o777
		} else {
			for _, p := range a.perms {
				switch p {
				case 'r':
					bits |= 0o444
				case 'w':
					bits |= 0o222
				case 'x':
					bits |= 0o111
				case 'X':
					if isDir || m&0o111 != 0 {
						bits |= 0o111
					}
				case 's':
					bits |= 0o6000
				case 't':
					bits |= 0o1000
				}
			}
			bits &= c.who
		}
		switch a.op {
		case '+':
			m |= bits
		case '-':
			m &^= bits
		case '=':
			m = m&^c.who | bits
		}
	}
	return m
}
