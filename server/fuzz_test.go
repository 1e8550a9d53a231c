package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/digidip/digidip/data"
	"github.com/digidip/digidip/loaders"
	"github.com/digidip/digidip/server"
	"github.com/digidip/digidip/store"
)

var (
	fuzzOnce    sync.Once
	fuzzHandler http.Handler
)

// handler is one server over the embedded data in a memory store, shared by
// every fuzz input (building it per input would drown the fuzzer).
func handler(f *testing.F) http.Handler {
	fuzzOnce.Do(func() {
		ctx := context.Background()
		st, err := store.Open(ctx, store.Options{Backend: "memory"})
		if err != nil {
			f.Fatal(err)
		}
		if _, err := loaders.Load(ctx, st, data.FS(), "data", false); err != nil {
			f.Fatal(err)
		}
		fuzzHandler = server.New(st, server.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), CacheEntries: -1})
	})
	return fuzzHandler
}

var allowedStatus = map[int]bool{200: true, 304: true, 400: true, 405: true, 406: true, 413: true, 415: true, 503: true}

func checkAnswer(t *testing.T, rec *httptest.ResponseRecorder) {
	t.Helper()
	if !allowedStatus[rec.Code] {
		t.Fatalf("status %d: %s", rec.Code, rec.Body.String())
	}
	if rec.Code == http.StatusNotModified {
		return
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") && !strings.HasPrefix(ct, "application/graphql-response+json") {
		t.Fatalf("content type %q", ct)
	}
	var resp struct {
		Data   json.RawMessage `json:"data"`
		Errors []struct {
			Message    string         `json:"message"`
			Extensions map[string]any `json:"extensions"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
		t.Fatalf("not JSON (%v): %q", err, rec.Body.String())
	}
	if resp.Data == nil && len(resp.Errors) == 0 {
		t.Fatalf("neither data nor errors: %s", rec.Body.String())
	}
	for _, e := range resp.Errors {
		if e.Extensions["code"] == "INTERNAL" {
			t.Fatalf("an internal error: %s", rec.Body.String())
		}
	}
}

// FuzzRequestBody sends arbitrary bytes as a POST body, under either media
// type: the answer is always a JSON GraphQL response with a 2xx or 4xx status,
// never an internal error.
func FuzzRequestBody(f *testing.F) {
	h := handler(f)
	for _, s := range []string{
		`{"query":"{ stats { entities } }"}`, `{"query":`, `[]`, `null`, `"x"`, `{"query":1}`,
		`{"query":"{ search(text: \"\u0000\") { id } }"}`, `{"query":"query($t: String!) { search(text: $t) { id } }","variables":{"t":"ITU"}}`,
		`{"query":"{ entities(first: 100) { nodes { relations(first: 100) { nodes { id } } } } }"}`,
		`{"query":"{ node(id: \"council-2023:7\") { id ... on Paragraph { text } } }"}`,
		"{\"query\":\"{ search(text: \\\"\xff\xfe\\\") { id } }\"}",
	} {
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, body []byte, newMedia bool) {
		req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if newMedia {
			req.Header.Set("Accept", "application/graphql-response+json")
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		checkAnswer(t, rec)
	})
}

// FuzzQuery runs arbitrary query text and variables through parsing,
// validation, limits and execution.
func FuzzQuery(f *testing.F) {
	h := handler(f)
	for _, q := range []string{
		`{ search(text: "Global Gateway") { id name kind } }`,
		`{ entity(id: "d4d-hub") { relations(first: 5, after: "bogus") { nodes { id } } } }`,
		`query($id: ID!) { path(from: $id, to: "european-commission") { length } }`,
		`{ subgraph(roots: ["global-gateway"], depth: 4, maxNodes: 2000) { nodes { id } edges { id } } }`,
		`fragment F on Query { stats { entities } } { ...F ...F }`,
		`{ timeline(from: "2024-22", to: "x") { date } }`,
		`{ a: stats { entities } b: stats { entities } }`,
	} {
		f.Add(q, `{"id":"d4d-hub"}`)
	}
	f.Fuzz(func(t *testing.T, query, variables string) {
		payload := map[string]any{"query": query}
		if json.Valid([]byte(variables)) {
			payload["variables"] = json.RawMessage(variables)
		}
		body, err := json.Marshal(payload)
		if err != nil {
			return // not a string JSON can carry
		}
		req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		checkAnswer(t, rec)
	})
}
