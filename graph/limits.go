package graph

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Limits bounds what one operation may ask for, before it runs. Each limit
// is an option of `digidip serve`; zero means the default, not "no limit".
type Limits struct {
	// MaxCost is the most a query may cost: the number of fields it may
	// return (SmallPerUnit ids, numbers, enums or booleans counting as one),
	// each list counting `first` (no more than the longest such list in
	// the graph served) times the cost of what is under it, and each text
	// its longest value in the graph in units of CostUnitBytes (see
	// cost.go). Default 20000: about 5 MB of answer.
	MaxCost int
	// MaxDepth is the deepest selection nesting, fragments expanded.
	// Default 15.
	MaxDepth int
	// MaxAliases is how many aliased fields an operation may hold, fragments
	// expanded. Default 30.
	MaxAliases int

	// The bounds below are checked before validation, over the whole
	// document (every operation and fragment), so that no validation rule
	// sees a document that makes it slow.

	// MaxFields is how many fields a document may hold once its fragments
	// are expanded. Default 2000.
	MaxFields int
	// MaxSelections is how many fields may answer at one place of the
	// response, inline fragments and fragment spreads merged. Default 200.
	MaxSelections int
	// MaxRepeats is how many fields may share one response key at one
	// place (the same field asked again through several fragments counts
	// each time). Validation compares them pair by pair. Default 30.
	MaxRepeats int
	// MaxSpreads is how many fragment spreads a document may hold once
	// expanded. Default 500.
	MaxSpreads int
	// MaxDirectives is how many directives a document may hold once its
	// fragments are expanded. Default 200.
	MaxDirectives int
	// TokenLimit is the parser's token limit, the same the server gives
	// gqlgen; 0: none.
	TokenLimit int
	// Parsed is gqlgen's parsed-query cache: a document it holds passed
	// these checks and validation before, and is not measured again.
	Parsed graphql.Cache[*ast.QueryDocument]

	es    graphql.ExecutableSchema
	intro *schemaSizes
}

// Limit defaults.
const (
	DefaultMaxCost       = 20000
	DefaultMaxDepth      = 15
	DefaultMaxAliases    = 30
	DefaultMaxFields     = 2000
	DefaultMaxSelections = 200
	DefaultMaxRepeats    = 30
	DefaultMaxSpreads    = 500
	DefaultMaxDirectives = 200
)

