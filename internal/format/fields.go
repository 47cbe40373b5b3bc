package format

import (
	"maps"
	"reflect"
	"strings"
	"text/template"
	"text/template/parse"
)

// Docker's templates take a field under its Go name or its JSON key:
// inspect runs the template on the typed value, and again on the decoded
// JSON if that fails, so {{.ID}} and {{.Id}} both work, as do .HostIP and
// .HostIp, .NanoCPUs and .NanoCpus. skiff's types use one spelling, so
// resolveFields rewrites each field a template names to the one the value
// has, found by its type: a field or method of that name, else the field
// whose JSON key is the name, else one of either that matches in any case.
// Names it cannot place (map keys, values whose type is known only when
// the template runs) are left as written, so a template that works
// unchanged means the same.

func resolveFields(t *template.Template, v any) {
	if t.Tree == nil || v == nil {
		return
	}
	root := reflect.TypeOf(v)
	r := &resolver{vars: map[string]reflect.Type{"$": root}}
	r.list(t.Tree.Root, root)
}

type resolver struct {
	vars map[string]reflect.Type
}

func (r *resolver) list(l *parse.ListNode, dot reflect.Type) {
	if l == nil {
		return
	}
	// Variables declared in a block end with it.
	saved := maps.Clone(r.vars)
	defer func() { r.vars = saved }()
	for _, n := range l.Nodes {
		switch n := n.(type) {
		case *parse.ActionNode:
			r.declare(n.Pipe, r.pipe(n.Pipe, dot))
		case *parse.IfNode:
			t := r.pipe(n.Pipe, dot)
			r.branch(&n.BranchNode, dot, dot, func() { r.declare(n.Pipe, t) })
		case *parse.WithNode:
			t := r.pipe(n.Pipe, dot)
			r.branch(&n.BranchNode, dot, t, func() { r.declare(n.Pipe, t) })
		case *parse.RangeNode:
			elem := elemType(r.pipe(n.Pipe, dot))
			r.branch(&n.BranchNode, dot, elem, func() {
				// {{range $v := ...}} or {{range $k, $v := ...}}
				if d := n.Pipe.Decl; len(d) > 0 {
					r.vars[d[0].Ident[0]] = elem
					if len(d) == 2 {
						r.vars[d[0].Ident[0]], r.vars[d[1].Ident[0]] = nil, elem
					}
				}
			})
		case *parse.TemplateNode:
			r.pipe(n.Pipe, dot)
		}
	}
}

// branch resolves a block whose dot is inner and its else part, whose dot
// is dot; declare adds the variables the block's pipeline declares.
func (r *resolver) branch(b *parse.BranchNode, dot, inner reflect.Type, declare func()) {
	saved := maps.Clone(r.vars)
	declare()
	r.list(b.List, inner)
	r.vars = saved
	r.list(b.ElseList, dot)
}

func (r *resolver) declare(p *parse.PipeNode, t reflect.Type) {
	if p == nil {
		return
	}
	for _, v := range p.Decl {
		r.vars[v.Ident[0]] = t
	}
}

// pipe resolves the fields in p and returns the type it yields, nil where
// that is not known.
func (r *resolver) pipe(p *parse.PipeNode, dot reflect.Type) reflect.Type {
	if p == nil {
		return nil
	}
	var t reflect.Type
	for _, c := range p.Cmds {
		t = r.command(c, dot)
	}
	return t
}

func (r *resolver) command(c *parse.CommandNode, dot reflect.Type) reflect.Type {
	types := make([]reflect.Type, len(c.Args))
	for i, a := range c.Args {
		types[i] = r.operand(a, dot)
	}
	if len(c.Args) == 0 {
		return nil
	}
	if fn, ok := c.Args[0].(*parse.IdentifierNode); ok {
		if fn.Ident == "index" && len(types) > 1 {
			t := types[1]
			for range types[2:] {
				t = elemType(t)
			}
			return t
		}
		return nil
	}
	return types[0]
}

func (r *resolver) operand(n parse.Node, dot reflect.Type) reflect.Type {
	switch n := n.(type) {
	case *parse.DotNode:
		return dot
	case *parse.FieldNode:
		return members(dot, n.Ident)
	case *parse.VariableNode:
		return members(r.vars[n.Ident[0]], n.Ident[1:])
	case *parse.ChainNode:
		return members(r.operand(n.Node, dot), n.Field)
	case *parse.PipeNode:
		return r.pipe(n, dot)
	}
	return nil
}

// members rewrites each name of a chain .A.B.C in place to the member of
// the type before it that it means, and returns the last one's type.
func members(t reflect.Type, names []string) reflect.Type {
	for i, name := range names {
		if t == nil {
			return nil
		}
		var actual string
		actual, t = member(t, name)
		if t != nil {
			names[i] = actual
		}
	}
	return t
}

func member(t reflect.Type, name string) (string, reflect.Type) {
	for _, mt := range []reflect.Type{t, reflect.PointerTo(t)} {
		if m, ok := mt.MethodByName(name); ok {
			if m.Type.NumOut() == 0 {
				return name, nil
			}
			return name, m.Type.Out(0)
		}
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Map:
		// A key, such as a label's: taken as written.
		return name, t.Elem()
	case reflect.Struct:
	default:
		return name, nil
	}
	if f, ok := t.FieldByName(name); ok {
		return name, f.Type
	}
	for _, match := range []func(a, b string) bool{
		func(a, b string) bool { return a == b },
		strings.EqualFold,
	} {
		f, ok := t.FieldByNameFunc(func(field string) bool {
			sf, _ := t.FieldByName(field)
			return sf.IsExported() && (match(field, name) || match(jsonKey(sf), name))
		})
		if ok {
			return f.Name, f.Type
		}
	}
	return name, nil
}

func jsonKey(f reflect.StructField) string {
	key, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	if key == "" || key == "-" {
		return f.Name
	}
	return key
}

// elemType is the type range yields, or index.
func elemType(t reflect.Type) reflect.Type {
	if t == nil {
		return nil
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Slice, reflect.Array, reflect.Map, reflect.Chan:
		return t.Elem()
	}
	return nil
}
