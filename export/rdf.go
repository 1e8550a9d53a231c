package export

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strconv"

	"github.com/cayleygraph/quad"
	"github.com/cayleygraph/quad/nquads"
	"github.com/cayleygraph/quad/voc/xsd"
	"github.com/digidip/digidip/domain"
	"github.com/digidip/digidip/vocab"
)

// writeRDF streams the set's quads into the format's writer.
func writeRDF(ctx context.Context, w io.Writer, f Format, set *Set, opt Options) error {
	var qw quad.WriteCloser
	switch f {
	case NQuads:
		qw = nquads.NewWriter(w)
	case TriG:
		qw = newTrigWriter(w)
	case JSONLD:
		qw = newJSONLDWriter(w, set.g)
	}
	if err := set.quads(ctx, opt, qw); err != nil {
		return err
	}
	return qw.Close()
}

// quads writes the set's quads, in the vocabulary the store keeps them in.
//
// The whole, unfiltered graph is every quad the store holds, streamed from
// the store when the caller can (opt.AllQuads). Any other selection is made
// with store.Quads over a dataset of just the selected entities and
// relations, with the evidence, paragraphs, documents and predicates they
// cite: the same IRIs and provenance as the store, and a graph that loads on
// its own.
func (s *Set) quads(ctx context.Context, opt Options, w quad.Writer) error {
	w = fullDatatypes{w}
	if s.every && opt.AllQuads != nil {
		return opt.AllQuads(ctx, w)
	}
	ds, err := s.dataset(ctx)
	if err != nil {
		return err
	}
	qs := vocab.Quads(ds)
	for len(qs) > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		n := min(checkEvery, len(qs))
		if _, err := w.WriteQuads(qs[:n]); err != nil {
			return fmt.Errorf("write quads: %w", err)
		}
		qs = qs[n:]
	}
	return nil
}

// dataset gathers what the set cites into a Dataset that store.Quads turns
// into quads. Entities and relations are shared with the read model, which
// store.Quads only reads; paragraphs are copied because their mentions are
// cut to the selected entities.
func (s *Set) dataset(ctx context.Context) (*domain.Dataset, error) {
	if s.every {
		return s.g.Dataset(ctx)
	}
	ds := &domain.Dataset{}
	in := map[string]bool{}
	paras := map[string]bool{}
	preds := map[string]bool{}
	for e := range s.nodes {
		ds.Entities = append(ds.Entities, e)
		in[e.ID] = true
		for _, f := range e.Facts {
			paras[f.Evidence.Paragraph] = true
		}
	}
	for r := range s.edges {
		ds.Relations = append(ds.Relations, r)
		preds[r.Predicate] = true
		for _, ev := range r.Evidence {
			paras[ev.Paragraph] = true
		}
	}
	for _, p := range s.g.Predicates() {
		if preds[p.ID] {
			ds.Predicates = append(ds.Predicates, p)
			if p.Example != nil {
				paras[p.Example.Paragraph] = true
			}
		}
	}
	cited, err := s.g.ParagraphsByID(ctx, sortedKeys(paras))
	if err != nil {
		return nil, err
	}
	byDoc := map[string][]*domain.Paragraph{}
	for _, p := range cited {
		if p != nil {
			byDoc[p.Document] = append(byDoc[p.Document], p)
		}
	}
	for _, d := range s.g.Documents() {
		var ps []*domain.Paragraph
		cites := byDoc[d.ID]
		sort.Slice(cites, func(i, j int) bool { return cites[i].Order < cites[j].Order })
		for _, p := range cites {
			pp := *p
			pp.Mentions = nil
			for _, m := range p.Mentions {
				if in[m] {
					pp.Mentions = append(pp.Mentions, m)
				}
			}
			ps = append(ps, &pp)
		}
		if len(ps) > 0 {
			dd := *d
			dd.Paragraphs = ps
			ds.Documents = append(ds.Documents, &dd)
		}
	}
	return ds, nil
}

// Full datatype IRIs of the literals the store keeps.
var (
	xsdInteger = quad.IRI(xsd.Integer).Full()
	xsdBoolean = quad.IRI(xsd.Boolean).Full()
)

// fullDatatypes writes typed literals as RDF tools expect them. quad's
// values print their datatype short, as <xsd:integer>, which RDF reads as an
// unknown datatype IRI in a scheme "xsd:", and booleans as "True", which
// xsd:boolean does not allow; quad's N-Quads reader takes the full forms
// back as the same values, so a reload stores what the store held.
type fullDatatypes struct{ quad.Writer }

func (f fullDatatypes) WriteQuad(q quad.Quad) error {
	_, err := f.WriteQuads([]quad.Quad{q})
	return err
}

func (f fullDatatypes) WriteQuads(qs []quad.Quad) (int, error) {
	full := make([]quad.Quad, len(qs))
	for i, q := range qs {
		q.Object = fullDatatype(q.Object)
		full[i] = q
	}
	return f.Writer.WriteQuads(full)
}

func fullDatatype(v quad.Value) quad.Value {
	switch x := v.(type) {
	case quad.Bool:
		return quad.TypedString{Value: quad.String(strconv.FormatBool(bool(x))), Type: xsdBoolean}
	case quad.TypedString:
		x.Type = x.Type.Full()
		return x
	case interface{ TypedString() quad.TypedString }:
		ts := x.TypedString()
		ts.Type = ts.Type.Full()
		return ts
	}
	return v
}

// canonicalInt reads the lexical form of an xsd:integer written the way
// Turtle and JSON write numbers, so it can be written bare without changing
// the literal.
func canonicalInt(ts quad.TypedString) (int64, bool) {
	if ts.Type != xsdInteger {
		return 0, false
	}
	n, err := strconv.ParseInt(string(ts.Value), 10, 64)
	return n, err == nil && strconv.FormatInt(n, 10) == string(ts.Value) && n > -(1<<53) && n < 1<<53
}

// canonicalBool is the same for xsd:boolean's true and false.
func canonicalBool(ts quad.TypedString) (bool, bool) {
	if ts.Type != xsdBoolean || (ts.Value != "true" && ts.Value != "false") {
		return false, false
	}
	return ts.Value == "true", true
}

// NQuadsWriter writes N-Quads as RDF tools read them (full XSD datatypes,
// "true" and "false"), for anything that writes digidip's quads outside an
// export, such as `digidip gen`.
func NQuadsWriter(w io.Writer) quad.WriteCloser {
	nw := nquads.NewWriter(w)
	return struct {
		fullDatatypes
		io.Closer
	}{fullDatatypes{nw}, nw}
}
