package graph

import (
	"cmp"
	"context"
	"encoding/json"

	"github.com/99designs/gqlgen/graphql"
	"github.com/digidip/digidip/engine"
	"github.com/digidip/digidip/graph/model"
	"github.com/vektah/gqlparser/v2/ast"
)

// cost prices an operation: the most cost units its answer may hold, where
// a unit is one field, SmallPerUnit small scalars or CostUnitBytes of text
// (all about CostUnitBytes of JSON at most). Data fields are priced by
// the executable schema's Complexity (see complexity.go), the lists of a
// subgraph and a path by their parent's arguments, and introspection by
// the schema's own sizes. gqlgen's complexity.Calculate prices __schema at
// 0 and an introspection list as one object, so a few aliased
// introspection queries answered megabytes for free. Without a pinned
// graph (the server always pins one) a subgraph's edges are priced by
// maxEdges alone.
func (l *Limits) cost(ctx context.Context, op *ast.OperationDefinition, vars map[string]any) int {
	c := &coster{ctx: ctx, es: l.es, schema: l.es.Schema(), vars: vars, intro: l.intro, memo: map[memoKey]price{}}
	if g := FromContext(ctx); g != nil {
		c.sizes = g.Sizes()
		st := g.Stats()
		c.stats = &st
	}
	return c.set(op.SelectionSet, nil).units()
}

// SmallPerUnit is how many small scalars (an ID, a number, an enum value, a
// boolean) cost one unit: with its key and punctuation each takes a few
// tens of bytes, not the CostUnitBytes a unit stands for. Counting each as
// a whole field priced the drawing of a subgraph at the node limit (2,000
// entities with id, name, kind and degree; relations with id, source,
// target, predicate, evidenceCount, modality and implied) at five times
// its size, over the cost limit.
const SmallPerUnit = 5

// price is the cost of a selection set: units, and small scalars not yet
// turned into units. They are turned into units once for a whole list
// (n items of k small scalars cost n×k/SmallPerUnit, rounded up once), so
// the rounding does not price each item of a long list as a whole unit.
type price struct{ unit, small int }

func (p price) units() int { return capAdd(p.unit, ceilDiv(p.small, SmallPerUnit)) }

func (p price) add(q price) price { return price{capAdd(p.unit, q.unit), capAdd(p.small, q.small)} }

// listOf prices a list of at most n items costing p each.
func listOf(n int, p price) int {
	return capAdd(list(n, p.unit), ceilDiv(capMul(n, p.small), SmallPerUnit))
}

func ceilDiv(a, b int) int { return a/b + min(a%b, 1) }

// isSmallLeaf reports whether a field answers one ID, Int, Float, Boolean or
// enum value: a few tens of bytes of JSON, whatever the data.
func isSmallLeaf(s *ast.Schema, f *ast.Field) bool {
	if f == nil || f.Definition == nil || len(f.SelectionSet) > 0 || f.Definition.Type.Elem != nil {
		return false
	}
	t := s.Types[f.Definition.Type.Name()]
	if t == nil {
		return false
	}
	switch t.Name {
	case "ID", "Int", "Float", "Boolean":
		return true
	}
	return t.Kind == ast.Enum
}

type coster struct {
	ctx    context.Context
	es     graphql.ExecutableSchema
	schema *ast.Schema
	vars   map[string]any
	sizes  *engine.Sizes // nil without a pinned graph
	stats  *engine.Stats // nil without a pinned graph
	// inList is set while the walk is under a list: there an entity's
	// lists are priced at their typical size, not at the hub's (see
	// listSize).
	inList bool
	intro  *schemaSizes
	memo   map[memoKey]price
}

// memoKey names a fragment's selection under one parent field: its cost
// depends on nothing else, so a fragment spread many times is walked once.
type memoKey struct {
	fragment string
	parent   *ast.Field
}

// set prices a selection set under the field parent (nil at the root).
func (c *coster) set(sel ast.SelectionSet, parent *ast.Field) price {
	var total price
	for _, s := range sel {
		switch s := s.(type) {
		case *ast.Field:
			if isSmallLeaf(c.schema, s) {
				total.small = capAdd(total.small, 1)
				continue
			}
			total = total.add(c.field(s, parent))
		case *ast.InlineFragment:
			total = total.add(c.set(s.SelectionSet, parent))
		case *ast.FragmentSpread:
			if s.Definition == nil {
				continue
			}
			k := memoKey{s.Name, parent}
			v, ok := c.memo[k]
			if !ok {
				c.memo[k] = price{} // a cycle, if validation missed one, counts as nothing
				v = c.set(s.Definition.SelectionSet, parent)
				c.memo[k] = v
			}
			total = total.add(v)
		}
	}
	return total
}

