package dockerfile

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"

	"github.com/skiff-containers/skiff/internal/imageconfig"
)

// PlanOptions chooses what Plan builds.
type PlanOptions struct {
	Target  string            // stage name or "" (the last stage)
	Args    map[string]string // --build-arg values (override ARG defaults)
	Builtin map[string]string // predefined args such as TARGETPLATFORM, TARGETOS, TARGETARCH, BUILDPLATFORM..., usable in FROM
}

// Plan is which stages to build, in what order, with what bases.
type Plan struct {
	Stages []Planned // only the stages the target needs, each after every stage it needs (dependencies first, target last)
	Target int       // index into File.Stages of the target
	// MetaArgs: the global ARG values after --build-arg overrides and
	// expansion, as KEY=VALUE, in order of first declaration (stages import
	// them with a bare `ARG NAME`). A global ARG without a default or
	// override is absent, unless it names a Builtin arg, whose value it gets.
	MetaArgs []string
}

// Planned is one stage of a Plan.
type Planned struct {
	Index     int    // into File.Stages
	Base      string // the expanded FROM image reference ("scratch" for scratch); "" when BaseStage >= 0
	BaseStage int    // index of the stage used as base, or -1
	Platform  string // expanded FROM --platform ("" none)
	Needs     []int  // stages this one needs: its base stage, every COPY/ADD --from=STAGE and RUN --mount=...,from=STAGE that names a stage (by name or by number); sorted, unique
}

// Plan resolves the stages the target needs, as BuildKit does: FROM images
// and platforms are expanded with the global scope (Builtin, overridden by
// Args of the same name, then the meta ARGs); a FROM naming an earlier stage
// builds on it; COPY --from and RUN --mount from= may name any stage, or an
// earlier one by number, and anything else there is an image. Like BuildKit,
// every stage is checked (blank FROM, bad --from index, dependency cycles),
// not only the needed ones. Errors are *Error.
func (f *File) Plan(o PlanOptions) (*Plan, error) {
	if len(f.Stages) == 0 {
		return nil, &Error{File: f.Name, Msg: "no build stage to plan"}
	}
	target := len(f.Stages) - 1
	if o.Target != "" {
		target = f.lastNamed(o.Target, len(f.Stages))
		if target < 0 {
			return nil, &Error{File: f.Name, Msg: fmt.Sprintf("target stage %q could not be found", o.Target)}
		}
	}
	global, metaArgs, err := f.metaEnv(o)
	if err != nil {
		return nil, err
	}

	all := make([]Planned, len(f.Stages))
	// needLine[i][j] is the line where stage i first needs stage j, for
	// pointing at a cycle.
	needLine := make([]map[int]int, len(f.Stages))
	for i := range f.Stages {
		st := &f.Stages[i]
		p := Planned{Index: i, BaseStage: -1}
		needLine[i] = map[int]int{}

		base, err := f.ExpandWord(st.BaseName, global)
		if err != nil {
			return nil, f.errorAt(st.Line, err)
		}
		if base == "" {
			return nil, &Error{File: f.Name, Line: st.Line, Msg: fmt.Sprintf("base name (%s) should not be blank", st.BaseName)}
		}
		if j := f.lastNamed(base, i); j >= 0 {
			p.BaseStage = j
			needLine[i][j] = st.Line
		} else {
			p.Base = base
		}

		if st.Platform != "" {
			plat, err := f.ExpandWord(st.Platform, global)
			if err != nil {
				return nil, f.errorAt(st.Line, err)
			}
			if plat == "" {
				return nil, &Error{File: f.Name, Line: st.Line, Msg: fmt.Sprintf("empty platform value from expression %s", st.Platform)}
			}
			p.Platform = plat
		}

		for _, cmd := range st.Commands {
			for _, from := range fromRefs(cmd) {
				j, ok, err := f.fromStage(from, i, global)
				if err != nil {
					return nil, f.errorAt(commandLine(cmd), err)
				}
				if ok {
					if _, seen := needLine[i][j]; !seen {
						needLine[i][j] = commandLine(cmd)
					}
				}
			}
		}
		p.Needs = slices.Sorted(maps.Keys(needLine[i]))
		all[i] = p
	}

	if err := f.checkCycles(all, needLine); err != nil {
		return nil, err
	}

	plan := &Plan{Target: target, MetaArgs: metaArgs}
	done := make([]bool, len(all))
	var visit func(i int)
	visit = func(i int) {
		if done[i] {
			return
		}
		done[i] = true
		for _, j := range all[i].Needs {
			visit(j)
		}
		plan.Stages = append(plan.Stages, all[i])
	}
	visit(target)
	return plan, nil
}

// StageIndex finds a stage by name (case-insensitive; the last of that name,
// as BuildKit's name map keeps it) or by number as written in --from; ok is
// false when neither (then --from names an image).
func (f *File) StageIndex(ref string) (int, bool) {
	if n, err := strconv.Atoi(ref); err == nil && isDigits(ref) {
		if n >= 0 && n < len(f.Stages) {
			return n, true
		}
		return -1, false
	}
	if i := f.lastNamed(ref, len(f.Stages)); i >= 0 {
		return i, true
	}
	return -1, false
}

