//go:build linux

package main

import (
	"fmt"
	"strings"
)

// The payloads of issue 12's attacks, generated here so their shape is
// plain to read and to test.

// entityID is an entity the attacks select: the EU, which the texts mention
// in most paragraphs, so lists under it are long.
const entityID = "eu"

// tokenLimit and the limits below are `digidip serve`'s defaults the
// payloads are sized against (server.DefaultTokenLimit, graph.DefaultMax*),
// copied rather than imported so the runner builds against any version.
const (
	tokenLimit = 15000
	maxAliases = 30
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

// introspectionAliases asks n times, under n aliases, for the whole schema
// as GraphiQL's introspection query does.
func introspectionAliases(n int) string {
	const typeRef = "kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } }"
	const inputValue = "name description type { " + typeRef + " } defaultValue"
	const fullType = "kind name description" +
		" fields(includeDeprecated: true) { name description args { " + inputValue + " } type { " + typeRef + " } isDeprecated deprecationReason }" +
		" inputFields { " + inputValue + " }" +
		" interfaces { " + typeRef + " }" +
		" enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }" +
		" possibleTypes { " + typeRef + " }"
	var b strings.Builder
	b.WriteString("{")
	for i := range n {
		fmt.Fprintf(&b, " i%d: __schema { queryType { name } types { %s } directives { name description locations args { %s } } }", i, fullType, inputValue)
	}
	b.WriteString(" }")
	return b.String()
}

// distinctLargeQuery is the i-th of many different queries with answers of
// about 200 KB each (the whole graph's entities and edges): each asks for
// a different maxNodes, above the graph's size, so the answers are alike
// but every request is new to every cache.
const distinctLargeQuery = `query Large($n: Int) { subgraph(maxNodes: $n) { nodes { id kind name aliases commonNames description degree } edges { id source target predicate evidenceCount } } }`

// persistedQuery is the i-th of many different queries of size bytes: a
// trivial query under a comment that makes it unique and large.
func persistedQuery(i, size int) string {
	head := fmt.Sprintf("# attack %d ", i)
	tail := "\n{ __typename }"
	fill := max(0, size-len(head)-len(tail))
	return head + strings.Repeat("x", fill) + tail
}
