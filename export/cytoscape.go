package export

import (
	"context"
	"encoding/json"
	"io"

	"gonum.org/v1/gonum/graph/formats/cytoscapejs"
)

// writeCytoscape writes Cytoscape.js elements JSON,
//
//	{"elements": {"nodes": [{"data": {...}}], "edges": [{"data": {...}}]}}
//
// which cy.add(json.elements) and cytoscape({elements}) take as they are.
// Each element is marshalled by gonum's cytoscapejs types and written as it
// comes, so the file is never held whole.
func writeCytoscape(ctx context.Context, w io.Writer, set *Set) error {
	ew := &errWriter{w: w}
	io.WriteString(ew, "{\"elements\":{\"nodes\":[")
	t := &ticker{ctx: ctx}
	sep := "\n"
	for r := range set.nodeRows(ctx) {
		if err := t.tick(); err != nil {
			return err
		}
		attrs := map[string]any{"name": r.Name, "kind": r.Kind, "degree": r.Degree}
		if r.Description != "" {
			attrs["description"] = r.Description
		}
		b, err := json.Marshal(&cytoscapejs.Node{Data: cytoscapejs.NodeData{ID: r.ID, Attributes: attrs}})
		if err != nil {
			return err
		}
		io.WriteString(ew, sep)
		ew.Write(b)
		sep = ",\n"
	}
	io.WriteString(ew, "\n],\"edges\":[")
	sep = "\n"
	for rel := range set.edges {
		if err := t.tick(); err != nil {
			return err
		}
		r := set.edgeRow(rel)
		attrs := map[string]any{
			"predicate":     r.Predicate,
			"label":         r.Label,
			"implied":       r.Implied,
			"evidenceCount": r.EvidenceCount,
		}
		if r.Verb != "" {
			attrs["verb"] = r.Verb
		}
		if r.Modality != "" {
			attrs["modality"] = r.Modality
		}
		if r.EvidenceCount > 0 {
			attrs["document"], attrs["paragraph"], attrs["quote"] = r.Document, r.Paragraph, r.Quote
		}
		b, err := json.Marshal(&cytoscapejs.Edge{Data: cytoscapejs.EdgeData{ID: r.ID, Source: r.Source, Target: r.Target, Attributes: attrs}})
		if err != nil {
			return err
		}
		io.WriteString(ew, sep)
		ew.Write(b)
		sep = ",\n"
	}
	io.WriteString(ew, "\n]}}\n")
	return ew.err
}
