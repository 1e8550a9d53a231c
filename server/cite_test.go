package server_test

import (
	"context"
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/digidip/digidip/cite"
	"github.com/digidip/digidip/data/datatest"
	"github.com/digidip/digidip/server"
)

// TestCiteHTTP asks /cite for a claim, an evidence item and a relation in
// each format, by ?format= and by Accept, and for what it refuses.
func TestCiteHTTP(t *testing.T) {
	st := datatest.Store(t)
	srv, _ := newServer(t, st, server.Config{CORSOrigins: []string{"https://explorer.example"}})
	ctx := context.Background()
	g := st.Graph()
	r, err := g.Relation(ctx, "action-7-partner-offer/implemented-through/global-gateway")
	if err != nil || r == nil {
		t.Fatalf("the relation: %v", err)
	}
	claim, err := cite.Gather(ctx, g, r, &r.Evidence[0])
	if err != nil {
		t.Fatal(err)
	}
	evidence := url.PathEscape(r.Evidence[0].ID()) // '#' would end the path
	shared, _ := g.Relation(ctx, "subsea-data-cables/instance-of/secure-connectivity")
	const many = "council-of-the-eu/calls-on/high-representative"
	annotation := `application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"`
	for _, tt := range []struct {
		name, path, accept string
		status             int
		media              string
		body               string // part of the body
	}{
		{"claim, no Accept: text", claim.ID, "", 200, "text/plain", "“With Global Gateway, the EU has the means to provide a competitive offer”"},
		{"a browser gets text", claim.ID, "text/html,application/xhtml+xml,*/*;q=0.8", 200, "text/plain", "paragraph 7"},
		{"csl-json by Accept", claim.ID, "application/vnd.citationstyles.csl+json", 200, "application/vnd.citationstyles.csl+json", `"id": "` + claim.ID + `"`},
		{"application/json is CSL-JSON", claim.ID, "application/json", 200, "application/vnd.citationstyles.csl+json", `"section": "paragraph 7"`},
		{"bibtex by Accept", claim.ID, "application/x-bibtex", 200, "application/x-bibtex", "@techreport{" + claim.ID + ","},
		{"ris by Accept, q-values", claim.ID, "application/x-bibtex;q=0.5, application/x-research-info-systems", 200, "application/x-research-info-systems", "TY  - GOVDOC"},
		{"annotation by Accept", claim.ID, annotation, 200, "application/ld+json", `"type": "TextPositionSelector"`},
		{"ld+json without a profile", claim.ID, "application/ld+json", 200, "application/ld+json", `"source": "http://` + strings.TrimPrefix(srv.URL, "http://") + `/read/council-2023#7"`},
		{"format= by citation.js's name", claim.ID + "?format=csl", "", 200, "application/vnd.citationstyles.csl+json", `"id": "` + claim.ID + `"`},
		{"format= by a file extension", claim.ID + "?format=BIB", "", 200, "application/x-bibtex", "@techreport{"},
		{"format= wins over Accept", claim.ID + "?format=bibtex", "application/x-research-info-systems", 200, "application/x-bibtex", "@techreport{"},
		{"evidence id", evidence + "?format=text", "", 200, "text/plain", claim.ID},
		{"relation id, all its quotes", many + "?format=ris", "", 200, "application/x-research-info-systems", "SE  - paragraph 4.H"},
		{"relation, annotation", many + "?format=annotation", "", 200, "application/ld+json", `"target": [`},
		{"unknown claim", "c-aaaaaaaaaaaaaaaa", "", 404, "application/json", `no claim or relation has the cite id \"c-aaaaaaaaaaaaaaaa\"`},
		{"unknown relation", "council-of-the-eu/calls-on/nobody", "", 404, "application/json", `no relation \"council-of-the-eu/calls-on/nobody\"`},
		{"not an id", "hello", "", 404, "application/json", "is neither a cite id"},
		{"shared evidence", url.PathEscape(shared.Evidence[0].ID()), "", 300, "application/json", `"claims":["/cite/c-`},
		{"unknown format", claim.ID + "?format=endnote", "", 400, "application/json", "format is one of csl-json, bibtex, ris, text, annotation"},
		{"nothing acceptable", claim.ID, "image/png", 406, "application/json", "application/x-bibtex"},
		{"q=0 refuses", claim.ID, "text/plain;q=0, application/x-bibtex;q=0", 406, "application/json", "NOT_ACCEPTABLE"},
		{"too long", strings.Repeat("a", 2000), "", 400, "application/json", "longer than any id"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, srv.URL+"/cite/"+tt.path, nil)
			if tt.accept != "" {
				req.Header.Set("Accept", tt.accept)
			}
			res := do(t, req)
			if res.status != tt.status {
				t.Fatalf("status %d, want %d: %s", res.status, tt.status, res.body)
			}
			if mt, _, _ := mime.ParseMediaType(res.header.Get("Content-Type")); mt != tt.media {
				t.Errorf("Content-Type %q, want %s", res.header.Get("Content-Type"), tt.media)
			}
			if !strings.Contains(string(res.body), tt.body) {
				t.Errorf("the body has no %q:\n%s", tt.body, res.body)
			}
			if tt.status == 200 && (res.header.Get("ETag") == "" || res.header.Get("Cache-Control") != "no-cache") {
				t.Errorf("ETag %q, Cache-Control %q", res.header.Get("ETag"), res.header.Get("Cache-Control"))
			}
			if tt.status != 200 && res.header.Get("Cache-Control") != "no-store" {
				t.Errorf("an error's Cache-Control is %q", res.header.Get("Cache-Control"))
			}
		})
	}

	t.Run("revalidation, compression, CORS, HEAD", func(t *testing.T) {
		path := srv.URL + "/cite/" + many + "?format=text"
		req, _ := http.NewRequest(http.MethodGet, path, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		req.Header.Set("Origin", "https://explorer.example")
		first := do(t, req)
		if first.status != 200 || first.header.Get("Content-Encoding") != "gzip" {
			t.Fatalf("status %d, Content-Encoding %q", first.status, first.header.Get("Content-Encoding"))
		}
		if got := first.header.Get("Access-Control-Allow-Origin"); got != "https://explorer.example" {
			t.Errorf("Access-Control-Allow-Origin %q", got)
		}
		if v := first.header.Values("Vary"); !strings.Contains(strings.Join(v, ","), "Accept") {
			t.Errorf("Vary %q does not name Accept", v)
		}
		req.Header.Set("If-None-Match", first.header.Get("ETag"))
		if again := do(t, req); again.status != http.StatusNotModified {
			t.Errorf("revalidating with its ETag: status %d, want 304", again.status)
		}
		req.Header.Set("Accept-Encoding", "identity")
		if plain := do(t, req); plain.status != 200 || plain.header.Get("ETag") == first.header.Get("ETag") {
			t.Errorf("the identity variant: status %d, ETag %q like gzip's", plain.status, plain.header.Get("ETag"))
		}
		head, _ := http.NewRequest(http.MethodHead, path, nil)
		if h := do(t, head); h.status != 200 || len(h.body) != 0 || h.header.Get("Content-Length") == "" {
			t.Errorf("HEAD: status %d, %d bytes of body, Content-Length %q", h.status, len(h.body), h.header.Get("Content-Length"))
		}
	})
}

