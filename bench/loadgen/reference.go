package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/digidip/digidip/data"
	"github.com/digidip/digidip/loaders"
	"github.com/digidip/digidip/server"
	"github.com/digidip/digidip/store"
)

// reference answers the soak's requests in this process, from the embedded
// data loaded afresh into a memory store (the server under test keeps bolt),
// with no response cache and one request at a time: a wrong answer from the
// server under load then differs from it, whatever the server's cache or
// concurrency did.
type reference struct {
	h  http.Handler
	st *store.Store
}

func newReference(ctx context.Context) (*reference, error) {
	st, err := store.Open(ctx, store.Options{Backend: "memory"})
	if err != nil {
		return nil, fmt.Errorf("reference store: %w", err)
	}
	if _, err := loaders.Load(ctx, st, data.FS(), "data", false); err != nil {
		st.Close()
		return nil, fmt.Errorf("reference load: %w", err)
	}
	h := server.New(st, server.Config{
		CacheEntries:   -1,
		RequestTimeout: time.Minute,
		Logger:         slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	return &reference{h: h, st: st}, nil
}

// answer is the reference's answer to one request, which must be a 200.
func (r *reference) answer(method, path string, body []byte) ([]byte, error) {
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	r.h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		return nil, fmt.Errorf("reference %s %s: status %d: %.200s", method, path, rec.Code, rec.Body.Bytes())
	}
	return rec.Body.Bytes(), nil
}

func (r *reference) Close() error { return r.st.Close() }
