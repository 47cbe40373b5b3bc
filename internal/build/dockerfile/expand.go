package dockerfile

import (
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
)

// Expand expands a command's words in place with env (KEY=VALUE, later wins)
// and the file's escape character, as BuildKit's dispatcher does just before
// running an instruction:
//
//   - commands implementing instructions.SupportsSingleWordExpansion (ENV,
//     LABEL, COPY, ADD, WORKDIR, USER, VOLUME, STOPSIGNAL, and RUN — whose
//     Expand only re-reads the --mount options; RUN's command line is left to
//     the shell) get each word expanded;
//   - ARG gets only its default values expanded, not its names (as BuildKit's
//     dispatchArg; a --build-arg value replaces the default unexpanded, so a
//     builder applies overrides instead of expanding those);
//   - EXPOSE gets each port expanded and split into words;
//   - heredoc sources of COPY/ADD (SupportsSingleWordExpansionRaw) whose
//     delimiter is unquoted get their content expanded the raw way BuildKit
//     does: backslash escapes, quotes kept.
//
// CMD, ENTRYPOINT, SHELL, HEALTHCHECK, ONBUILD and MAINTAINER are not expanded.
// Errors are *Error at the command's line.
func (f *File) Expand(cmd instructions.Command, env []string) error {
	envs := shell.EnvsFromSlice(env)
	lex := shell.NewLex(f.escape())
	word := func(w string) (string, error) {
		s, _, err := lex.ProcessWord(w, envs)
		return s, err
	}
	var err error
	switch c := cmd.(type) {
	case *instructions.ArgCommand:
		for i := range c.Args {
			if c.Args[i].Value == nil {
				continue
			}
			var v string
			if v, err = word(*c.Args[i].Value); err != nil {
				break
			}
			c.Args[i].Value = &v
		}
	case *instructions.ExposeCommand:
		var ports []string
		for _, p := range c.Ports {
			var ps []string
			if ps, err = lex.ProcessWords(p, envs); err != nil {
				break
			}
			ports = append(ports, ps...)
		}
		if err == nil {
			c.Ports = ports
		}
	case instructions.SupportsSingleWordExpansion:
		err = c.Expand(word)
	}
	if err == nil {
		if c, ok := cmd.(instructions.SupportsSingleWordExpansionRaw); ok {
			// BuildKit uses a backslash lexer that keeps quotes for heredoc
			// content, whatever the file's escape character.
			raw := shell.NewLex('\\')
			raw.SkipProcessQuotes = true
			err = c.ExpandRaw(func(w string) (string, error) {
				s, _, err := raw.ProcessWord(w, envs)
				return s, err
			})
		}
	}
	if err != nil {
		return &Error{File: f.Name, Line: commandLine(cmd), Msg: err.Error()}
	}
	return nil
}

// ExpandWord expands one word (a FROM image or platform, a --from value, ...)
// with env (KEY=VALUE, later wins) and the file's escape character.
func (f *File) ExpandWord(word string, env []string) (string, error) {
	s, _, err := shell.NewLex(f.escape()).ProcessWord(word, shell.EnvsFromSlice(env))
	if err != nil {
		return "", &Error{File: f.Name, Msg: err.Error()}
	}
	return s, nil
}

// escape is the file's escape character, defaulting to backslash for a File
// not made by Parse.
func (f *File) escape() rune {
	if f.Escape == 0 {
		return '\\'
	}
	return f.Escape
}