// field prices one field with what is under it. An object that is not in a
// list of its own passes its small scalars up, so that they are rounded
// with the list that holds it (a relation's {implied} under each edge is
// a fifth of a unit per edge, not one).
func (c *coster) field(f *ast.Field, parent *ast.Field) price {
	if f.Definition == nil || f.ObjectDefinition == nil {
		return price{unit: 1}
	}
	if f.Name == "__schema" || f.Name == "__type" {
		return price{unit: c.introspection(f)}
	}
	var item price
	if t := c.schema.Types[f.Definition.Type.Name()]; t != nil && (t.Kind == ast.Object || t.Kind == ast.Interface || t.Kind == ast.Union) {
		was := c.inList
		c.inList = was || f.Definition.Type.Elem != nil
		item = c.set(f.SelectionSet, f)
		c.inList = was
	}
	owner := f.ObjectDefinition.Name
	switch owner + "." + f.Name {
	case "Subgraph.nodes":
		return price{unit: listOf(c.subgraphNodes(parent), item)}
	case "Subgraph.edges":
		n := c.subgraphNodes(parent)
		edges := defaultMaxEdges
		if parent != nil {
			edges = intArg(parent.ArgumentMap(c.vars), "maxEdges", edges)
		}
		edges = max(1, min(edges, engine.MaxSubgraphEdges))
		if c.sizes != nil {
			edges = min(edges, c.sizes.EdgesAmong(n))
		}
		return price{unit: listOf(edges, item)}
	case "Path.steps":
		return price{unit: listOf(c.pathHops(parent), item)}
	case "Path.nodes":
		return price{unit: listOf(c.pathHops(parent)+1, item)}
	}
	args := f.ArgumentMap(c.vars)
	if n, ok := c.listSize(owner+"."+f.Name, args); ok {
		return price{unit: listOf(n, item)}
	}
	if f.ObjectDefinition.Kind == ast.Interface {
		// the costliest implementation of the field
		var most price
		for _, t := range c.schema.GetPossibleTypes(f.ObjectDefinition) {
			if p := c.priced(t.Name, f.Name, item, args); p.units() > most.units() {
				most = p
			}
		}
		return most
	}
	return c.priced(owner, f.Name, item, args)
}

// priced prices a field by its Complexity when it has one (a list, which
// knows its length, or a text), given what one item costs; otherwise as
// one field with what is under it.
func (c *coster) priced(typeName, field string, item price, args map[string]any) price {
	if v, ok := c.es.Complexity(c.ctx, typeName, field, item.units(), args); ok && v >= 1 {
		return price{unit: v}
	}
	return price{unit: capAdd(1, item.unit), small: item.small}
}

// listSize prices, from the graph served, the lists whose size the data
// bounds more tightly than Complexity can: the relations of one predicate
// by how many the graph holds, and, under a list, an entity's relations,
// neighbours and mentions and a relation's evidence by their 99th
// percentile. A list of many entities holds a few hubs at most; pricing
// every one as the largest hub refused ordinary questions (each relation's
// subject with its relations) at ten times their size. The response
// budget still stops an answer that outgrows its price.
func (c *coster) listSize(field string, args map[string]any) (int, bool) {
	if c.sizes == nil {
		return 0, false
	}
	pred := func() string {
		if p, ok := args["predicate"].(string); ok {
			return PredicateID(model.Predicate(p))
		}
		return ""
	}
	first := func(def int) int { return max(1, intArg(args, "first", def)) }
	if field == "Query.relations" && c.stats != nil && pred() != "" {
		return min(first(DefaultFirst), c.stats.ByPredicate[pred()]), true
	}
	if !c.inList {
		return 0, false
	}
	s := c.sizes
	switch field {
	case "Entity.relations", "Entity.neighbours":
		return min(first(DefaultFirst), s.TypicalDegree(pred())), true
	case "Entity.calledOn":
		return min(first(DefaultFirstAll), s.TypicalDegree("calls-on")), true
	case "Entity.funders", "Entity.funds":
		return min(first(DefaultFirstAll), s.TypicalDegree("funds")), true
	case "Entity.partners":
		return min(first(DefaultFirstAll), s.TypicalDegree("partners-with")), true
	case "Entity.mentions":
		return min(first(DefaultFirstAll), cmp.Or(s.EntityMentionsP99, s.EntityMentions)), true
	case "Relation.evidence":
		return min(first(DefaultFirstAll), cmp.Or(s.EvidenceP99, s.Evidence)), true
	}
	return 0, false
}

