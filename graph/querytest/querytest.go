// Package querytest writes random valid GraphQL queries over a schema (every
// field, argument and enum value, values from a pool, random depths,
// aliases, fragments and variables), deterministic from a seed, so that two
// query engines can be asked the same questions and their answers compared.
package querytest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
)

// Pool is what the generator puts in arguments: values drawn from the data
// served, and some that name nothing or are malformed.
type Pool struct {
	// Args lists the values of a String or ID argument (or of each item of a
	// list of them), keyed "Type.field.argument" ("Query.timeline.from") or
	// by the argument's name alone, for that name on every field ("subject");
	// the qualified key wins.
	Args map[string][]string
	// Strings are for a String or ID argument that Args does not name.
	Strings []string
	// Invalid values go, now and then, into any String or ID argument.
	Invalid []string
	// Ints lists the values of an Int argument, keyed as Args. An argument
	// it does not name gets small numbers, its default, and edge values.
	Ints map[string][]int
	// Harvest maps a response key to an argument key (as in Args): the
	// strings Observe finds under that key in an answer become values of
	// that argument in later queries. {"endCursor": "after"} pages on.
	Harvest map[string]string
}

// Options bound the queries; zero values take the defaults.
type Options struct {
	// MaxDepth is the deepest nesting of fields, root fields counting one.
	// Each query draws its own depth up to it. Default 5.
	MaxDepth int
	// MaxFields is the most selections drawn for one selection set.
	// Default 4.
	MaxFields int
	// MaxRootFields is the most fields drawn under the query root.
	// Default 3.
	MaxRootFields int
	// MaxAliases is the most aliases a query gets. Default 8.
	MaxAliases int
}

func (o *Options) withDefaults() {
	for _, f := range []struct {
		v   *int
		def int
	}{
		{&o.MaxDepth, 5}, {&o.MaxFields, 4}, {&o.MaxRootFields, 3}, {&o.MaxAliases, 8},
	} {
		if *f.v <= 0 {
			*f.v = f.def
		}
	}
	o.MaxDepth = max(o.MaxDepth, 2)
}

// Query is one generated request.
type Query struct {
	// Text is the document: one operation and the fragments it spreads.
	Text string
	// Variables are the values of the operation's variables; nil if none.
	Variables map[string]any
}

// How often the generator takes each turn.
const (
	pOmitOptional = 0.5  // an optional argument is left out
	pNull         = 0.03 // a nullable argument is given null
	pVariable     = 0.15 // an argument is passed as a variable
	pNoValue      = 0.2  // a nullable variable is left out of the variables
	pInvalid      = 0.08 // a String or ID argument gets an invalid value
	pHarvested    = 0.6  // an argument with harvested values takes one
	pAlias        = 0.08 // a field is aliased though its name is free
	pInline       = 0.08 // a selection is an inline fragment
	pSpread       = 0.08 // a selection is a fragment spread
	pReuse        = 0.5  // a spread reuses a fragment the query defined
	pDirective    = 0.04 // a field carries @include or @skip
	pTypename     = 0.05 // a selection is __typename
	pNamed        = 0.3  // a query without variables has a name anyway
	pSmallInt     = 0.85 // an Int argument is 1 to 5 rather than an edge value
	maxListItems  = 3
	maxHarvested  = 32 // values kept per argument key, the latest
	maxInputDepth = 4  // input objects nest no deeper
)

// edgeInts are the Int values at and past the bounds the API documents.
var edgeInts = []int{0, -1, 1, 2, 3, 4, 6, 7, 10, 20, 21, 50, 99, 100, 101, 200, 1000, 1001, 2000, 2001, 10000, 10001, math.MaxInt32, math.MinInt32}

// Generator writes queries. It is not safe for concurrent use.
type Generator struct {
	schema *ast.Schema
	pool   Pool
	rng    *rand.Rand
	opts   Options
	seen   map[string][]string // harvested values by argument key

	// the query being written
	frags      []*fragment
	vars       []string // declarations, "$v1: Int"
	values     map[string]any
	aliases    int
	names      int
	inputDepth int // of the input object being drawn
}

