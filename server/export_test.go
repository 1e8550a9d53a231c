package server_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/digidip/digidip/data/datatest"
	"github.com/digidip/digidip/server"
)

func TestExportHTTP(t *testing.T) {
	st := datatest.Store(t)
	srv, _ := newServer(t, st, server.Config{})
	tests := []struct {
		name     string
		method   string
		query    string
		status   int
		media    string
		filename string
		body     string // part of the body
		code     string // extensions.code of an error
		msg      string // part of an error's message
	}{
		{"graphml of a neighbourhood", "GET", "format=graphml&roots=global-gateway&depth=2", 200, "application/graphml+xml", "digidip-global-gateway-d2.graphml", `<node id="global-gateway">`, "", ""},
		{"gexf of paths", "GET", "format=gexf&from=d4d-hub&to=european-commission", 200, "application/gexf+xml", "digidip-path-d4d-hub-european-commission.gexf", `xmlns="http://www.gexf.net/1.2draft"`, "", ""},
		{"nquads of the whole graph", "GET", "format=nquads", 200, "application/n-quads", "digidip.nq", "<https://w3id.org/digidip/entity/global-gateway>", "", ""},
		{"jsonld", "GET", "format=jsonld&roots=d4d-hub", 200, "application/ld+json", "digidip-d4d-hub-d1.jsonld", `"@context"`, "", ""},
		{"trig", "GET", "format=trig&roots=d4d-hub&predicates=INSTANCE_OF", 200, "application/trig", "digidip-d4d-hub-d1.trig", "@prefix", "", ""},
		{"csv", "GET", "format=csv&roots=d4d-hub", 200, "application/zip", "digidip-d4d-hub-d1.zip", "edges.csv", "", ""},
		{"cytoscape", "GET", "format=cytoscape&kinds=ACTOR", 200, "application/json", "digidip-filtered.cyjs.json", `"elements"`, "", ""},
		{"head", "HEAD", "format=graphml", 200, "application/graphml+xml", "digidip.graphml", "", "", ""},
		{"unknown format", "GET", "format=xls", 400, "application/json", "", "", "BAD_USER_INPUT", `unknown format "xls"; the formats are nquads, jsonld, trig, graphml, gexf, csv, cytoscape`},
		{"no format", "GET", "roots=d4d-hub", 400, "application/json", "", "", "BAD_USER_INPUT", "no format given"},
		{"unknown root", "GET", "format=graphml&roots=global-gatway", 404, "application/json", "", "", "NOT_FOUND", `unknown root "global-gatway"`},
		{"unknown path end", "GET", "format=graphml&from=d4d-hub&to=nobody", 404, "application/json", "", "", "NOT_FOUND", `unknown to entity "nobody"`},
		{"depth above the maximum", "GET", "format=graphml&roots=global-gateway&depth=9", 400, "application/json", "", "", "BAD_USER_INPUT", "depth 9 is above the maximum, 4"},
		{"maxNodes above the maximum", "GET", "format=graphml&maxNodes=5000", 400, "application/json", "", "", "BAD_USER_INPUT", "maxNodes 5000 is above the maximum, 2000"},
		{"misspelt parameter", "GET", "format=graphml&root=global-gateway", 400, "application/json", "", "", "BAD_USER_INPUT", `unknown parameter "root"`},
		{"post", "POST", "format=graphml", 405, "", "", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, srv.URL+"/export?"+tt.query, nil)
			res := do(t, req)
			if res.status != tt.status {
				t.Fatalf("status %d, want %d: %s", res.status, tt.status, res.body)
			}
			if tt.media != "" {
				if mt, _, _ := mime.ParseMediaType(res.header.Get("Content-Type")); mt != tt.media {
					t.Errorf("Content-Type %q, want %s", res.header.Get("Content-Type"), tt.media)
				}
			}
			_, params, _ := mime.ParseMediaType(res.header.Get("Content-Disposition"))
			if params["filename"] != tt.filename {
				t.Errorf("Content-Disposition %q, want the filename %q", res.header.Get("Content-Disposition"), tt.filename)
			}
			if !bytes.Contains(res.body, []byte(tt.body)) {
				t.Errorf("body lacks %q", tt.body)
			}
			if tt.code != "" && (res.resp.code() != tt.code || !strings.Contains(res.resp.Errors[0].Message, tt.msg)) {
				t.Errorf("error %s %q, want %s with %q", res.resp.code(), res.body, tt.code, tt.msg)
			}
		})
	}
}

// A large export streams: it is sent chunked, as it is written, not
// buffered whole to learn its length.
func TestExportStreams(t *testing.T) {
	st := datatest.Store(t)
	srv, _ := newServer(t, st, server.Config{})
	res, err := http.Get(srv.URL + "/export?format=nquads")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	n, _ := io.Copy(io.Discard, res.Body)
	if res.ContentLength != -1 || len(res.TransferEncoding) == 0 || res.TransferEncoding[0] != "chunked" {
		t.Errorf("%d bytes sent with Content-Length %d, encoding %v: not streamed", n, res.ContentLength, res.TransferEncoding)
	}
	if n < 1<<20 {
		t.Errorf("only %d bytes", n)
	}
}