func (l *Limits) withDefaults() {
	if l.MaxCost <= 0 {
		l.MaxCost = DefaultMaxCost
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	if l.MaxAliases <= 0 {
		l.MaxAliases = DefaultMaxAliases
	}
	for _, f := range []struct {
		v   *int
		def int
	}{
		{&l.MaxFields, DefaultMaxFields},
		{&l.MaxSelections, DefaultMaxSelections},
		{&l.MaxRepeats, DefaultMaxRepeats},
		{&l.MaxSpreads, DefaultMaxSpreads},
		{&l.MaxDirectives, DefaultMaxDirectives},
	} {
		if *f.v <= 0 {
			*f.v = f.def
		}
	}
}

func init() {
	// Limit errors are the client's protocol mistakes: 400 under
	// application/graphql-response+json, like a validation error.
	for _, c := range []string{CodeComplexity, CodeDepth, CodeAliases, CodeResponseTooLarge} {
		errcode.RegisterErrorType(c, errcode.KindProtocol)
	}
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
	graphql.ResponseInterceptor
} = &Limits{}

// ExtensionName names the extension for gqlgen.
func (l *Limits) ExtensionName() string { return "DigidipLimits" }

// Validate keeps the schema, which the cost walk needs.
func (l *Limits) Validate(es graphql.ExecutableSchema) error {
	l.withDefaults()
	l.es = es
	l.intro = measureSchema(es.Schema())
	return nil
}

// Cost is what the response reports in `extensions.cost`: the price the
// query was admitted at, the fields its answer holds (each one, where the
// price counts SmallPerUnit small scalars as one and texts by their size),
// and the limit.
type Cost struct {
	Requested int `json:"requested"`
	Returned  int `json:"returned"`
	Limit     int `json:"limit"`
}

// returnedKey holds the count of fields resolved for one response.
type returnedKey struct{}

// InterceptField counts the fields an answer holds, for Cost.Returned.
func (l *Limits) InterceptField(ctx context.Context, next graphql.Resolver) (any, error) {
	if n, ok := ctx.Value(returnedKey{}).(*atomic.Int64); ok {
		n.Add(1)
	}
	return next(ctx)
}

const costStat = "DigidipCost"

// shape is what a selection set amounts to once fragments are expanded.
type shape struct {
	depth, aliases, fields, spreads, directives int
}

func (s shape) add(o shape, mult int) shape {
	return shape{
		depth:      max(s.depth, o.depth),
		aliases:    capAdd(s.aliases, capMul(o.aliases, mult)),
		fields:     capAdd(s.fields, capMul(o.fields, mult)),
		spreads:    capAdd(s.spreads, capMul(o.spreads, mult)),
		directives: capAdd(s.directives, capMul(o.directives, mult)),
	}
}

const ceiling = 1 << 40

func capAdd(a, b int) int { return min(a+b, ceiling) }
func capMul(a, b int) int {
	if a == 0 || b == 0 {
		return 0
	}
	if a > ceiling/b {
		return ceiling
	}
	return a * b
}

// measure walks a selection set once per fragment (memoised), so a fragment
// spread ten thousand times costs one walk, and reports what the expanded
// operation would hold.
func measure(doc *ast.QueryDocument, set ast.SelectionSet, memo map[string]shape) shape {
	var s shape
	for _, sel := range set {
		switch x := sel.(type) {
		case *ast.Field:
			child := measure(doc, x.SelectionSet, memo)
			f := shape{depth: child.depth + 1, aliases: child.aliases, fields: capAdd(child.fields, 1),
				spreads: child.spreads, directives: capAdd(child.directives, len(x.Directives))}
			if x.Alias != "" && x.Alias != x.Name {
				f.aliases = capAdd(f.aliases, 1)
			}
			s = s.add(f, 1)
		case *ast.InlineFragment:
			s = s.add(measure(doc, x.SelectionSet, memo), 1)
			s.directives = capAdd(s.directives, len(x.Directives))
		case *ast.FragmentSpread:
			fs, ok := memo[x.Name]
			if !ok {
				memo[x.Name] = shape{} // a cycle, if validation missed one, counts as empty
				if def := doc.Fragments.ForName(x.Name); def != nil {
					fs = measure(doc, def.SelectionSet, memo)
				}
				memo[x.Name] = fs
			}
			s = s.add(fs, 1)
			s.spreads = capAdd(s.spreads, 1)
			s.directives = capAdd(s.directives, len(x.Directives))
		}
	}
	return s
}

func limitError(code, msg string, ext map[string]any) *gqlerror.Error {
	err := gqlerror.Errorf("%s", msg)
	err.Extensions = map[string]any{"code": code}
	for k, v := range ext {
		err.Extensions[k] = v
	}
	return err
}

// introspects reports whether a selection asks for __schema or __type, as
// root fields (directly or through fragments); __typename is fine.
func introspects(doc *ast.QueryDocument, set ast.SelectionSet, seen map[string]bool) bool {
	for _, sel := range set {
		switch x := sel.(type) {
		case *ast.Field:
			if x.Name == "__schema" || x.Name == "__type" {
				return true
			}
		case *ast.InlineFragment:
			if introspects(doc, x.SelectionSet, seen) {
				return true
			}
		case *ast.FragmentSpread:
			if !seen[x.Name] {
				seen[x.Name] = true
				if def := doc.Fragments.ForName(x.Name); def != nil && introspects(doc, def.SelectionSet, seen) {
					return true
				}
			}
		}
	}
	return false
}

// MutateOperationContext rejects an operation over a limit before it runs.
func (l *Limits) MutateOperationContext(ctx context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	op := opCtx.Operation
	if op == nil {
		return nil
	}
	if opCtx.DisableIntrospection && introspects(opCtx.Doc, op.SelectionSet, map[string]bool{}) {
		err := gqlerror.Errorf("introspection is disabled on this server")
		errcode.Set(err, errcode.ValidationFailed)
		return err
	}
	s := measure(opCtx.Doc, op.SelectionSet, map[string]shape{})
	if s.depth > l.MaxDepth {
		return limitError(CodeDepth, "query is nested "+itoa(s.depth)+" deep; the limit is "+itoa(l.MaxDepth),
			map[string]any{"depth": s.depth, "limit": l.MaxDepth})
	}
	if s.aliases > l.MaxAliases {
		return limitError(CodeAliases, "query has "+itoa(s.aliases)+" aliases; the limit is "+itoa(l.MaxAliases),
			map[string]any{"aliases": s.aliases, "limit": l.MaxAliases})
	}
	cost := l.cost(ctx, op, opCtx.Variables)
	c := Cost{Requested: cost, Limit: l.MaxCost}
	opCtx.Stats.SetExtension(costStat, c)
	if cost > l.MaxCost {
		return limitError(CodeComplexity, "query costs "+itoa(cost)+"; the limit is "+itoa(l.MaxCost)+" (lower `first`, or ask for less under lists)",
			map[string]any{"cost": c})
	}
	return nil
}

// InterceptResponse reports the operation's cost in every response, and
// puts field errors in the order of their paths: gqlgen resolves fields
// concurrently and records errors as they happen, and the same question
// should get the same bytes (caches, ETags and diffs depend on it).
func (l *Limits) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	var returned atomic.Int64
	ctx = context.WithValue(ctx, returnedKey{}, &returned)
	resp := next(ctx)
	if opCtx := graphql.GetOperationContext(ctx); opCtx != nil && resp != nil {
		if c, ok := opCtx.Stats.GetExtension(costStat).(Cost); ok {
			c.Returned = int(returned.Load())
			if resp.Extensions == nil {
				resp.Extensions = map[string]any{}
			}
			resp.Extensions["cost"] = c
		}
	}
	if resp != nil && len(resp.Errors) > 1 {
		slices.SortStableFunc(resp.Errors, func(a, b *gqlerror.Error) int {
			if c := strings.Compare(a.Path.String(), b.Path.String()); c != 0 {
				return c
			}
			return strings.Compare(a.Message, b.Message)
		})
	}
	return resp
}

func itoa(n int) string {
	if n >= ceiling {
		return "more than 10^12"
	}
	return strconv.Itoa(n)
}