// New returns a generator of queries over schema, drawing every choice from
// rng: the same schema, pool, options, rng state and observed answers give
// the same queries.
func New(schema *ast.Schema, pool Pool, rng *rand.Rand, opts Options) *Generator {
	opts.withDefaults()
	return &Generator{schema: schema, pool: pool, rng: rng, opts: opts, seen: map[string][]string{}}
}

// Query writes the next query.
func (g *Generator) Query() Query {
	g.frags, g.vars, g.values, g.aliases, g.names = nil, nil, map[string]any{}, 0, 0
	root := g.schema.Query
	depth := 2 + g.rng.IntN(g.opts.MaxDepth-1)
	sel, _ := g.selectionSet(root, depth, 0, scope{}, g.opts.MaxRootFields)

	var b strings.Builder
	switch {
	case len(g.vars) > 0:
		fmt.Fprintf(&b, "query Q(%s) ", strings.Join(g.vars, ", "))
	case g.rng.Float64() < pNamed:
		b.WriteString("query Q ")
	}
	writeSet(&b, sel, 0)
	for _, f := range g.frags {
		fmt.Fprintf(&b, "\n\nfragment %s on %s ", f.name, f.on)
		writeSet(&b, f.sel, 0)
	}
	b.WriteByte('\n')
	q := Query{Text: b.String()}
	if len(g.vars) > 0 {
		q.Variables = g.values
	}
	return q
}

// Observe reads an answer to a query for values to reuse (see
// Pool.Harvest), in the order the answer gives them.
func (g *Generator) Observe(answer []byte) error {
	type frame struct {
		object, wantKey bool
		key             string
	}
	var stack []frame
	dec := json.NewDecoder(bytes.NewReader(answer))
	dec.UseNumber()
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			if len(stack) == 0 {
				return nil
			}
			err = io.ErrUnexpectedEOF
		}
		if err != nil {
			return fmt.Errorf("querytest: reading an answer: %w", err)
		}
		n := len(stack)
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			stack = stack[:n-1]
			if n > 1 && stack[n-2].object {
				stack[n-2].wantKey = true
			}
			continue
		}
		if n > 0 && stack[n-1].object && stack[n-1].wantKey {
			stack[n-1].key, stack[n-1].wantKey = tok.(string), false
			continue
		}
		switch v := tok.(type) {
		case json.Delim:
			stack = append(stack, frame{object: v == '{', wantKey: v == '{'})
			continue
		case string:
			if n > 0 && stack[n-1].object {
				if arg, ok := g.pool.Harvest[stack[n-1].key]; ok {
					g.keep(arg, v)
				}
			}
		}
		if n > 0 && stack[n-1].object {
			stack[n-1].wantKey = true
		}
	}
}

func (g *Generator) keep(arg, v string) {
	l := g.seen[arg]
	if slices.Contains(l, v) {
		return
	}
	if len(l) == maxHarvested {
		l = l[1:]
	}
	g.seen[arg] = append(l, v)
}

// selection is one item of a selection set: a field, an inline fragment
// or a fragment spread.
type selection struct {
	alias, name string
	args        []string // "name: value"
	directive   string
	inline      bool
	on          string // an inline fragment's type condition, "" for none
	spread      string // a fragment spread's fragment
	sel         []selection
}

type fragment struct {
	name, on string
	sel      []selection
	keys     []string // the response keys it adds where it is spread
	depth    int
}

// scope is the response keys of one selection set, its fragments merged.
// A key answers once in a scope, so no two fields ever merge: fields that
// merge must agree on arguments and shape, which random ones do not.
type scope map[string]bool

// maxFragmentNesting bounds fragments within fragments, which nest no
// field deeper and so are not bounded by the depth.
const maxFragmentNesting = 2