func TestExportTruncatedAndCSVTables(t *testing.T) {
	st := datatest.Store(t)
	srv, _ := newServer(t, st, server.Config{})
	res := do(t, mustGet(t, srv.URL+"/export?format=csv&maxNodes=3&evidence=false"))
	if res.status != 200 || res.header.Get("Digidip-Truncated") != "true" {
		t.Fatalf("status %d, Digidip-Truncated %q", res.status, res.header.Get("Digidip-Truncated"))
	}
	zr, err := zip.NewReader(bytes.NewReader(res.body), int64(len(res.body)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	if strings.Join(names, ",") != "nodes.csv,edges.csv" {
		t.Errorf("tables %v, want nodes.csv and edges.csv", names)
	}
	rc, _ := zr.File[0].Open()
	nodes, _ := io.ReadAll(rc)
	if lines := strings.Count(strings.TrimSpace(string(nodes)), "\n"); lines != 3 {
		t.Errorf("nodes.csv has %d rows, want 3", lines)
	}
}

// An export whose deadline (its own, not other requests') passes before
// anything is sent gets a status and an error, not an empty file.
func TestExportDeadline(t *testing.T) {
	st := datatest.Store(t)
	srv, _ := newServer(t, st, server.Config{ExportTimeout: time.Nanosecond})
	res := do(t, mustGet(t, srv.URL+"/export?format=graphml"))
	if res.status != http.StatusServiceUnavailable || res.resp.code() != "TIMEOUT" || res.header.Get("Content-Disposition") != "" {
		t.Errorf("status %d, code %s, Content-Disposition %q", res.status, res.resp.code(), res.header.Get("Content-Disposition"))
	}
}

// Subgraph.export gives the URL of the same nodes and edges, and for a
// small subgraph the file itself: the URL serves exactly that text.
func TestSubgraphExportField(t *testing.T) {
	st := datatest.Store(t)
	srv, _ := newServer(t, st, server.Config{})
	tests := []struct {
		name, args, format string
		text               bool
		url                string
	}{
		{"graphml", `roots: ["global-gateway"], depth: 2, predicates: [CALLS_ON, IMPLEMENTED_THROUGH, INSTANCE_OF]`, "GRAPHML", true,
			"/export?format=graphml&roots=global-gateway&depth=2&predicates=calls-on,implemented-through,instance-of&maxNodes=200"},
		{"nquads", `roots: ["d4d-hub"], kinds: [ACTOR, PARTNERSHIP, COMMITMENT]`, "NQUADS", true,
			"/export?format=nquads&roots=d4d-hub&depth=1&kinds=ACTOR,PARTNERSHIP,COMMITMENT&maxNodes=200"},
		{"cytoscape, whole graph", `maxNodes: 50`, "CYTOSCAPE", true, "/export?format=cytoscape&maxNodes=50"},
		{"csv has no text", `roots: ["d4d-hub"]`, "CSV", false, "/export?format=csv&roots=d4d-hub&depth=1&maxNodes=200"},
		{"too large for text", `maxNodes: 300`, "GEXF", false, "/export?format=gexf&maxNodes=300"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := `{ subgraph(` + tt.args + `) { nodes { id } edges { id } export(format: ` + tt.format + `) { format url filename mediaType text } } }`
			res := post(t, srv, q, nil)
			if res.status != 200 || len(res.resp.Errors) > 0 {
				t.Fatalf("%d %s", res.status, res.body)
			}
			var data struct {
				Subgraph struct {
					Nodes  []struct{ ID string }
					Edges  []struct{ ID string }
					Export struct {
						Format, URL, Filename, MediaType string
						Text                             *string
					}
				}
			}
			if err := json.Unmarshal(res.resp.Data, &data); err != nil {
				t.Fatal(err)
			}
			ex := data.Subgraph.Export
			if ex.URL != tt.url || ex.Format != tt.format {
				t.Fatalf("url %q, want %q", ex.URL, tt.url)
			}
			file := do(t, mustGet(t, srv.URL+ex.URL))
			_, params, _ := mime.ParseMediaType(file.header.Get("Content-Disposition"))
			if file.status != 200 || params["filename"] != ex.Filename || !strings.HasPrefix(file.header.Get("Content-Type"), ex.MediaType) {
				t.Fatalf("GET %s: %d, %q, %q; the field says %q, %q", ex.URL, file.status, params["filename"], file.header.Get("Content-Type"), ex.Filename, ex.MediaType)
			}
			if (ex.Text != nil) != tt.text {
				t.Fatalf("text given: %v, want %v", ex.Text != nil, tt.text)
			}
			if ex.Text != nil && *ex.Text != string(file.body) {
				t.Errorf("the text (%d bytes) differs from the URL's file (%d bytes)", len(*ex.Text), len(file.body))
			}
			// the file holds the subgraph's nodes and edges, no more
			for _, n := range data.Subgraph.Nodes {
				if tt.format != "CSV" && !bytes.Contains(file.body, []byte(n.ID)) {
					t.Errorf("the file lacks node %s", n.ID)
				}
			}
			if tt.format == "CYTOSCAPE" {
				var cy struct {
					Elements struct{ Nodes, Edges []json.RawMessage }
				}
				json.Unmarshal(file.body, &cy)
				if len(cy.Elements.Nodes) != len(data.Subgraph.Nodes) || len(cy.Elements.Edges) != len(data.Subgraph.Edges) {
					t.Errorf("the file has %d nodes and %d edges, the subgraph %d and %d",
						len(cy.Elements.Nodes), len(cy.Elements.Edges), len(data.Subgraph.Nodes), len(data.Subgraph.Edges))
				}
			}
		})
	}
}

func mustGet(t *testing.T, u string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}
