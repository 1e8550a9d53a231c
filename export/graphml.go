package export

import (
	"context"
	"encoding/xml"
	"io"
	"strconv"
)

// GraphML (http://graphml.graphdrawing.org/) with typed keys. The key ids
// are the attribute names, which NetworkX, igraph, Gephi and yEd all show
// as they are.
const nsGraphML = "http://graphml.graphdrawing.org/xmlns"

type graphmlKey struct {
	XMLName xml.Name `xml:"key"`
	ID      string   `xml:"id,attr"`
	For     string   `xml:"for,attr"`
	Name    string   `xml:"attr.name,attr"`
	Type    string   `xml:"attr.type,attr"`
	Desc    string   `xml:"desc,omitempty"`
}

type graphmlData struct {
	Key   string `xml:"key,attr"`
	Value string `xml:",chardata"`
}

type graphmlNode struct {
	XMLName xml.Name      `xml:"node"`
	ID      string        `xml:"id,attr"`
	Data    []graphmlData `xml:"data"`
}

type graphmlEdge struct {
	XMLName xml.Name      `xml:"edge"`
	ID      string        `xml:"id,attr"`
	Source  string        `xml:"source,attr"`
	Target  string        `xml:"target,attr"`
	Data    []graphmlData `xml:"data"`
}

var graphmlKeys = []graphmlKey{
	{ID: "name", For: "node", Name: "name", Type: "string", Desc: "the entity's name"},
	{ID: "kind", For: "node", Name: "kind", Type: "string", Desc: "ACTOR, COUNTRY, REGION, PERSON, FORUM, PARTNERSHIP, INSTRUMENT, POLICY, COMMITMENT, TOPIC or EVENT"},
	{ID: "description", For: "node", Name: "description", Type: "string", Desc: "one line: what the entity is"},
	{ID: "degree", For: "node", Name: "degree", Type: "int", Desc: "how many relations the entity takes part in, in the whole graph (GraphQL's Entity.degree)"},
	{ID: "predicate", For: "edge", Name: "predicate", Type: "string", Desc: "the kind of relation, as in IRIs: calls-on"},
	{ID: "label", For: "edge", Name: "label", Type: "string", Desc: "how the relation reads: calls on"},
	{ID: "verb", For: "edge", Name: "verb", Type: "string", Desc: "the text's own verbs for the relation, each once: calls on, invites"},
	{ID: "modality", For: "edge", Name: "modality", Type: "string", Desc: "how firmly the text holds it, the firmest of its passages: stated, recalled, requested, obligation, future, possible or conditional"},
	{ID: "implied", For: "edge", Name: "implied", Type: "boolean", Desc: "the text implies the relation rather than states it"},
	{ID: "evidenceCount", For: "edge", Name: "evidenceCount", Type: "int", Desc: "how many passages state the relation"},
	{ID: "document", For: "edge", Name: "document", Type: "string", Desc: "the document of the first passage"},
	{ID: "paragraph", For: "edge", Name: "paragraph", Type: "string", Desc: "the paragraph of the first passage (document:number)"},
	{ID: "quote", For: "edge", Name: "quote", Type: "string", Desc: "the first passage's verbatim quote"},
}

// writeGraphML streams the set as GraphML: encoding/xml writes each node and
// edge as it comes, so the document is never held whole.
func writeGraphML(ctx context.Context, w io.Writer, set *Set) error {
	io.WriteString(w, xml.Header)
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	root := xml.StartElement{Name: xml.Name{Local: "graphml"}, Attr: []xml.Attr{
		{Name: xml.Name{Local: "xmlns"}, Value: nsGraphML},
		{Name: xml.Name{Local: "xmlns:xsi"}, Value: "http://www.w3.org/2001/XMLSchema-instance"},
		{Name: xml.Name{Local: "xsi:schemaLocation"}, Value: nsGraphML + " http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd"},
	}}
	graph := xml.StartElement{Name: xml.Name{Local: "graph"}, Attr: []xml.Attr{
		{Name: xml.Name{Local: "id"}, Value: set.name},
		{Name: xml.Name{Local: "edgedefault"}, Value: "directed"},
	}}
	if err := enc.EncodeToken(root); err != nil {
		return err
	}
	for _, k := range graphmlKeys {
		if err := enc.Encode(k); err != nil {
			return err
		}
	}
	if err := enc.EncodeToken(graph); err != nil {
		return err
	}
	t := &ticker{ctx: ctx}
	for r := range set.nodeRows(ctx) {
		if err := t.tick(); err != nil {
			return err
		}
		n := graphmlNode{ID: r.ID, Data: []graphmlData{{"name", r.Name}, {"kind", r.Kind}}}
		if r.Description != "" {
			n.Data = append(n.Data, graphmlData{"description", r.Description})
		}
		n.Data = append(n.Data, graphmlData{"degree", strconv.Itoa(r.Degree)})
		if err := enc.Encode(n); err != nil {
			return err
		}
	}
	for rel := range set.edges {
		if err := t.tick(); err != nil {
			return err
		}
		r := set.edgeRow(rel)
		e := graphmlEdge{ID: r.ID, Source: r.Source, Target: r.Target, Data: []graphmlData{
			{"predicate", r.Predicate},
			{"label", r.Label},
		}}
		if r.Verb != "" {
			e.Data = append(e.Data, graphmlData{"verb", r.Verb})
		}
		if r.Modality != "" {
			e.Data = append(e.Data, graphmlData{"modality", r.Modality})
		}
		e.Data = append(e.Data,
			graphmlData{"implied", strconv.FormatBool(r.Implied)},
			graphmlData{"evidenceCount", strconv.Itoa(r.EvidenceCount)})
		if r.EvidenceCount > 0 {
			e.Data = append(e.Data,
				graphmlData{"document", r.Document},
				graphmlData{"paragraph", r.Paragraph},
				graphmlData{"quote", r.Quote})
		}
		if err := enc.Encode(e); err != nil {
			return err
		}
	}
	if err := enc.EncodeToken(graph.End()); err != nil {
		return err
	}
	if err := enc.EncodeToken(root.End()); err != nil {
		return err
	}
	if err := enc.Flush(); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
