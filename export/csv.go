package export

import (
	"archive/zip"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"time"
)

// The CSV tables. edges.csv starts with source and target and nodes.csv
// with id, the order R igraph's graph_from_data_frame(edges, vertices=nodes)
// and most spreadsheet and network tools take without options.
var (
	nodesHeader    = []string{"id", "name", "kind", "description", "degree"}
	edgesHeader    = []string{"source", "target", "id", "predicate", "label", "verb", "modality", "implied", "evidenceCount", "document", "paragraph", "quote"}
	evidenceHeader = []string{"relation", "source", "predicate", "target", "document", "paragraph", "quote", "start", "end", "verb", "modality"}
)

// CSV table names, in the order they are written.
const (
	NodesCSV    = "nodes.csv"
	EdgesCSV    = "edges.csv"
	EvidenceCSV = "evidence.csv"
)

// CSVTables lists the tables a CSV export writes.
func CSVTables(opt Options) []string {
	if opt.NoEvidence {
		return []string{NodesCSV, EdgesCSV}
	}
	return []string{NodesCSV, EdgesCSV, EvidenceCSV}
}

// WriteCSV writes the set's tables, each to the writer create opens for its
// name (one of CSVTables): RFC 4180 quoting by encoding/csv, one row per
// entity, relation and evidence item.
func WriteCSV(ctx context.Context, set *Set, opt Options, create func(name string) (io.Writer, error)) error {
	for _, name := range CSVTables(opt) {
		w, err := create(name)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if err := writeTable(ctx, w, name, set); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	return nil
}

func writeTable(ctx context.Context, w io.Writer, name string, set *Set) error {
	cw := csv.NewWriter(w)
	t := &ticker{ctx: ctx}
	switch name {
	case NodesCSV:
		cw.Write(nodesHeader)
		for r := range set.nodeRows(ctx) {
			if err := t.tick(); err != nil {
				return err
			}
			if err := cw.Write([]string{r.ID, r.Name, r.Kind, r.Description, strconv.Itoa(r.Degree)}); err != nil {
				return err
			}
		}
	case EdgesCSV:
		cw.Write(edgesHeader)
		for rel := range set.edges {
			if err := t.tick(); err != nil {
				return err
			}
			r := set.edgeRow(rel)
			if err := cw.Write([]string{r.Source, r.Target, r.ID, r.Predicate, r.Label, r.Verb, r.Modality,
				strconv.FormatBool(r.Implied), strconv.Itoa(r.EvidenceCount), r.Document, r.Paragraph, r.Quote}); err != nil {
				return err
			}
		}
	case EvidenceCSV:
		cw.Write(evidenceHeader)
		for rel := range set.edges {
			for _, ev := range rel.Evidence {
				if err := t.tick(); err != nil {
					return err
				}
				if err := cw.Write([]string{rel.ID, rel.Subject, rel.Predicate, rel.Object, ev.Document, ev.Paragraph, ev.Quote,
					strconv.Itoa(ev.Start), strconv.Itoa(ev.End), ev.Verb, string(ev.Modality)}); err != nil {
					return err
				}
			}
		}
	default:
		return fmt.Errorf("no table %q", name)
	}
	cw.Flush()
	return cw.Error()
}

// zipTime is the modification time of the zip's entries: fixed, so the same
// selection of the same data gives the same bytes.
var zipTime = time.Date(2023, 6, 26, 0, 0, 0, 0, time.UTC)

// writeZip writes the tables as one zip, streamed entry by entry.
func writeZip(ctx context.Context, w io.Writer, set *Set, opt Options) error {
	zw := zip.NewWriter(w)
	err := WriteCSV(ctx, set, opt, func(name string) (io.Writer, error) {
		return zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: zipTime})
	})
	if err != nil {
		return err
	}
	return zw.Close()
}