// selectionSet draws the selections of a set on type t, with fields nested
// at most depth deep (1: leaves only), adding their response keys to sc.
// nest is how many fragments enclose it below its field. It returns the
// selections and the depth they reach.
func (g *Generator) selectionSet(t *ast.Definition, depth, nest int, sc scope, most int) ([]selection, int) {
	want := 1 + g.rng.IntN(most)
	var out []selection
	reached := 0
	for try := 0; len(out) < want && try < 3*want; try++ {
		r := g.rng.Float64()
		if nest >= maxFragmentNesting {
			r = max(r, pInline+pSpread)
		}
		switch {
		case r < pInline:
			on := g.condition(t, true)
			sel, d := g.selectionSet(g.schema.Types[nameOr(on, t.Name)], depth, nest+1, sc, g.opts.MaxFields)
			out = append(out, selection{inline: true, on: on, directive: g.directive(), sel: sel})
			reached = max(reached, d)
		case r < pInline+pSpread:
			f := g.fragment(t, depth, nest, sc)
			out = append(out, selection{spread: f.name})
			reached = max(reached, f.depth)
		case r < pInline+pSpread+pTypename:
			if s, ok := g.typename(sc); ok {
				out = append(out, s)
				reached = max(reached, 1)
			}
		default:
			if s, d, ok := g.field(t, depth, sc); ok {
				out = append(out, s)
				reached = max(reached, d)
			}
		}
	}
	if len(out) == 0 {
		// every draw hit a taken key or a field too deep: a leaf that
		// always fits
		g.aliases++
		alias := g.name("a")
		sc[alias] = true
		out = append(out, selection{alias: alias, name: "__typename"})
		reached = 1
	}
	return out, reached
}

func nameOr(name, def string) string {
	if name == "" {
		return def
	}
	return name
}

// condition draws a type condition for a fragment on a selection of type
// t: t itself, an interface t implements, a type an abstract t may be, or
// (for an inline fragment) none.
func (g *Generator) condition(t *ast.Definition, allowNone bool) string {
	names := []string{t.Name}
	if allowNone {
		names = append(names, "")
	}
	for _, d := range g.schema.GetImplements(t) {
		names = append(names, d.Name)
	}
	if t.IsAbstractType() {
		var possible []string
		for _, d := range g.schema.GetPossibleTypes(t) {
			possible = append(possible, d.Name)
		}
		slices.Sort(possible)
		names = append(names, possible...)
	}
	return names[g.rng.IntN(len(names))]
}

// fragment spreads a named fragment on t here: one the query already
// defined, if one fits (its keys free in sc, its depth within depth), or a
// new one.
func (g *Generator) fragment(t *ast.Definition, depth, nest int, sc scope) *fragment {
	if g.rng.Float64() < pReuse {
		for _, f := range g.frags {
			if f.depth <= depth && g.applies(f.on, t) && !slices.ContainsFunc(f.keys, func(k string) bool { return sc[k] }) {
				for _, k := range f.keys {
					sc[k] = true
				}
				return f
			}
		}
	}
	on := g.condition(t, false)
	own := scope{}
	for k := range sc {
		own[k] = true
	}
	f := &fragment{name: g.name("F"), on: on}
	f.sel, f.depth = g.selectionSet(g.schema.Types[on], depth, nest+1, own, g.opts.MaxFields)
	for k := range own {
		if !sc[k] {
			f.keys = append(f.keys, k)
		}
	}
	slices.Sort(f.keys)
	for _, k := range f.keys {
		sc[k] = true
	}
	g.frags = append(g.frags, f)
	return f
}

// applies reports whether a fragment on type `on` may be spread in a
// selection of type t: the two share a possible type.
func (g *Generator) applies(on string, t *ast.Definition) bool {
	c := g.schema.Types[on]
	for _, a := range g.schema.GetPossibleTypes(c) {
		for _, b := range g.schema.GetPossibleTypes(t) {
			if a.Name == b.Name {
				return true
			}
		}
	}
	return false
}

func (g *Generator) typename(sc scope) (selection, bool) {
	s := selection{name: "__typename"}
	if sc["__typename"] {
		if g.aliases >= g.opts.MaxAliases {
			return s, false
		}
		g.aliases++
		s.alias = g.name("a")
	}
	sc[nameOr(s.alias, s.name)] = true
	return s, true
}

