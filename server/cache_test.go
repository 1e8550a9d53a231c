package server_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/digidip/digidip/data"
	"github.com/digidip/digidip/loaders"
	"github.com/digidip/digidip/server"
	"github.com/digidip/digidip/store"
)

func TestResponseCache(t *testing.T) {
	st := openStore(t)
	srv, _ := newServer(t, st, server.Config{})
	q := `{ entity(id: "global-gateway") { name degree } }`
	first := post(t, srv, q, nil)
	second := post(t, srv, q, nil)
	if first.header.Get("X-Cache") != "miss" || second.header.Get("X-Cache") != "hit" || string(first.body) != string(second.body) {
		t.Errorf("X-Cache %q then %q; bodies equal: %v", first.header.Get("X-Cache"), second.header.Get("X-Cache"), string(first.body) == string(second.body))
	}
	// errors are not kept
	bad := `{ entities(first: 0) { totalCount } }`
	post(t, srv, bad, nil)
	if r := post(t, srv, bad, nil); r.header.Get("X-Cache") != "miss" {
		t.Errorf("an error answer was cached: %q", r.header.Get("X-Cache"))
	}
	// a load makes a new read model: the same request is answered afresh
	ctx := context.Background()
	ds, err := loaders.Read(data.FS(), "data")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ds.Entities {
		if e.ID == "global-gateway" {
			e.Name = "Global Gateway (renamed)"
		}
	}
	ds.Hash = "changed"
	if err := st.Replace(ctx, store.Quads(ds)); err != nil {
		t.Fatal(err)
	}
	if r := post(t, srv, q, nil); r.header.Get("X-Cache") != "miss" || !strings.Contains(string(r.body), "renamed") {
		t.Errorf("after a load: X-Cache %q, %s", r.header.Get("X-Cache"), r.body)
	}
}

func TestETagsAndPersistedQueries(t *testing.T) {
	st := openStore(t)
	for _, entries := range []int{0, -1} {
		srv, _ := newServer(t, st, server.Config{CacheEntries: entries})
		q := `{ stats { entities } }`
		get := func(query, etag string) result {
			req, _ := http.NewRequest(http.MethodGet, srv.URL+"/graphql?"+query, nil)
			if etag != "" {
				req.Header.Set("If-None-Match", etag)
			}
			return do(t, req)
		}
		r := get("query="+url.QueryEscape(q), "")
		etag := r.header.Get("ETag")
		if r.status != 200 || etag == "" || r.header.Get("Cache-Control") != "no-cache" {
			t.Fatalf("cache %d: GET: %d, ETag %q", entries, r.status, etag)
		}
		if r := get("query="+url.QueryEscape(q), etag); r.status != http.StatusNotModified || len(r.body) != 0 {
			t.Errorf("cache %d: revalidation: %d", entries, r.status)
		}
		if r := get("query="+url.QueryEscape(q), `"other"`); r.status != 200 {
			t.Errorf("cache %d: stale ETag: %d", entries, r.status)
		}

		// Automatic persisted queries: the hash alone is not known yet, then
		// it is.
		pq := `{ search(text: "ITU", first: 1) { id } }`
		sum := sha256.Sum256([]byte(pq))
		ext := url.QueryEscape(`{"persistedQuery":{"version":1,"sha256Hash":"` + hex.EncodeToString(sum[:]) + `"}}`)
		if r := get("extensions="+ext, ""); r.resp.code() != "PERSISTED_QUERY_NOT_FOUND" {
			t.Errorf("cache %d: unknown hash: %s", entries, r.body)
		}
		if r := get("query="+url.QueryEscape(pq)+"&extensions="+ext, ""); r.status != 200 || r.resp.code() != "" {
			t.Errorf("cache %d: registering: %s", entries, r.body)
		}
		if r := get("extensions="+ext, ""); r.status != 200 || !strings.Contains(string(r.body), `"itu"`) {
			t.Errorf("cache %d: by hash: %s", entries, r.body)
		}
	}
}
