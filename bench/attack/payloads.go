//go:build linux

package main

import (
	"fmt"
	"strings"

	"github.com/digidip/digidip/graph"
	digidip "github.com/digidip/digidip/server"
)

// The payloads of issue 12's attacks, generated here so their shape is
// plain to read and to test.

// entityID is an entity the attacks select: the EU, which the texts mention
// in most paragraphs, so lists under it are long.
const entityID = "eu"

// The default limits of `digidip serve` the payloads are sized against.
const (
	tokenLimit = digidip.DefaultTokenLimit
	maxAliases = graph.DefaultMaxAliases
)

// conflictingAliases is one alias given to two different fields, pairs
// times over: every pair conflicts with every other, which gqlparser's
// overlapping-fields rule compares all with all.
func conflictingAliases(pairs int) string {
	var b strings.Builder
	fmt.Fprintf(&b, `{ entity(id: "%s") {`, entityID)
	for range pairs {
		b.WriteString(" x: name x: id")
	}
	b.WriteString(" } }")
	return b.String()
}

// maxPairs is the most pairs conflictingAliases can hold under the token
// limit: ten tokens around them, six per pair, and the end of the input.
func maxPairs(limit int) int { return (limit - 11) / 6 }

// repeatedField is one field asked for n times in one selection set.
func repeatedField(n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, `{ entity(id: "%s") {`, entityID)
	for range n {
		b.WriteString(" name")
	}
	b.WriteString(" } }")
	return b.String()
}

// exportAliases asks n times, under n aliases, for the default subgraph as
// an N-Quads file's text.
func exportAliases(n int) string {
	var b strings.Builder
	b.WriteString("{")
	for i := range n {
		fmt.Fprintf(&b, " s%d: subgraph { export(format: NQUADS) { text } }", i)
	}
	b.WriteString(" }")
	return b.String()
}

// nestedMentions follows mentions from the EU to paragraphs, to the
// entities they mention, to their paragraphs, levels deep, and asks for
// the paragraphs' text at the end, copies times under aliases. Three levels
// and four copies are issue 12's 312-byte query: the deepest the default
// cost limit lets through (each level multiplies the cost by 10 or 20)
// while its answer holds thousands of paragraphs.
func nestedMentions(copies, levels int) string {
	var b strings.Builder
	b.WriteString("{")
	for i := range copies {
		fmt.Fprintf(&b, ` %c: entity(id: "%s") {`, 'a'+i, entityID)
		for range levels {
			b.WriteString(" mentions {")
		}
		if levels%2 == 0 {
			// an even number of levels ends on an entity, which has no text
			b.WriteString(" mentions {")
			levels++
		}
		b.WriteString(" text")
		b.WriteString(strings.Repeat(" }", levels+1))
	}
	b.WriteString(" }")
	return b.String()
}

// introspectionAliases asks n times, under n aliases, for the schema's
// types with their fields, and the types of those fields with theirs:
// gqlparser's introspection-depth rule allows two such levels, and the
// fragments keep the request under the token and expanded-field limits.
// Introspection costs 0 under the cost limit, whatever it returns.
func introspectionAliases(n int) string {
	var b strings.Builder
	b.WriteString("{")
	for i := range n {
		fmt.Fprintf(&b, " i%d: __schema { ...Schema }", i)
	}
	b.WriteString(` }
fragment Ref on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }
fragment Field on __Field { name description args { name description defaultValue type { ...Ref } } type { ...Ref } isDeprecated deprecationReason }
fragment Type on __Type { kind name description fields(includeDeprecated: true) { ...Field } enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason } inputFields { name description defaultValue type { ...Ref } } }
fragment Unwrap on __Type { ...Type ofType { ...Type ofType { ...Type ofType { ...Type } } } }
fragment Schema on __Schema { types { name description fields { name description args { name description type { ...Unwrap } } type { ...Unwrap } } } }
`)
	return b.String()
}

// distinctLarge is the i-th of many different queries with answers of
// about 200 KB (under the response cache's 256 KB bound for one entry):
// the text of every paragraph, seven times, under aliases of its own, so
// the answers are alike but every query is new to every cache, whatever
// it keys on.
func distinctLarge(i int) string {
	var b strings.Builder
	b.WriteString("{")
	for k := range 7 {
		fmt.Fprintf(&b, " q%d_%d: documents { paragraphs { text } }", i, k)
	}
	b.WriteString(" }")
	return b.String()
}

// persistedQuery is the i-th of many different queries of size bytes: a
// trivial query under a comment that makes it unique and large.
func persistedQuery(i, size int) string {
	head := fmt.Sprintf("# attack %d ", i)
	tail := "\n{ __typename }"
	fill := max(0, size-len(head)-len(tail))
	return head + strings.Repeat("x", fill) + tail
}
