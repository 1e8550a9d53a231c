package graph

import (
	"context"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
)

// CodeDocument marks a document refused for its shape before validation:
// too many fields, selections, repeats of one response key, fragment
// spreads or directives.
const CodeDocument = "DOCUMENT_LIMIT_EXCEEDED"

func init() { errcode.RegisterErrorType(CodeDocument, errcode.KindProtocol) }

var _ graphql.OperationParameterMutator = &Limits{}

// MutateOperationParameters bounds a document's shape before gqlgen
// validates it. Some validation rules are quadratic in what a selection
// holds (gqlparser's OverlappingFieldsCanBeMerged compares every pair of
// fields that answer to one response key, and their sub-selections pair by
// pair), so a 14 KB document could build a 250 MB error list in seconds,
// outside any deadline. A document that passes here gives validation at most
// MaxRepeats × MaxFields field pairs to compare. A document the parsed-query
// cache already holds was checked when it was first seen.
func (l *Limits) MutateOperationParameters(ctx context.Context, p *graphql.RawParams) *gqlerror.Error {
	if p.Query == "" {
		return nil
	}
	if l.Parsed != nil {
		if _, ok := l.Parsed.Get(ctx, p.Query); ok {
			return nil
		}
	}
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: p.Query}, l.TokenLimit)
	if err != nil {
		return nil // gqlgen parses it again and reports the error
	}
	return l.checkShape(doc)
}

// checkShape measures a whole document, every operation and fragment, since
// validation walks all of them, not only the operation that will run.
func (l *Limits) checkShape(doc *ast.QueryDocument) *gqlerror.Error {
	if err := fragmentCycle(doc); err != nil {
		return err
	}
	memo := map[string]shape{}
	var total shape
	for _, op := range doc.Operations {
		total = total.add(measure(doc, op.SelectionSet, memo), 1)
	}
	for _, f := range doc.Fragments {
		total = total.add(measure(doc, f.SelectionSet, memo), 1)
	}
	over := func(what string, n, limit int) *gqlerror.Error {
		return limitError(CodeDocument, "the document holds "+itoa(n)+" "+what+" once its fragments are expanded; the limit is "+itoa(limit),
			map[string]any{"limit": limit, "found": n, "what": what})
	}
	switch {
	case total.fields > l.MaxFields:
		return over("fields", total.fields, l.MaxFields)
	case total.spreads > l.MaxSpreads:
		return over("fragment spreads", total.spreads, l.MaxSpreads)
	case total.directives > l.MaxDirectives:
		return over("directives", total.directives, l.MaxDirectives)
	case total.depth > l.MaxDepth:
		return limitError(CodeDepth, "query is nested "+itoa(total.depth)+" deep; the limit is "+itoa(l.MaxDepth),
			map[string]any{"depth": total.depth, "limit": l.MaxDepth})
	}
	// The document is acyclic and its expansion small: merging it place by
	// place costs at most MaxFields steps.
	m := merger{doc: doc, l: l}
	for _, op := range doc.Operations {
		if err := m.walk(nil, []ast.SelectionSet{op.SelectionSet}); err != nil {
			return err
		}
	}
	for _, f := range doc.Fragments {
		if err := m.walk([]string{"..." + f.Name}, []ast.SelectionSet{f.SelectionSet}); err != nil {
			return err
		}
	}
	return nil
}

// merger merges selections that answer at the same place of the response,
// as execution (and the overlapping-fields rule) will.
type merger struct {
	doc *ast.QueryDocument
	l   *Limits
}

func (m *merger) flatten(set ast.SelectionSet, out []*ast.Field) []*ast.Field {
	for _, sel := range set {
		switch x := sel.(type) {
		case *ast.Field:
			out = append(out, x)
		case *ast.InlineFragment:
			out = m.flatten(x.SelectionSet, out)
		case *ast.FragmentSpread:
			if def := m.doc.Fragments.ForName(x.Name); def != nil {
				out = m.flatten(def.SelectionSet, out)
			}
		}
	}
	return out
}

