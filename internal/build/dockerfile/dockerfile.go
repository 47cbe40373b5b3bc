// Package dockerfile parses a Dockerfile and plans its build for `skiff build`.
//
// Parsing is BuildKit's own (frontend/dockerfile/parser and .../instructions),
// so the syntax accepted — heredocs, flags, `# escape=` and `# syntax=`
// directives, JSON forms — is exactly Docker's. On top of that this package
// adds what a builder needs that BuildKit only has inside dockerfile2llb: errors
// that carry the file and line, the choice and order of the stages a target
// needs, and variable expansion of instruction words.
package dockerfile

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// ErrInvalid is wrapped by every error about the Dockerfile's content.
var ErrInvalid = errors.New("invalid Dockerfile")

// Error is a problem at a place in a Dockerfile. Error() is "NAME:LINE: MSG"
// (or "NAME: MSG" when Line is 0, and just MSG when File is also empty, as for
// ParseInstruction), e.g. "Dockerfile:3: unknown instruction: FORM".
type Error struct {
	File string
	Line int
	Msg  string
}

func (e *Error) Error() string {
	switch {
	case e.File == "" && e.Line == 0:
		return e.Msg
	case e.Line == 0:
		return e.File + ": " + e.Msg
	default:
		return e.File + ":" + strconv.Itoa(e.Line) + ": " + e.Msg
	}
}

// Unwrap returns ErrInvalid, so callers can tell a bad Dockerfile from an
// I/O or registry failure with errors.Is.
func (e *Error) Unwrap() error { return ErrInvalid }

// File is a parsed Dockerfile.
type File struct {
	Name     string // as given to Parse, for messages
	Stages   []Stage
	MetaArgs []instructions.ArgCommand // ARGs before the first FROM
	Escape   rune                      // the escape character ('\\' or '`')
	// Syntax is the `# syntax=` directive's value ("" none). skiff has one
	// built-in frontend, so the builder can only warn that it is ignored.
	Syntax string
	// Warnings are the parser's non-fatal findings (empty continuation
	// lines), for the builder to show as Docker does; the parser itself
	// prints nothing.
	Warnings []string
}

// Stage is one FROM and the instructions up to the next FROM.
type Stage struct {
	Index    int
	Name     string // AS name, lower-cased as BuildKit does; "" if none
	BaseName string // FROM's image as written (unexpanded), e.g. "${BASE}:1" or "scratch" or a stage name
	Platform string // FROM --platform as written ("" none)
	Line     int
	Commands []instructions.Command
}

// quietLinter returns a linter that evaluates BuildKit's lint rules without
// reporting anything: Run does nothing without a Warn function, and Error
// reports nothing without ReturnAsError. A nil *linter.Linter is not safe
// here: a `# check=` comment above an instruction makes the instructions
// package dereference it.
func quietLinter() *linter.Linter {
	return linter.New(&linter.Config{})
}