// TestCiteGraphQL asks GraphQL for the cite ids and citations of
// paragraph 7's relations, on both engines: each matches what /cite
// answers for the same id, a relation's evidence each has its claim's id,
// and a fact's evidence has none.
func TestCiteGraphQL(t *testing.T) {
	for _, engine := range []string{"projection", "cayley"} {
		t.Run(engine, func(t *testing.T) {
			st := datatest.StoreEngine(t, engine)
			srv, _ := newServer(t, st, server.Config{})
			res := post(t, srv, `{
  node(id: "council-of-the-eu/calls-on/high-representative") { ... on Relation { ...cited } }
  relations(paragraph: "council-2023:7", first: 50) { nodes { ...cited } }
  entity(id: "itu-plenipotentiary-conference-2026") { facts { evidence { citeId citation(format: TEXT) } } }
}
fragment cited on Relation {
  id citeId csl: citation(format: CSL_JSON)
  evidence { id citeId bib: citation(format: BIBTEX) }
}`, nil)
			if res.status != 200 || len(res.resp.Errors) > 0 {
				t.Fatalf("status %d: %s", res.status, res.body)
			}
			type ev struct{ ID, CiteID, Bib string }
			type rel struct {
				ID, CiteID, CSL string
				Evidence        []ev
			}
			var data struct {
				Node      rel
				Relations struct{ Nodes []rel }
				Entity    struct {
					Facts []struct {
						Evidence struct {
							CiteID   *string
							Citation *string
						}
					}
				}
			}
			if err := json.Unmarshal(res.resp.Data, &data); err != nil {
				t.Fatal(err)
			}
			rels := append([]rel{data.Node}, data.Relations.Nodes...)
			if len(rels) < 10 {
				t.Fatalf("%d relations", len(rels))
			}
			get := func(id, format string) string {
				r := do(t, mustGet(t, srv.URL+"/cite/"+url.PathEscape(id)+"?format="+format))
				if r.status != 200 {
					t.Fatalf("/cite/%s: status %d: %s", id, r.status, r.body)
				}
				return string(r.body)
			}
			for _, r := range rels {
				if !cite.IsCiteID(r.CiteID) || r.CSL != get(r.CiteID, "csl-json") {
					t.Errorf("%s: citeId %q, or its CSL-JSON is not /cite's", r.ID, r.CiteID)
				}
				for _, e := range r.Evidence {
					if e.CiteID == "" || e.CiteID == r.CiteID || !strings.Contains(r.CSL, `"id": "`+e.CiteID+`"`) {
						t.Errorf("%s %s: citeId %q is not one of the relation's CSL items", r.ID, e.ID, e.CiteID)
					}
					if e.Bib != get(e.CiteID, "bibtex") || !strings.HasPrefix(e.Bib, "@") || !strings.Contains(e.Bib, "{"+e.CiteID+",\n") {
						t.Errorf("%s %s: the BibTeX differs from /cite's:\n%s", r.ID, e.ID, e.Bib)
					}
				}
			}
			if len(data.Entity.Facts) == 0 {
				t.Fatal("itu-plenipotentiary-conference-2026 has no facts")
			}
			for _, f := range data.Entity.Facts {
				if f.Evidence.CiteID != nil || f.Evidence.Citation != nil {
					t.Errorf("a fact's evidence has citeId %v, citation %v; want null", f.Evidence.CiteID, f.Evidence.Citation)
				}
			}
		})
	}
}