// field draws a field of t with its arguments and, for an object, its
// selections: at most depth deep, under a response key free in sc.
func (g *Generator) field(t *ast.Definition, depth int, sc scope) (selection, int, bool) {
	var fields []*ast.FieldDefinition
	for _, f := range t.Fields {
		if !strings.HasPrefix(f.Name, "__") {
			fields = append(fields, f)
		}
	}
	if len(fields) == 0 {
		return selection{}, 0, false
	}
	f := fields[g.rng.IntN(len(fields))]
	ft := g.schema.Types[f.Type.Name()]
	composite := ft.Kind == ast.Object || ft.Kind == ast.Interface || ft.Kind == ast.Union
	if composite && depth < 2 {
		return selection{}, 0, false
	}
	s := selection{name: f.Name}
	if sc[f.Name] || g.rng.Float64() < pAlias {
		if g.aliases >= g.opts.MaxAliases {
			return selection{}, 0, false
		}
		g.aliases++
		s.alias = g.name("a")
	}
	sc[nameOr(s.alias, s.name)] = true
	for _, a := range f.Arguments {
		if v, ok := g.argument(t.Name+"."+f.Name, a); ok {
			s.args = append(s.args, a.Name+": "+v)
		}
	}
	s.directive = g.directive()
	if !composite {
		return s, 1, true
	}
	sub, d := g.selectionSet(ft, depth-1, 0, scope{}, g.opts.MaxFields)
	s.sel = sub
	return s, d + 1, true
}

// argument draws an argument's value as it is written in the query: a
// literal or a variable. It is left out (false) now and then when optional.
func (g *Generator) argument(field string, a *ast.ArgumentDefinition) (string, bool) {
	required := a.Type.NonNull && a.DefaultValue == nil
	if !required && g.rng.Float64() < pOmitOptional {
		return "", false
	}
	if !a.Type.NonNull && g.rng.Float64() < pNull {
		return "null", true
	}
	v := g.value(field+"."+a.Name, a.Name, a.Type)
	if g.rng.Float64() >= pVariable {
		return literal(v), true
	}
	name := g.name("v")
	g.vars = append(g.vars, "$"+name+": "+a.Type.String())
	if a.Type.NonNull || g.rng.Float64() >= pNoValue {
		g.values[name] = jsonValue(v)
	}
	return "$" + name, true
}

// directive draws, now and then, an @include or @skip, with a literal or
// a variable condition.
func (g *Generator) directive() string {
	if g.rng.Float64() >= pDirective {
		return ""
	}
	name := "include"
	if g.rng.IntN(2) == 0 {
		name = "skip"
	}
	cond := strconv.FormatBool(g.rng.IntN(2) == 0)
	if g.rng.Float64() < pVariable {
		v := g.name("v")
		g.vars = append(g.vars, "$"+v+": Boolean!")
		g.values[v] = cond == "true"
		cond = "$" + v
	}
	return "@" + name + "(if: " + cond + ")"
}

// enum is an enum value, written bare in a query and as a string in JSON.
type enum string

// value draws a value of type t for the argument named by key (qualified)
// and name.
func (g *Generator) value(key, name string, t *ast.Type) any {
	if t.Elem != nil {
		n := g.rng.IntN(maxListItems + 1)
		l := make([]any, n)
		for i := range l {
			l[i] = g.value(key, name, t.Elem)
		}
		return l
	}
	def := g.schema.Types[t.Name()]
	switch {
	case def.Kind == ast.Enum:
		return enum(def.EnumValues[g.rng.IntN(len(def.EnumValues))].Name)
	case t.Name() == "Int":
		return g.int(key, name)
	case t.Name() == "Boolean":
		return g.rng.IntN(2) == 0
	case t.Name() == "Float":
		return float64(g.int(key, name))
	case t.Name() == "String" || t.Name() == "ID":
		return g.string(key, name)
	case def.Kind == ast.InputObject:
		return g.object(key, name, def)
	}
	panic(fmt.Sprintf("querytest: no values for %s arguments (%s)", t.Name(), key))
}