// lastNamed is the last stage before stage `before` named name
// (case-insensitive), or -1.
func (f *File) lastNamed(name string, before int) int {
	if name == "" {
		return -1
	}
	for j := before - 1; j >= 0; j-- {
		if f.Stages[j].Name != "" && strings.EqualFold(f.Stages[j].Name, name) {
			return j
		}
	}
	return -1
}

// fromStage resolves a --from value of stage cur: expanded with the global
// scope (BuildKit refuses variables there; the classic builder expanded
// them), then a stage name (any stage) or number (an earlier stage). ok is
// false for an image reference.
func (f *File) fromStage(from string, cur int, global []string) (int, bool, error) {
	ref, err := f.ExpandWord(from, global)
	if err != nil {
		return 0, false, err
	}
	if isDigits(ref) {
		n, err := strconv.Atoi(ref)
		if err != nil || n >= cur {
			return 0, false, fmt.Errorf("invalid stage index %s in --from=%s: a stage number must refer to an earlier stage", ref, from)
		}
		return n, true, nil
	}
	if j := f.lastNamed(ref, len(f.Stages)); j >= 0 {
		return j, true, nil
	}
	return 0, false, nil
}

// fromRefs is the --from values of cmd that may name a stage: COPY --from
// and each RUN --mount from=. (ADD has no --from.)
func fromRefs(cmd instructions.Command) []string {
	switch c := cmd.(type) {
	case *instructions.CopyCommand:
		if c.From != "" {
			return []string{c.From}
		}
	case *instructions.RunCommand:
		var refs []string
		for _, m := range instructions.GetMounts(c) {
			if m.From != "" {
				refs = append(refs, m.From)
			}
		}
		return refs
	}
	return nil
}

// metaEnv computes the global scope FROM lines are expanded in — Builtin
// (Args override them), then each meta ARG in order: its --build-arg value,
// else its default expanded in the scope so far — and the meta ARG values
// alone, as Plan.MetaArgs.
func (f *File) metaEnv(o PlanOptions) (global, meta []string, err error) {
	for _, k := range slices.Sorted(maps.Keys(o.Builtin)) {
		v := o.Builtin[k]
		if ov, ok := o.Args[k]; ok {
			v = ov
		}
		global = imageconfig.SetEnv(global, k, v)
	}
	for _, a := range f.MetaArgs {
		for _, kv := range a.Args {
			var v string
			if ov, ok := o.Args[kv.Key]; ok {
				v = ov
			} else if kv.Value != nil {
				if v, err = f.ExpandWord(*kv.Value, global); err != nil {
					return nil, nil, f.errorAt(commandLine(&a), err)
				}
			} else if bv, ok := imageconfig.LookupEnv(global, kv.Key); ok && hasKey(o.Builtin, kv.Key) {
				v = bv
			} else {
				continue
			}
			global = imageconfig.SetEnv(global, kv.Key, v)
			meta = imageconfig.SetEnv(meta, kv.Key, v)
		}
	}
	return global, meta, nil
}

// checkCycles reports a stage needing itself, directly or through others,
// naming the stages of the first cycle found.
func (f *File) checkCycles(all []Planned, needLine []map[int]int) error {
	const (
		unseen = iota
		onPath
		finished
	)
	state := make([]int, len(all))
	var path []int
	var cycle []int
	var visit func(i int) bool
	visit = func(i int) bool {
		state[i] = onPath
		path = append(path, i)
		for _, j := range all[i].Needs {
			switch state[j] {
			case onPath:
				k := slices.Index(path, j)
				cycle = append(slices.Clone(path[k:]), j)
				return true
			case unseen:
				if visit(j) {
					return true
				}
			}
		}
		path = path[:len(path)-1]
		state[i] = finished
		return false
	}
	for i := range all {
		if state[i] == unseen && visit(i) {
			names := make([]string, len(cycle))
			for k, s := range cycle {
				names[k] = f.stageName(s)
			}
			msg := "circular dependency detected on stage: " + names[0]
			if len(cycle) > 2 {
				msg += " (" + strings.Join(names, " -> ") + ")"
			}
			return &Error{File: f.Name, Line: needLine[cycle[0]][cycle[1]], Msg: msg}
		}
	}
	return nil
}

// stageName is a stage's name for messages: its AS name, else "stage-N" as
// BuildKit calls it.
func (f *File) stageName(i int) string {
	if n := f.Stages[i].Name; n != "" {
		return n
	}
	return "stage-" + strconv.Itoa(i)
}

// errorAt turns an error into an *Error at line, keeping an *Error's message.
func (f *File) errorAt(line int, err error) *Error {
	msg := err.Error()
	if e, ok := err.(*Error); ok {
		msg = e.Msg
	}
	return &Error{File: f.Name, Line: line, Msg: msg}
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func hasKey(m map[string]string, k string) bool {
	_, ok := m[k]
	return ok
}
