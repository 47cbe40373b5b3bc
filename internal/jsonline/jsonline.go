// Package jsonline encodes the few flat JSON objects skiff's long-lived
// processes write (state files, log lines) without encoding/json, whose
// reflection would make those processes' binaries, and so their resident
// memory, several times larger. What it writes is ordinary JSON, read back
// with encoding/json.
package jsonline

import (
	"strconv"
	"time"
	"unicode/utf8"
)

// Object builds one JSON object.
type Object struct{ b []byte }

// New starts an object.
func New() *Object { return &Object{b: append(make([]byte, 0, 256), '{')} }

func (o *Object) key(k string) {
	if len(o.b) > 1 {
		o.b = append(o.b, ',')
	}
	o.b = AppendString(o.b, k)
	o.b = append(o.b, ':')
}

// String adds a string field.
func (o *Object) String(k, v string) *Object { o.key(k); o.b = AppendString(o.b, v); return o }

// Int adds an integer field.
func (o *Object) Int(k string, v int) *Object {
	o.key(k)
	o.b = strconv.AppendInt(o.b, int64(v), 10)
	return o
}

// Bool adds a boolean field.
func (o *Object) Bool(k string, v bool) *Object { o.key(k); o.b = strconv.AppendBool(o.b, v); return o }

// Time adds a time field in RFC 3339 with nanoseconds, as encoding/json
// writes time.Time.
func (o *Object) Time(k string, t time.Time) *Object {
	o.key(k)
	o.b = append(o.b, '"')
	o.b = t.AppendFormat(o.b, time.RFC3339Nano)
	o.b = append(o.b, '"')
	return o
}

// Strings adds an array of strings.
func (o *Object) Strings(k string, v []string) *Object {
	o.key(k)
	o.b = append(o.b, '[')
	for i, s := range v {
		if i > 0 {
			o.b = append(o.b, ',')
		}
		o.b = AppendString(o.b, s)
	}
	o.b = append(o.b, ']')
	return o
}

// Bytes ends the object.
func (o *Object) Bytes() []byte { return append(o.b, '}') }

const hex = "0123456789abcdef"

// AppendString appends s as a JSON string, escaping as encoding/json does
// (also <, > and & and the line separators U+2028, U+2029); invalid UTF-8
// becomes U+FFFD.
func AppendString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20 || c == '<' || c == '>' || c == '&':
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}
