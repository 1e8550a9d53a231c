package server

import (
	"context"
	"crypto/sha256"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/formatter"
	"github.com/vektah/gqlparser/v2/lexer"

	"github.com/digidip/digidip/server/bytelru"
)

// docCache is gqlgen's parsed-query cache, bounded by bytes. It also names
// each document by the hash of its printed form (no comments, one layout),
// computed once when the document is parsed, so that the response cache
// keys on what a query says rather than on how it was typed.
type docCache struct {
	entries *bytelru.Cache[string, *parsedDoc]
	// hashes is off when no response cache needs the names.
	hashes bool
}

type parsedDoc struct {
	doc  *ast.QueryDocument
	hash docHash
}

type docHash [sha256.Size]byte

// docHashStat is where the hash of a request's document is left in the
// operation's Stats, for the transport to read after gqlgen parsed it.
const docHashStat = "DigidipDocHash"

var _ graphql.Cache[*ast.QueryDocument] = (*docCache)(nil)

// newDocCache keeps up to budget bytes of parsed documents; 0 or less keeps
// none (each query is then parsed and validated on every request).
func newDocCache(budget int64, hashes bool) *docCache {
	return &docCache{entries: bytelru.New[string, *parsedDoc](budget, 0), hashes: hashes}
}

// Get is called by gqlgen before it parses a query.
func (c *docCache) Get(ctx context.Context, query string) (*ast.QueryDocument, bool) {
	p, ok := c.entries.Get(query)
	if !ok {
		return nil, false
	}
	if c.hashes {
		setDocHash(ctx, p.hash)
	}
	return p.doc, true
}

// Add is called by gqlgen once a query has parsed and validated.
func (c *docCache) Add(ctx context.Context, query string, doc *ast.QueryDocument) {
	p := &parsedDoc{doc: doc}
	if c.hashes {
		p.hash = hashDoc(doc)
		setDocHash(ctx, p.hash)
	}
	c.entries.Add(query, p, docCost(query))
}

// hashOf returns the hash of a query already parsed, without parsing it.
func (c *docCache) hashOf(query string) (docHash, bool) {
	p, ok := c.entries.Get(query)
	if !ok || !c.hashes {
		return docHash{}, false
	}
	return p.hash, true
}

func setDocHash(ctx context.Context, h docHash) {
	if graphql.HasOperationContext(ctx) {
		graphql.GetOperationContext(ctx).Stats.SetExtension(docHashStat, h)
	}
}

// hashDoc hashes the document as gqlparser's formatter prints it: comments,
// whitespace and commas do not change it.
func hashDoc(doc *ast.QueryDocument) docHash {
	h := sha256.New()
	formatter.NewFormatter(h).FormatQueryDocument(doc)
	var out docHash
	h.Sum(out[:0])
	return out
}

// astBytesPerToken bounds what the parsed and validated AST keeps per
// lexical token, measured with runtime.MemStats (TestDocCostBoundsTheAST):
// about 400 bytes for the densest shape, a bare field ("{ __typename
// __typename … }", 18 times the query's length), 70 to 130 for arguments,
// aliases and fragment spreads. It is charged per token, not as a multiple
// of the length: a comment or a long string is one token whose bytes are
// the source's own, so per byte the AST ranges from nothing to 36 bytes.
const astBytesPerToken = 448

// docCost is what a cached document pins: its source (ast.Source.Input, the
// same string as the cache key), as much again for strings the lexer copies
// when it unescapes them, and the AST by its tokens.
func docCost(query string) int64 {
	return 2*int64(len(query)) + astBytesPerToken*int64(countTokens(query)) + bytelru.Overhead
}

// countTokens lexes a query that has already parsed, so an error cannot
// happen; the count stops there if it does.
func countTokens(query string) int {
	l := lexer.New(&ast.Source{Input: query})
	n := 0
	for {
		tok, err := l.ReadToken()
		if err != nil || tok.Kind == lexer.EOF {
			return n
		}
		n++
	}
}