// subgraphNodes is the most entities the enclosing subgraph field returns:
// its maxNodes, and no more than the graph served holds.
func (c *coster) subgraphNodes(parent *ast.Field) int {
	n := engine.DefaultSubgraph
	if parent != nil {
		n = intArg(parent.ArgumentMap(c.vars), "maxNodes", n)
	}
	if c.stats != nil {
		n = min(n, c.stats.Entities)
	}
	return max(1, min(n, engine.MaxSubgraph))
}

// pathHops is the most steps of one path of the enclosing path field.
func (c *coster) pathHops(parent *ast.Field) int {
	n := 4
	if parent != nil {
		n = intArg(parent.ArgumentMap(c.vars), "maxHops", n)
	}
	return max(1, min(n, engine.MaxPathHops))
}

// intArg reads an Int argument as gqlparser gives it: a literal is an
// int64, a variable whatever JSON decoding made of it.
func intArg(args map[string]any, name string, def int) int {
	switch v := args[name].(type) {
	case int:
		return v
	case int64:
		return int(min(max(v, -ceiling), ceiling))
	case float64:
		return int(min(max(v, -ceiling), ceiling))
	case json.Number:
		if n, err := v.Int64(); err == nil {
			return int(min(max(n, -ceiling), ceiling))
		}
	}
	return def
}

// schemaSizes are the largest lists and texts introspection can return,
// read from the schema: an introspection query is priced by them as any
// other query is by the data's.
type schemaSizes struct {
	types, directives                                  int
	fields, args, inputFields, enumValues, interfaces  int // most of one type or field
	allFields, allArgs, allInputFields, allEnumValues  int // of all types together
	allInterfaces, allPossible, possible, directiveArg int
	wrap                                               int // most List/NonNull wrappers of one type reference
	typeDesc, fieldDesc, argDesc, enumDesc, dirDesc    int // longest descriptions, in bytes
	schemaDesc                                         int
	// What every type's (field's, argument's, input field's, enum
	// value's) description costs, summed: listing them all costs that,
	// not the longest one's price times their number.
	typeDescs, fieldDescs, argDescs, inputDescs, enumDescs int
}

func measureSchema(s *ast.Schema) *schemaSizes {
	z := &schemaSizes{types: len(s.Types), directives: len(s.Directives), schemaDesc: len(s.Description)}
	wrap := func(t *ast.Type) {
		n := 0
		for ; t != nil; t = t.Elem {
			if t.NonNull {
				n++
			}
			if t.Elem != nil {
				n++
			}
		}
		z.wrap = max(z.wrap, n)
	}
	for _, t := range s.Types {
		z.typeDesc = max(z.typeDesc, len(t.Description))
		z.typeDescs += textCost(len(t.Description))
		var fields, inputs int
		for _, f := range t.Fields {
			if t.Kind == ast.InputObject {
				inputs++
				z.argDesc = max(z.argDesc, len(f.Description))
				z.inputDescs += textCost(len(f.Description))
			} else {
				fields++
				z.fieldDesc = max(z.fieldDesc, len(f.Description))
				z.fieldDescs += textCost(len(f.Description))
			}
			wrap(f.Type)
			z.args = max(z.args, len(f.Arguments))
			z.allArgs += len(f.Arguments)
			for _, a := range f.Arguments {
				z.argDesc = max(z.argDesc, len(a.Description))
				z.argDescs += textCost(len(a.Description))
				wrap(a.Type)
			}
		}
		z.fields = max(z.fields, fields)
		z.allFields += fields
		z.inputFields = max(z.inputFields, inputs)
		z.allInputFields += inputs
		z.enumValues = max(z.enumValues, len(t.EnumValues))
		z.allEnumValues += len(t.EnumValues)
		for _, v := range t.EnumValues {
			z.enumDesc = max(z.enumDesc, len(v.Description))
			z.enumDescs += textCost(len(v.Description))
		}
		z.interfaces = max(z.interfaces, len(t.Interfaces))
		z.allInterfaces += len(t.Interfaces)
		if t.IsAbstractType() {
			p := len(s.GetPossibleTypes(t))
			z.possible = max(z.possible, p)
			z.allPossible += p
		}
	}
	for _, d := range s.Directives {
		z.dirDesc = max(z.dirDesc, len(d.Description))
		z.directiveArg = max(z.directiveArg, len(d.Arguments))
		for _, a := range d.Arguments {
			z.argDesc = max(z.argDesc, len(a.Description))
			wrap(a.Type)
		}
	}
	return z
}

// introScope is where an introspection selection stands: how many objects
// it is asked of, and, when they are every type of the schema (or every
// field of every type) `whole` times over, how many times, so that a list
// under them is priced by the schema's total rather than by its longest
// list times the number of types.
type introScope struct {
	n           int // objects
	wholeTypes  int // the objects are every type, this many times
	wholeFields int // the objects are every field of every type, this many times
	wrap        int // type references: how many more ofType may be non-null
	// descs, when the objects are a whole list of the schema, is what all
	// their descriptions cost together; 0 otherwise.
	descs int
}

