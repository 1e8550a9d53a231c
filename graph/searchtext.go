package graph

import (
	"context"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/digidip/digidip/engine"
	"github.com/digidip/digidip/fulltext"
	"github.com/digidip/digidip/graph/model"
)

// hitCursor is the key of a search hit's cursor: how many hits come up to
// and including it. A ranking has no key of its own to page by.
const hitCursor = "hit:"

// maxMatches bounds the spans one hit lists, so that its price does not
// follow the longest paragraph's word count.
const maxMatches = 50

func searchText(ctx context.Context, g *engine.Graph, query string, documents []string, first *int, after *string) (*model.TextHitConnection, error) {
	n, err := firstArg(first, 10, MaxFirst)
	if err != nil {
		return nil, err
	}
	if utf8.RuneCountInString(query) > maxSearchText {
		return nil, badInput("query is longer than %d characters", maxSearchText)
	}
	if len(documents) > maxWhereIn {
		return nil, badInput("documents: %d at most, not %d", maxWhereIn, len(documents))
	}
	for _, d := range documents {
		if err := g.CheckDocument(ctx, d); err != nil {
			return nil, err
		}
	}
	offset := 0
	if after != nil {
		key, err := decodeCursor(after)
		if err != nil {
			return nil, err
		}
		num, ok := strings.CutPrefix(key, hitCursor)
		if offset, err = strconv.Atoi(num); !ok || err != nil || offset < 0 || strconv.Itoa(offset) != num {
			return nil, &userError{code: CodeBadCursor, msg: "after is not a cursor of a search's hits"}
		}
	}
	res, err := g.SearchText(ctx, fulltext.Query{Text: query, Documents: documents, Offset: offset, Limit: n})
	if err != nil {
		return nil, err
	}
	c := &model.TextHitConnection{TotalCount: res.Total, Nodes: make([]*model.TextHit, len(res.Hits)), Edges: make([]*model.TextHitEdge, len(res.Hits))}
	for i, h := range res.Hits {
		matches := h.Matches[:min(len(h.Matches), maxMatches)]
		hit := &model.TextHit{Paragraph: h.Paragraph, Score: h.Score, Snippet: h.Snippet, Start: h.Start, End: h.End, Matches: make([]*model.TextSpan, len(matches))}
		for j, m := range matches {
			hit.Matches[j] = &model.TextSpan{Start: m.Start, End: m.End, Text: m.Text}
		}
		c.Nodes[i] = hit
		c.Edges[i] = &model.TextHitEdge{Cursor: encodeCursor(hitCursor + strconv.Itoa(offset+i+1)), Node: hit}
	}
	c.PageInfo = &model.PageInfo{HasNextPage: offset+len(res.Hits) < res.Total, HasPreviousPage: offset > 0}
	if len(c.Edges) > 0 {
		c.PageInfo.StartCursor = &c.Edges[0].Cursor
		c.PageInfo.EndCursor = &c.Edges[len(c.Edges)-1].Cursor
	}
	return c, nil
}
