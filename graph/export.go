package graph

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/99designs/gqlgen/graphql"

	"github.com/digidip/digidip/engine"
	"github.com/digidip/digidip/export"
	"github.com/digidip/digidip/graph/model"
)

// exportTextMaxNodes is the largest subgraph whose file Subgraph.export
// gives inline: a few hundred entities make a file of tens of kilobytes,
// fine in a JSON response; anything larger is a download.
const exportTextMaxNodes = 200

// defaultMaxEdges is how many relations a subgraph gives by default: every
// relation among a few hundred entities of the data digidip ships, and a
// bound on a large graph whose hubs have thousands.
const defaultMaxEdges = 2000

// exportTextMaxBytes bounds the file Subgraph.export gives inline, so the
// field has a price whatever the data: a larger file is a download, and
// writing it stops at the bound.
const exportTextMaxBytes = 1 << 20

// errTextTooLong stops writing an inline export at exportTextMaxBytes.
var errTextTooLong = errors.New("export text over its bound")

// boundedBuffer is a buffer that refuses to grow past its bound.
type boundedBuffer struct {
	bytes.Buffer
	max int
}

func (b *boundedBuffer) Write(p []byte) (int, error) {
	if b.Len()+len(p) > b.max {
		return 0, errTextTooLong
	}
	return b.Buffer.Write(p)
}

// subgraphExport describes the file of a subgraph in a format. The URL
// repeats the subgraph's own arguments, read from the enclosing `subgraph`
// field, so /export selects exactly the nodes and edges of the response; the
// text is written from the subgraph in hand, and only when asked for.
func (r *Resolver) subgraphExport(ctx context.Context, sg *engine.Subgraph, format model.ExportFormat) (*model.SubgraphExport, error) {
	f, err := export.ParseFormat(string(format))
	if err != nil {
		return nil, err
	}
	sel, err := subgraphSelection(ctx)
	if err != nil {
		return nil, err
	}
	req := export.Request{Format: f, Selection: sel}
	g := r.graph(ctx)
	set := export.FromSubgraph(g, sg, sel)
	out := &model.SubgraphExport{
		Format:    format,
		URL:       req.Path(),
		Filename:  set.Filename(f),
		MediaType: f.MediaType(),
	}
	if f != export.CSV && len(sg.Nodes) <= exportTextMaxNodes && requested(ctx, "text") {
		b := &boundedBuffer{max: exportTextMaxBytes}
		switch err := export.Write(ctx, b, f, set, export.Options{}); {
		case errors.Is(err, errTextTooLong):
			// null text: the schema says to download `url`
		case err != nil:
			return nil, fmt.Errorf("subgraph export text: %w", err)
		default:
			text := b.String()
			out.Text = &text
		}
	}
	return out, nil
}

// subgraphSelection reads the arguments of the `subgraph` field that
// returned the object being resolved, defaults applied.
func subgraphSelection(ctx context.Context) (export.Selection, error) {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || fc.Parent == nil || fc.Parent.Field.Field == nil || fc.Parent.Field.Name != "subgraph" {
		return export.Selection{}, fmt.Errorf("the export of a Subgraph resolved outside a subgraph field")
	}
	args := fc.Parent.Args
	sel := export.Selection{MaxNodes: engine.DefaultSubgraph}
	if v, ok := args["roots"].([]string); ok {
		sel.Roots = v
	}
	if len(sel.Roots) > 0 {
		sel.Depth = 1
		if v, ok := args["depth"].(*int); ok && v != nil {
			sel.Depth = *v
		}
	}
	if v, ok := args["maxNodes"].(*int); ok && v != nil {
		sel.MaxNodes = *v
	}
	if v, ok := args["predicates"].([]model.Predicate); ok {
		sel.Predicates = predicateIDs(v)
	}
	if v, ok := args["kinds"].([]model.Kind); ok {
		sel.Kinds = toKinds(v)
	}
	return sel, nil
}

// requested reports whether the client selected a field of the object being
// resolved, so that costly fields are computed only when asked for.
func requested(ctx context.Context, name string) bool {
	for _, f := range graphql.CollectFieldsCtx(ctx, nil) {
		if strings.EqualFold(f.Name, name) {
			return true
		}
	}
	return false
}
