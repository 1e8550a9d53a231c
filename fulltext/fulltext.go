// Package fulltext indexes paragraphs' text for ranked word, phrase and
// prefix search.
package fulltext

import (
	"context"
	"fmt"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/index/scorch"

	"github.com/digidip/digidip/domain"
)

// MaxLimit is the most hits one Search returns.
const MaxLimit = 100

// buildBatch is how many paragraphs go into one bleve batch: each becomes
// a segment, which an index in memory never merges. On 7,500 synthetic
// paragraphs, batches of 1024 built in two thirds of the time one batch
// took, with a third of its heap, and searched as fast; ctx is looked at
// between batches.
const buildBatch = 1024

// Index is a full-text index of paragraphs. Its methods are safe for
// concurrent use.
type Index struct {
	bleve bleve.Index
	// texts are the paragraphs' texts by id, for turning bleve's byte
	// offsets into code points and cutting snippets; bleve stores none.
	texts        map[string]string
	stems, words analysis.Analyzer
}

// Query is a search: Text in the query syntax (words, "phrases", prefix*,
// -exclusions), optionally within Documents, one page of the ranking.
type Query struct {
	Text      string
	Documents []string // only paragraphs of these documents; none: all
	Offset    int      // hits to skip
	Limit     int      // hits to return, 1 to MaxLimit
}

// Span is a stretch of a paragraph's Text in Unicode code points, as
// domain.Evidence counts them; End is exclusive.
type Span struct {
	Start, End int
	Text       string // the text's words in the span
}

// Hit is a paragraph that matched.
type Hit struct {
	Paragraph string // paragraph id
	Score     float64
	// Start and End are the span of the first match in the text.
	Start, End int
	Matches    []Span // every match, in order, none overlapping
	// Snippet is about SnippetLength code points of the text around the
	// first match, cut between words, with "…" where it was cut.
	Snippet string
}

// Result is one page of a search's ranking.
type Result struct {
	Total int // paragraphs that matched, on every page
	Hits  []Hit
}

// Build indexes the paragraphs' text. ctx ending stops it.
//
// The index is bleve's scorch, kept in memory (no path), rather than
// bleve.NewMemOnly's upsidedown: upsidedown keeps no field lengths, so it
// scores by tf-idf whatever the mapping asks, and on 7,500 synthetic
// paragraphs it took ten times as long to build, three times the heap,
// and five to ten times as long to search.
func Build(ctx context.Context, paras []*domain.Paragraph) (*Index, error) {
	im, err := newMapping()
	if err != nil {
		return nil, fmt.Errorf("fulltext: %w", err)
	}
	idx, err := bleve.NewUsing("", im, scorch.Name, scorch.Name, nil)
	if err != nil {
		return nil, fmt.Errorf("fulltext: creating the index: %w", err)
	}
	ix := &Index{
		bleve: idx,
		texts: make(map[string]string, len(paras)),
		stems: im.AnalyzerNamed(analyzerStems),
		words: im.AnalyzerNamed(analyzerWords),
	}
	fail := func(err error) (*Index, error) {
		_ = idx.Close()
		return nil, fmt.Errorf("fulltext: building the index: %w", err)
	}
	if ix.stems == nil || ix.words == nil {
		return fail(fmt.Errorf("the mapping has no analyzer %s or %s", analyzerStems, analyzerWords))
	}
	for len(paras) > 0 {
		if err := ctx.Err(); err != nil {
			return fail(err)
		}
		chunk := paras[:min(buildBatch, len(paras))]
		paras = paras[len(chunk):]
		b := idx.NewBatch()
		for _, p := range chunk {
			if p == nil {
				continue
			}
			if _, dup := ix.texts[p.ID]; dup {
				return fail(fmt.Errorf("paragraph %s is given twice", p.ID))
			}
			ix.texts[p.ID] = p.Text
			if err := b.Index(p.ID, indexed{Stems: p.Text, Words: p.Text, Document: p.Document}); err != nil {
				return fail(fmt.Errorf("paragraph %s: %w", p.ID, err))
			}
		}
		if err := idx.Batch(b); err != nil {
			return fail(err)
		}
	}
	if err := ctx.Err(); err != nil {
		return fail(err)
	}
	return ix, nil
}

// Search ranks the paragraphs that match q.Text by BM25, ties by paragraph
// id, and returns the page q.Offset, q.Limit of it. A query with nothing to
// search for is a *QueryError.
func (ix *Index) Search(ctx context.Context, q Query) (*Result, error) {
	if q.Limit < 1 || q.Limit > MaxLimit {
		return nil, fmt.Errorf("limit must be between 1 and %d: %w", MaxLimit, domain.ErrInvalidArgument)
	}
	if q.Offset < 0 {
		return nil, fmt.Errorf("offset must not be negative: %w", domain.ErrInvalidArgument)
	}
	p, err := parse(q.Text, ix.stems, ix.words)
	if err != nil {
		return nil, err
	}
	// past the last paragraph every page is empty; bounding the offset
	// keeps bleve from sizing its collector by an absurd one
	from := min(q.Offset, len(ix.texts))
	req := bleve.NewSearchRequestOptions(p.query(q.Documents), q.Limit, from, false)
	req.SortBy([]string{"-_score", "_id"})
	req.IncludeLocations = true
	res, err := ix.bleve.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("fulltext: searching %q: %w", q.Text, err)
	}
	out := &Result{Total: int(res.Total), Hits: make([]Hit, 0, len(res.Hits))}
	for _, m := range res.Hits {
		text := ix.texts[m.ID]
		h := Hit{Paragraph: m.ID, Score: m.Score, Matches: p.spans(m.Locations)}
		toRunes(text, h.Matches)
		if len(h.Matches) > 0 {
			runes := []rune(text)
			for i, m := range h.Matches {
				h.Matches[i].Text = string(runes[m.Start:m.End])
			}
		}
		if len(h.Matches) > 0 {
			h.Start, h.End = h.Matches[0].Start, h.Matches[0].End
		}
		h.Snippet = snippet(text, h.Start, h.End)
		out.Hits = append(out.Hits, h)
	}
	return out, nil
}

// Close frees the index; Search fails after it.
func (ix *Index) Close() error {
	if err := ix.bleve.Close(); err != nil {
		return fmt.Errorf("fulltext: closing the index: %w", err)
	}
	return nil
}