// object draws an input object: one or two of its fields, fewer nested
// objects the deeper it lies. The fields of an object of scalars only (an
// operator object such as `{ eq: "x" }`) take values for the field that
// holds it: key and name, so that a pool keyed "EntityWhere.id" gives ids.
// Other fields are keyed "Type.field" and named by the field.
func (g *Generator) object(key, name string, def *ast.Definition) object {
	leaf := true
	for _, f := range def.Fields {
		if g.schema.Types[f.Type.Name()].Kind == ast.InputObject {
			leaf = false
		}
	}
	g.inputDepth++
	defer func() { g.inputDepth-- }()
	var fields ast.FieldList
	for _, f := range def.Fields {
		if g.inputDepth < maxInputDepth || g.schema.Types[f.Type.Name()].Kind != ast.InputObject {
			fields = append(fields, f)
		}
	}
	var out object
	for range 1 + g.rng.IntN(2) {
		if len(fields) == 0 {
			break
		}
		i := g.rng.IntN(len(fields))
		f := fields[i]
		fields = slices.Delete(fields, i, i+1)
		k, n := def.Name+"."+f.Name, f.Name
		if leaf {
			k, n = key, name
		}
		out = append(out, objectField{f.Name, g.value(k, n, f.Type)})
	}
	return out
}

// object is an input object's fields in the order drawn.
type object []objectField

type objectField struct {
	name  string
	value any
}

func (g *Generator) int(key, name string) int {
	if l := lookup(g.pool.Ints, key, name); len(l) > 0 {
		return l[g.rng.IntN(len(l))]
	}
	if g.rng.Float64() < pSmallInt {
		return 1 + g.rng.IntN(5)
	}
	return edgeInts[g.rng.IntN(len(edgeInts))]
}

func (g *Generator) string(key, name string) string {
	if len(g.pool.Invalid) > 0 && g.rng.Float64() < pInvalid {
		return g.pool.Invalid[g.rng.IntN(len(g.pool.Invalid))]
	}
	if l := lookup(g.seen, key, name); len(l) > 0 && g.rng.Float64() < pHarvested {
		return l[g.rng.IntN(len(l))]
	}
	l := lookup(g.pool.Args, key, name)
	if len(l) == 0 {
		l = g.pool.Strings
	}
	if len(l) == 0 {
		l = g.pool.Invalid
	}
	if len(l) == 0 {
		return ""
	}
	return l[g.rng.IntN(len(l))]
}

func lookup[T any](m map[string][]T, key, name string) []T {
	if l, ok := m[key]; ok {
		return l
	}
	return m[name]
}

// name makes a name unique within the query: a1, v2, F3.
func (g *Generator) name(prefix string) string {
	g.names++
	return prefix + strconv.Itoa(g.names)
}

func literal(v any) string {
	switch v := v.(type) {
	case []any:
		items := make([]string, len(v))
		for i, x := range v {
			items[i] = literal(x)
		}
		return "[" + strings.Join(items, ", ") + "]"
	case enum:
		return string(v)
	case object:
		items := make([]string, len(v))
		for i, f := range v {
			items[i] = f.name + ": " + literal(f.value)
		}
		return "{" + strings.Join(items, ", ") + "}"
	case string:
		// JSON's escapes are all GraphQL string escapes
		b, _ := json.Marshal(v)
		return string(b)
	}
	return fmt.Sprint(v)
}

func jsonValue(v any) any {
	switch v := v.(type) {
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = jsonValue(x)
		}
		return out
	case enum:
		return string(v)
	case object:
		out := make(map[string]any, len(v))
		for _, f := range v {
			out[f.name] = jsonValue(f.value)
		}
		return out
	}
	return v
}

func writeSet(b *strings.Builder, sel []selection, indent int) {
	b.WriteString("{\n")
	pad := strings.Repeat("  ", indent+1)
	for _, s := range sel {
		b.WriteString(pad)
		switch {
		case s.spread != "":
			b.WriteString("..." + s.spread)
		case s.inline:
			b.WriteString("...")
			if s.on != "" {
				b.WriteString(" on " + s.on)
			}
		default:
			if s.alias != "" {
				b.WriteString(s.alias + ": ")
			}
			b.WriteString(s.name)
			if len(s.args) > 0 {
				b.WriteString("(" + strings.Join(s.args, ", ") + ")")
			}
		}
		if s.directive != "" {
			b.WriteString(" " + s.directive)
		}
		if s.sel != nil {
			b.WriteByte(' ')
			writeSet(b, s.sel, indent+1)
		}
		b.WriteByte('\n')
	}
	b.WriteString(strings.Repeat("  ", indent) + "}")
}
