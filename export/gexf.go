package export

import (
	"context"
	"encoding/xml"
	"io"
	"strconv"
	"strings"

	"github.com/digidip/digidip/domain"
	"github.com/digidip/digidip/engine"
	"gonum.org/v1/gonum/graph/formats/gexf12"
)

// GEXF 1.2draft (https://gexf.net), which Gephi opens and NetworkX 2.8+
// reads as it is: NetworkX knows only 1.1draft and 1.2draft and finds "no
// <graph> element" under 1.3's namespace, and a static graph (attributes,
// nodes, edges, attvalues) needs nothing 1.3 adds. gonum's gexf12 types
// write each element; the root is streamed token by token so the graph is
// never held whole.
const (
	nsGEXF          = "http://www.gexf.net/1.2draft"
	gexfSchema      = "http://www.gexf.net/1.2draft/gexf.xsd"
	gexfVersion     = "1.2"
	gexfNodeElement = "node"
	gexfEdgeElement = "edge"
)

func gexfNodeAttributes() gexf12.Attributes {
	return gexf12.Attributes{Class: "node", Attributes: []gexf12.Attribute{
		{ID: "name", Title: "name", Type: "string"},
		// the options make kind a categorical attribute: Gephi offers it
		// for partition colouring with exactly these values
		{ID: "kind", Title: "kind", Type: "string", Options: domain.JoinKinds("|")},
		{ID: "description", Title: "description", Type: "string"},
		{ID: "degree", Title: "degree", Type: "integer"},
	}}
}

func gexfEdgeAttributes(g *engine.Graph) gexf12.Attributes {
	var preds []string
	for _, p := range g.Predicates() {
		preds = append(preds, p.ID)
	}
	return gexf12.Attributes{Class: "edge", Attributes: []gexf12.Attribute{
		{ID: "predicate", Title: "predicate", Type: "string", Options: strings.Join(preds, "|")},
		{ID: "verb", Title: "verb", Type: "string"},
		{ID: "modality", Title: "modality", Type: "string", Options: domain.ModalityNames("|")},
		{ID: "implied", Title: "implied", Type: "boolean", Default: "false"},
		{ID: "evidenceCount", Title: "evidenceCount", Type: "integer"},
		{ID: "document", Title: "document", Type: "string"},
		{ID: "paragraph", Title: "paragraph", Type: "string"},
		{ID: "quote", Title: "quote", Type: "string"},
	}}
}

func writeGEXF(ctx context.Context, w io.Writer, set *Set) error {
	io.WriteString(w, xml.Header)
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	root := xml.StartElement{Name: xml.Name{Local: "gexf"}, Attr: []xml.Attr{
		{Name: xml.Name{Local: "xmlns"}, Value: nsGEXF},
		{Name: xml.Name{Local: "xmlns:xsi"}, Value: "http://www.w3.org/2001/XMLSchema-instance"},
		{Name: xml.Name{Local: "xsi:schemaLocation"}, Value: nsGEXF + " " + gexfSchema},
		{Name: xml.Name{Local: "version"}, Value: gexfVersion},
	}}
	graph := xml.StartElement{Name: xml.Name{Local: "graph"}, Attr: []xml.Attr{
		{Name: xml.Name{Local: "defaultedgetype"}, Value: "directed"},
		{Name: xml.Name{Local: "idtype"}, Value: "string"},
		{Name: xml.Name{Local: "mode"}, Value: "static"},
	}}
	nodes := xml.StartElement{Name: xml.Name{Local: "nodes"}}
	edges := xml.StartElement{Name: xml.Name{Local: "edges"}}
	meta := &gexf12.Meta{Creator: "digidip", Description: "EU digital diplomacy: " + set.name}

	if err := enc.EncodeToken(root); err != nil {
		return err
	}
	if err := enc.EncodeElement(meta, xml.StartElement{Name: xml.Name{Local: "meta"}}); err != nil {
		return err
	}
	if err := enc.EncodeToken(graph); err != nil {
		return err
	}
	for _, a := range []gexf12.Attributes{gexfNodeAttributes(), gexfEdgeAttributes(set.g)} {
		if err := enc.EncodeElement(a, xml.StartElement{Name: xml.Name{Local: "attributes"}}); err != nil {
			return err
		}
	}
	t := &ticker{ctx: ctx}
	if err := enc.EncodeToken(nodes); err != nil {
		return err
	}
	for r := range set.nodeRows(ctx) {
		if err := t.tick(); err != nil {
			return err
		}
		vals := []gexf12.AttValue{{For: "name", Value: r.Name}, {For: "kind", Value: r.Kind}}
		if r.Description != "" {
			vals = append(vals, gexf12.AttValue{For: "description", Value: r.Description})
		}
		vals = append(vals, gexf12.AttValue{For: "degree", Value: strconv.Itoa(r.Degree)})
		n := gexf12.Node{ID: r.ID, Label: r.Name, AttValues: &gexf12.AttValues{AttValues: vals}}
		if err := enc.EncodeElement(n, xml.StartElement{Name: xml.Name{Local: gexfNodeElement}}); err != nil {
			return err
		}
	}
	if err := enc.EncodeToken(nodes.End()); err != nil {
		return err
	}
	if err := enc.EncodeToken(edges); err != nil {
		return err
	}
	for rel := range set.edges {
		if err := t.tick(); err != nil {
			return err
		}
		r := set.edgeRow(rel)
		vals := []gexf12.AttValue{{For: "predicate", Value: r.Predicate}}
		if r.Verb != "" {
			vals = append(vals, gexf12.AttValue{For: "verb", Value: r.Verb})
		}
		if r.Modality != "" {
			vals = append(vals, gexf12.AttValue{For: "modality", Value: r.Modality})
		}
		vals = append(vals,
			gexf12.AttValue{For: "implied", Value: strconv.FormatBool(r.Implied)},
			gexf12.AttValue{For: "evidenceCount", Value: strconv.Itoa(r.EvidenceCount)})
		if r.EvidenceCount > 0 {
			vals = append(vals,
				gexf12.AttValue{For: "document", Value: r.Document},
				gexf12.AttValue{For: "paragraph", Value: r.Paragraph},
				gexf12.AttValue{For: "quote", Value: r.Quote})
		}
		e := gexf12.Edge{ID: r.ID, Source: r.Source, Target: r.Target, Label: r.Label, AttValues: &gexf12.AttValues{AttValues: vals}}
		if err := enc.EncodeElement(e, xml.StartElement{Name: xml.Name{Local: gexfEdgeElement}}); err != nil {
			return err
		}
	}
	for _, end := range []xml.EndElement{edges.End(), graph.End(), root.End()} {
		if err := enc.EncodeToken(end); err != nil {
			return err
		}
	}
	if err := enc.Flush(); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
