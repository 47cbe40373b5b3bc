// Package format renders command output the way Docker's --format does:
// Go templates with Docker's helper functions, "table" for aligned columns
// with a header, and "json" for one JSON object per line.
package format

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"text/template"
)

// Funcs are the helpers Docker offers in --format templates.
var funcs = template.FuncMap{
	"json": func(v any) (string, error) {
		b, err := json.Marshal(v)
		return string(b), err
	},
	"split": strings.Split,
	"join": func(v any, sep string) string {
		switch x := v.(type) {
		case []string:
			return strings.Join(x, sep)
		case []any:
			parts := make([]string, len(x))
			for i, e := range x {
				parts[i] = fmt.Sprint(e)
			}
			return strings.Join(parts, sep)
		}
		return fmt.Sprint(v)
	},
	"title": func(s string) string {
		if s == "" {
			return s
		}
		return strings.ToUpper(s[:1]) + s[1:]
	},
	"lower": strings.ToLower,
	"upper": strings.ToUpper,
	"pad": func(s string, before, after int) string {
		return strings.Repeat(" ", before) + s + strings.Repeat(" ", after)
	},
	"truncate": func(s string, n int) string {
		if len(s) > n {
			return s[:n]
		}
		return s
	},
	"println": fmt.Sprintln,
}

// Parse compiles a user template; errors name the flag so the user knows
// which argument was wrong.
func Parse(text string) (*template.Template, error) {
	t, err := template.New("format").Funcs(funcs).Parse(text)
	if err != nil {
		return nil, fmt.Errorf("invalid --format template: %w", err)
	}
	return t, nil
}

// Lister writes rows of one type.
type Lister struct {
	w      io.Writer
	mode   int // modeTemplate, modeTable, modeJSON
	tmpl   *template.Template
	header []string
	tw     *tabwriter.Writer
	wrote  bool
	// resolved: the template's field names were matched to the rows' type.
	resolved bool
}

const (
	modeTemplate = iota
	modeTable
	modeJSON
)

// NewLister prepares output for spec. An empty spec or "table" uses
// defaultTable, a "table ..." template whose header cells are derived from
// the field names, unless headers maps a field to a title.
func NewLister(w io.Writer, spec, defaultTable string, headers map[string]string) (*Lister, error) {
	l := &Lister{w: w}
	switch {
	case spec == "json":
		l.mode = modeJSON
		return l, nil
	case spec == "" || spec == "table":
		spec = defaultTable
	}
	text := spec
	if strings.HasPrefix(spec, "table") {
		l.mode = modeTable
		text = strings.TrimSpace(strings.TrimPrefix(spec, "table"))
		l.header = headerCells(text, headers)
	}
	text = strings.NewReplacer(`\t`, "\t", `\n`, "\n").Replace(text)
	t, err := Parse(text)
	if err != nil {
		return nil, err
	}
	l.tmpl = t
	if l.mode == modeTable {
		l.tw = tabwriter.NewWriter(w, 10, 1, 3, ' ', 0)
	}
	return l, nil
}

// headerCells turns "{{.ID}}\t{{.Repository}}" into ["IMAGE ID", "REPOSITORY"].
func headerCells(text string, titles map[string]string) []string {
	var cells []string
	for _, part := range strings.Split(strings.ReplaceAll(text, `\t`, "\t"), "\t") {
		name := part
		if i := strings.Index(part, "{{"); i >= 0 {
			name = part[i+2:]
			if j := strings.Index(name, "}}"); j >= 0 {
				name = name[:j]
			}
			name = strings.TrimSpace(name)
			fields := strings.Fields(name)
			if len(fields) > 0 {
				name = fields[len(fields)-1]
			}
			name = strings.TrimPrefix(name, ".")
		}
		if t, ok := titles[name]; ok {
			name = t
		} else {
			name = strings.ToUpper(splitCamel(name))
		}
		cells = append(cells, name)
	}
	return cells
}

func splitCamel(s string) string {
	var b strings.Builder
	for i, r := range s {
		if i > 0 && r >= 'A' && r <= 'Z' && s[i-1] >= 'a' && s[i-1] <= 'z' {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Row writes one item.
func (l *Lister) Row(v any) error {
	switch l.mode {
	case modeJSON:
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(l.w, "%s\n", b)
		return err
	case modeTable:
		if !l.wrote {
			fmt.Fprintln(l.tw, strings.Join(l.header, "\t"))
			l.wrote = true
		}
		return l.exec(l.tw, v)
	default:
		return l.exec(l.w, v)
	}
}

func (l *Lister) exec(w io.Writer, v any) error {
	if !l.resolved {
		// Every row is of one type.
		resolveFields(l.tmpl, v)
		l.resolved = true
	}
	var buf bytes.Buffer
	if err := l.tmpl.Execute(&buf, v); err != nil {
		return fmt.Errorf("--format: %w", err)
	}
	if !bytes.HasSuffix(buf.Bytes(), []byte("\n")) {
		buf.WriteByte('\n')
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// Flush ends the output; a table with no rows still gets its header.
func (l *Lister) Flush() error {
	if l.mode == modeTable {
		if !l.wrote {
			fmt.Fprintln(l.tw, strings.Join(l.header, "\t"))
		}
		return l.tw.Flush()
	}
	return nil
}

// Object writes a single object: indented JSON when spec is empty (as
// inspect does), JSON on one line for "json" (Docker's {{json .}}), else
// the template applied to it.
func Object(w io.Writer, spec string, v any) error {
	if spec == "" || spec == "json" {
		b, err := json.MarshalIndent(v, "", "    ")
		if spec == "json" {
			b, err = json.Marshal(v)
		}
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n", b)
		return err
	}
	t, err := Parse(strings.NewReplacer(`\t`, "\t", `\n`, "\n").Replace(spec))
	if err != nil {
		return err
	}
	resolveFields(t, v)
	var buf bytes.Buffer
	if err := t.Execute(&buf, v); err != nil {
		return fmt.Errorf("--format: %w", err)
	}
	if !bytes.HasSuffix(buf.Bytes(), []byte("\n")) {
		buf.WriteByte('\n')
	}
	_, err = w.Write(buf.Bytes())
	return err
}