// Parse parses a Dockerfile. name is only used in error messages. Every error
// about the content is an *Error (wrapping ErrInvalid) with the line where the
// parser knows it.
func Parse(name string, data []byte) (*File, error) {
	res, err := parser.Parse(bytes.NewReader(data))
	if err != nil {
		e := newError(name, 0, err)
		if l := directiveErrorLine(data); l > 0 {
			e.Line = l
		}
		return nil, e
	}
	f := &File{Name: name, Escape: res.EscapeToken}
	if syntax, _, _, ok := parser.DetectSyntax(data); ok {
		f.Syntax = syntax
	}
	for _, w := range res.Warnings {
		f.Warnings = append(f.Warnings, w.Short)
	}

	lint := quietLinter()
	// This is the loop of instructions.Parse, done here so that an error
	// keeps its node's line and an instruction before FROM gets a clear message.
	for _, n := range res.AST.Children {
		v, err := instructions.ParseInstructionWithLinter(n, lint)
		if err != nil {
			return nil, newError(name, n.StartLine, err)
		}
		switch c := v.(type) {
		case *instructions.Stage:
			f.Stages = append(f.Stages, Stage{
				Index:    len(f.Stages),
				Name:     c.Name,
				BaseName: c.BaseName,
				Platform: c.Platform,
				Line:     n.StartLine,
				Commands: c.Commands,
			})
		case instructions.Command:
			if len(f.Stages) == 0 {
				if a, ok := c.(*instructions.ArgCommand); ok {
					f.MetaArgs = append(f.MetaArgs, *a)
					continue
				}
				return nil, &Error{File: name, Line: n.StartLine,
					Msg: fmt.Sprintf("%s instruction before the first FROM (only ARG may come before FROM)", strings.ToUpper(n.Value))}
			}
			st := &f.Stages[len(f.Stages)-1]
			st.Commands = append(st.Commands, c)
		default:
			return nil, &Error{File: name, Line: n.StartLine, Msg: fmt.Sprintf("%T is not a command type", v)}
		}
	}
	if len(f.Stages) == 0 {
		return nil, &Error{File: name, Msg: "no FROM instruction: a Dockerfile needs at least one build stage"}
	}
	return f, nil
}

// ParseInstruction parses one instruction, such as an ONBUILD trigger or a
// `commit --change` value, as a one-instruction Dockerfile body (so it may
// span lines with continuations or a heredoc). FROM is refused: it is not a
// command. The escape character is the default backslash.
func ParseInstruction(line string) (instructions.Command, error) {
	res, err := parser.Parse(strings.NewReader(line))
	if err != nil {
		return nil, newError("", -1, err)
	}
	if n := len(res.AST.Children); n != 1 {
		return nil, &Error{Msg: fmt.Sprintf("expected one instruction, found %d", n)}
	}
	n := res.AST.Children[0]
	v, err := instructions.ParseInstructionWithLinter(n, quietLinter())
	if err != nil {
		return nil, newError("", -1, err)
	}
	cmd, ok := v.(instructions.Command)
	if !ok {
		return nil, &Error{Msg: fmt.Sprintf("%s is not allowed here", strings.ToUpper(n.Value))}
	}
	return cmd, nil
}

// newError turns a BuildKit error into an *Error. The line comes from the
// error's parser location when it has one, else line is used; a negative
// line means "no line" (for ParseInstruction, where lines mean nothing).
func newError(file string, line int, err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	if line >= 0 {
		if l := errorLine(err); l > 0 {
			line = l
		}
	} else {
		line = 0
	}
	return &Error{File: file, Line: line, Msg: err.Error()}
}

// errorLine is the first line of a parser.LocationError in err's chain, or 0.
func errorLine(err error) int {
	var le *parser.LocationError
	if !errors.As(err, &le) {
		return 0
	}
	for _, loc := range le.Locations {
		if len(loc) > 0 && loc[0].Start.Line > 0 {
			return loc[0].Start.Line
		}
	}
	return 0
}

// directiveErrorLine is the line of a bad parser directive at the top of data
// (a repeated directive or an escape other than ` or \), or 0. The parser
// reports those errors one line early (its line counter is not yet advanced),
// and since directives come first, such an error is the one it stopped at.
func directiveErrorLine(data []byte) int {
	var dp parser.DirectiveParser
	for i, line := range bytes.Split(data, []byte("\n")) {
		if i == 0 {
			line = bytes.TrimPrefix(line, []byte("\xEF\xBB\xBF"))
		}
		line = bytes.TrimRight(bytes.TrimLeft(line, " \t"), "\r")
		d, err := dp.ParseLine(line)
		if err != nil {
			return i + 1
		}
		if d == nil {
			return 0
		}
		if d.Name == "escape" && d.Value != "`" && d.Value != `\` {
			return i + 1
		}
	}
	return 0
}

// commandLine is the line where cmd starts, or 0.
func commandLine(cmd instructions.Command) int {
	if loc := cmd.Location(); len(loc) > 0 {
		return loc[0].Start.Line
	}
	return 0
}
