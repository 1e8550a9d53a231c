package server

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"time"

	"github.com/digidip/digidip/domain"

	"github.com/99designs/gqlgen/graphql"
	"github.com/cayleygraph/quad"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/digidip/digidip/export"
	"github.com/digidip/digidip/graph"
	"github.com/digidip/digidip/server/httpenc"
	"github.com/digidip/digidip/store"
)

// exportHandler serves GET /export: a selection of the graph as a file in
// one of export.Formats, streamed as it is written, for researchers' tools
// and download buttons:
//
//	/export?format=graphml&roots=global-gateway&depth=2
//	/export?format=gexf&from=d4d-hub&to=european-commission
//	/export?format=nquads
//
// export.ParseQuery lists the parameters. A bad request is answered before
// anything is written, in the API's error shape: 400 for an unknown format
// (listing the formats), a malformed query string, an id longer than
// export.MaxIDBytes or a value out of range (naming the maximum), 404 for an
// id that names no entity.
//
// An export has its own deadline, timeout, longer than other requests': a
// whole graph takes a while to send to a slow client. It holds no lock,
// and reads from memory when a projection answers (see store.Snapshot),
// so health probes and switches never wait on it.
func exportHandler(st *store.Store, timeout time.Duration, log *slog.Logger) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), timeout)
		defer cancel()
		r = r.WithContext(ctx)
		// the server's write timeout follows the shorter request deadline
		if err := http.NewResponseController(w).SetWriteDeadline(time.Now().Add(timeout + writeGrace)); err != nil {
			log.WarnContext(ctx, "export: cannot extend the write deadline", "request_id", requestID(ctx), "err", err)
		}
		req, err := export.ParseRawQuery(r.URL.RawQuery)
		if err != nil {
			exportError(w, r, log, err)
			return
		}
		// One generation for the selection and the quads streamed: a load
		// meanwhile neither mixes two nor waits for this export.
		snap, err := st.Pin()
		if err != nil {
			exportError(w, r, log, err)
			return
		}
		defer func() {
			if err := snap.Release(); err != nil {
				log.WarnContext(ctx, "export: release the generation", "request_id", requestID(ctx), "err", err)
			}
		}()
		set, err := export.Select(ctx, snap.Graph(), req.Selection)
		if err != nil {
			exportError(w, r, log, err)
			return
		}
		opt := export.Options{
			NoEvidence: req.NoEvidence,
			// the whole graph in RDF streams straight from the store
			AllQuads: func(ctx context.Context, w quad.Writer) error {
				_, err := snap.WriteQuads(ctx, w)
				return err
			},
		}
		h := w.Header()
		h.Set("Content-Type", req.Format.MediaType())
		h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": set.Filename(req.Format)}))
		h.Set("X-Content-Type-Options", "nosniff")
		if set.Truncated {
			// the selection reached maxNodes: say so, as GraphQL's truncated does
			h.Set("Digidip-Truncated", "true")
		}
		// compressed as the client accepts, flushed as it goes (httpenc.Stream)
		zw := httpenc.NewStream(w, r)
		cw := &countingWriter{w: zw}
		err = export.Write(ctx, cw, req.Format, set, opt)
		if err == nil {
			if err := zw.Close(); err != nil {
				log.WarnContext(ctx, "export: end the compressed stream", "request_id", requestID(ctx), "err", err)
			}
			return
		}
		if cw.n == 0 {
			// nothing sent yet: the client can still get a proper status
			h.Del("Content-Disposition")
			exportError(w, r, log, err)
			return
		}
		// Half a file must not pass for a whole one: log, and abort the
		// response so the client sees a broken transfer, not a short file.
		log.WarnContext(ctx, "export failed after it started", "request_id", requestID(ctx),
			"format", req.Format, "bytes", cw.n, "err", err)
		panic(http.ErrAbortHandler)
	}
}

// exportError answers a failed export in the API's error shape; the
// client's mistakes keep their message, anything else is logged and masked.
func exportError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	status, code, msg := http.StatusInternalServerError, graph.CodeInternal, "internal error"
	switch {
	case errors.Is(err, domain.ErrNotFound):
		status, code, msg = http.StatusNotFound, graph.CodeNotFound, err.Error()
	case errors.Is(err, domain.ErrInvalidArgument):
		status, code, msg = http.StatusBadRequest, graph.CodeBadInput, err.Error()
	case errors.Is(err, context.DeadlineExceeded):
		status, code, msg = http.StatusServiceUnavailable, graph.CodeTimeout, "the export took longer than the request's deadline"
	case errors.Is(err, context.Canceled):
		status, code, msg = http.StatusServiceUnavailable, graph.CodeTimeout, "the request was cancelled"
	default:
		log.ErrorContext(r.Context(), "export failed", "request_id", requestID(r.Context()), "err", err)
	}
	w.Header().Set("Cache-Control", "no-store")
	writeResponse(w, mediaJSON, status, &graphql.Response{Errors: gqlerror.List{{
		Message:    msg,
		Extensions: map[string]any{"code": code},
	}}})
}

// countingWriter counts the bytes that reached the client.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