// introspection prices __schema or __type. Their lists are bounded by the
// schema, which the server knows exactly, so the price is close to the
// answer's real size: GraphiQL's introspection query costs a few thousand.
func (c *coster) introspection(f *ast.Field) int {
	if f.Name == "__schema" {
		return capAdd(1, c.introSet(f.SelectionSet, "__Schema", introScope{n: 1}))
	}
	return capAdd(1, c.introSet(f.SelectionSet, "__Type", introScope{n: 1}))
}

func (c *coster) introSet(sel ast.SelectionSet, typeName string, s introScope) int {
	total, small := 0, 0
	var walk func(ast.SelectionSet)
	walk = func(sel ast.SelectionSet) {
		for _, x := range sel {
			switch x := x.(type) {
			case *ast.Field:
				// kind, isDeprecated...: small scalars, as in data
				if isSmallLeaf(c.schema, x) {
					small++
					continue
				}
				total = capAdd(total, c.introField(x, typeName, s))
			case *ast.InlineFragment:
				walk(x.SelectionSet)
			case *ast.FragmentSpread:
				if x.Definition != nil {
					walk(x.Definition.SelectionSet)
				}
			}
		}
	}
	walk(sel)
	return capAdd(total, ceilDiv(capMul(s.n, small), SmallPerUnit))
}

func (c *coster) introField(f *ast.Field, typeName string, s introScope) int {
	z := c.intro
	own := 1
	var next *introScope
	child := func(n int) *introScope { return &introScope{n: n} }
	if s.descs > 0 && f.Name == "description" {
		return s.descs // every description of a whole list of the schema
	}
	switch typeName + "." + f.Name {
	case "__Schema.description":
		own = textCost(z.schemaDesc)
	case "__Schema.types":
		next = &introScope{n: capMul(s.n, z.types), wholeTypes: s.n, descs: capMul(s.n, z.typeDescs)}
	case "__Schema.queryType", "__Schema.mutationType", "__Schema.subscriptionType":
		next = child(s.n)
	case "__Schema.directives":
		next = child(capMul(s.n, z.directives))
	case "__Type.description":
		own = textCost(z.typeDesc)
	case "__Type.fields":
		next = child(capMul(s.n, z.fields))
		if s.wholeTypes > 0 {
			next = &introScope{n: capMul(s.wholeTypes, z.allFields), wholeFields: s.wholeTypes, descs: capMul(s.wholeTypes, z.fieldDescs)}
		}
	case "__Type.inputFields":
		next = child(pick(s, z.inputFields, z.allInputFields))
		if s.wholeTypes > 0 {
			next.descs = capMul(s.wholeTypes, z.inputDescs)
		}
	case "__Type.enumValues":
		next = child(pick(s, z.enumValues, z.allEnumValues))
		if s.wholeTypes > 0 {
			next.descs = capMul(s.wholeTypes, z.enumDescs)
		}
	case "__Type.interfaces":
		next = child(pick(s, z.interfaces, z.allInterfaces))
	case "__Type.possibleTypes":
		next = child(pick(s, z.possible, z.allPossible))
	case "__Type.ofType":
		if s.wrap == 0 {
			return s.n // null: a named type wraps nothing
		}
		next = &introScope{n: s.n, wrap: s.wrap - 1}
	case "__Field.description", "__EnumValue.description":
		own = textCost(max(z.fieldDesc, z.enumDesc))
	case "__InputValue.description":
		own = textCost(z.argDesc)
	case "__Directive.description":
		own = textCost(z.dirDesc)
	case "__Field.args":
		next = child(capMul(s.n, z.args))
		if s.wholeFields > 0 {
			next = &introScope{n: capMul(s.wholeFields, z.allArgs), descs: capMul(s.wholeFields, z.argDescs)}
		}
	case "__Directive.args":
		next = child(capMul(s.n, z.directiveArg))
	case "__Field.type", "__InputValue.type":
		next = &introScope{n: s.n, wrap: z.wrap}
	case "__Directive.locations":
		own = 2 // a list of short enum values
	}
	total := capMul(s.n, own)
	if next != nil && f.Definition != nil {
		total = capAdd(total, c.introSet(f.SelectionSet, f.Definition.Type.Name(), *next))
	}
	return total
}

// pick is how many items a list of a type gives across the scope's
// objects: the schema's total when they are every type, else the longest
// list times their number.
func pick(s introScope, most, all int) int {
	if s.wholeTypes > 0 {
		return capMul(s.wholeTypes, all)
	}
	return capMul(s.n, most)
}