// walk checks one place of the response: the selection sets of every field
// that answers there, merged.
func (m *merger) walk(path []string, sets []ast.SelectionSet) *gqlerror.Error {
	var fields []*ast.Field
	for _, s := range sets {
		fields = m.flatten(s, fields)
	}
	where := "the top level"
	if len(path) > 0 {
		where = "`" + strings.Join(path, ".") + "`"
	}
	if len(fields) > m.l.MaxSelections {
		err := limitError(CodeDocument, "the selection at "+where+" holds "+itoa(len(fields))+" fields once fragments are merged; the limit is "+itoa(m.l.MaxSelections),
			map[string]any{"limit": m.l.MaxSelections, "found": len(fields), "what": "selections"})
		locate(err, fields[m.l.MaxSelections])
		return err
	}
	var keys []string
	groups := map[string][]*ast.Field{}
	for _, f := range fields {
		k := f.Alias
		if k == "" {
			k = f.Name
		}
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], f)
	}
	for _, k := range keys {
		fs := groups[k]
		if len(fs) > m.l.MaxRepeats {
			err := limitError(CodeDocument, "`"+k+"` is asked for "+itoa(len(fs))+" times at "+where+"; the limit is "+itoa(m.l.MaxRepeats)+" (give each a different alias, or ask once)",
				map[string]any{"limit": m.l.MaxRepeats, "found": len(fs), "what": "repeats"})
			locate(err, fs[m.l.MaxRepeats])
			return err
		}
		var subs []ast.SelectionSet
		for _, f := range fs {
			if len(f.SelectionSet) > 0 {
				subs = append(subs, f.SelectionSet)
			}
		}
		if len(subs) > 0 {
			if err := m.walk(append(path[:len(path):len(path)], k), subs); err != nil {
				return err
			}
		}
	}
	return nil
}

func locate(err *gqlerror.Error, f *ast.Field) {
	if f.Position != nil {
		err.Locations = []gqlerror.Location{{Line: f.Position.Line, Column: f.Position.Column}}
	}
}

// fragmentCycle reports a fragment that spreads itself, directly or through
// others. Validation would refuse it too, but the shape walks expand
// fragments and must not loop.
func fragmentCycle(doc *ast.QueryDocument) *gqlerror.Error {
	const (
		visiting = 1
		done     = 2
	)
	state := map[string]int{}
	var visit func(name string, trail []string) *gqlerror.Error
	var spreads func(set ast.SelectionSet, trail []string) *gqlerror.Error
	spreads = func(set ast.SelectionSet, trail []string) *gqlerror.Error {
		for _, sel := range set {
			var err *gqlerror.Error
			switch x := sel.(type) {
			case *ast.Field:
				err = spreads(x.SelectionSet, trail)
			case *ast.InlineFragment:
				err = spreads(x.SelectionSet, trail)
			case *ast.FragmentSpread:
				err = visit(x.Name, trail)
			}
			if err != nil {
				return err
			}
		}
		return nil
	}
	visit = func(name string, trail []string) *gqlerror.Error {
		switch state[name] {
		case done:
			return nil
		case visiting:
			err := gqlerror.Errorf("Cannot spread fragment %q within itself (%s)", name, strings.Join(append(trail, name), " → "))
			errcode.Set(err, errcode.ValidationFailed)
			return err
		}
		def := doc.Fragments.ForName(name)
		if def == nil {
			return nil // validation reports the unknown fragment
		}
		state[name] = visiting
		if err := spreads(def.SelectionSet, append(trail[:len(trail):len(trail)], name)); err != nil {
			return err
		}
		state[name] = done
		return nil
	}
	for _, f := range doc.Fragments {
		if err := visit(f.Name, nil); err != nil {
			return err
		}
	}
	return nil
}