// TestCitationIsPriced: a page of citations is priced at least at its
// size in cost units (256 bytes of text), and a query that asks for many
// pages of them is refused before it runs.
func TestCitationIsPriced(t *testing.T) {
	st := datatest.Store(t)
	srv, _ := newServer(t, st, server.Config{})
	for _, f := range []string{"CSL_JSON", "BIBTEX", "RIS", "TEXT", "WEB_ANNOTATION"} {
		t.Run(f, func(t *testing.T) {
			r := post(t, srv, `{ relations(first: 100) { nodes { citation(format: `+f+`) evidence { citation(format: `+f+`) } } } }`, nil)
			if r.status != 200 || len(r.resp.Errors) > 0 {
				t.Fatalf("status %d: %.300s", r.status, r.body)
			}
			cost := r.resp.Extensions["cost"].(map[string]any)
			requested, units := cost["requested"].(float64), float64(len(r.body))/256
			if requested < units {
				t.Errorf("costs %v for %d bytes (%v units of 256 bytes)", requested, len(r.body), units)
			}
			t.Logf("costs %v of %v for %d bytes", requested, cost["limit"], len(r.body))
		})
	}
	r := post(t, srv, aliased(20, `relations(first: 100) { nodes { citation(format: WEB_ANNOTATION) } }`), nil)
	if r.status != 400 || r.resp.code() != "COMPLEXITY_LIMIT_EXCEEDED" {
		t.Errorf("20 pages of 100 annotations: status %d, code %q", r.status, r.resp.code())
	}
}
