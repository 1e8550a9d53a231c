package server

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/digidip/digidip/data/datatest"
)

// cancelAfterFirstWrite is a client that hangs up once the first bytes
// of the body arrive.
type cancelAfterFirstWrite struct {
	*httptest.ResponseRecorder
	cancel context.CancelFunc
}

func (c *cancelAfterFirstWrite) Write(b []byte) (int, error) {
	defer c.cancel()
	return c.ResponseRecorder.Write(b)
}

// An export that fails after it started sending must not end like a whole
// file: the handler aborts the response (http.ErrAbortHandler), so the
// client sees a broken transfer instead of a short, well-formed-looking file.
func TestExportAbortsAHalfSentFile(t *testing.T) {
	ctx := context.Background()
	st := datatest.Store(t)
	h := exportHandler(st, DefaultExportTimeout, slog.New(slog.NewTextHandler(io.Discard, nil)))
	for _, format := range []string{"graphml", "nquads"} {
		t.Run(format, func(t *testing.T) {
			rctx, cancel := context.WithCancel(ctx)
			defer cancel()
			w := &cancelAfterFirstWrite{httptest.NewRecorder(), cancel}
			req := httptest.NewRequest(http.MethodGet, "/export?format="+format, nil).WithContext(rctx)
			defer func() {
				if p := recover(); p != http.ErrAbortHandler {
					t.Errorf("recovered %v, want http.ErrAbortHandler", p)
				}
				if w.Body.Len() == 0 {
					t.Error("nothing was sent before the failure: the test tests nothing")
				}
			}()
			h.ServeHTTP(w, req)
			t.Errorf("the handler returned normally after %d bytes of a cancelled export", w.Body.Len())
		})
	}
}
