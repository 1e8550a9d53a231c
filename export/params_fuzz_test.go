package export_test

import (
	"context"
	"errors"
	"io"
	"net/url"
	"reflect"
	"sync"
	"testing"

	"github.com/digidip/digidip/engine/projection"

	"github.com/digidip/digidip/data/datatest"
	"github.com/digidip/digidip/domain"

	"github.com/digidip/digidip/engine"
	"github.com/digidip/digidip/export"
)

var (
	fuzzGraphOnce sync.Once
	fuzzGraph     *engine.Graph
)

// FuzzExportParams: any query string is either refused with an invalid
// argument or not-found error, or parsed into a request that reads back the
// same from its own query, and whose selection exports without a panic.
func FuzzExportParams(f *testing.F) {
	for _, s := range []string{
		"format=graphml&roots=global-gateway&depth=2",
		"format=gexf&from=d4d-hub&to=european-commission&maxHops=4",
		"format=csv&evidence=false",
		"format=nquads&roots=global-gateway,d4d-hub&predicates=FUNDS,calls-on&kinds=actor",
		"format=cytoscape&roots=&depth=-1&maxNodes=99999999",
		"format=trig&roots=%00&depth=9",
		"roots=global-gateway&format=jsonld&format=gexf",
		"%zz",
	} {
		f.Add(s)
	}
	fuzzGraphOnce.Do(func() {
		ds := datatest.Dataset(f)
		fuzzGraph = projection.NewGraph(ds)
	})
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		req, err := export.ParseQuery(q)
		if err != nil {
			if !errors.Is(err, domain.ErrInvalidArgument) {
				t.Fatalf("ParseQuery(%q) = %v, not an invalid argument", raw, err)
			}
			return
		}
		set, err := export.Select(context.Background(), fuzzGraph, req.Selection)
		if err != nil {
			if !errors.Is(err, domain.ErrInvalidArgument) && !errors.Is(err, domain.ErrNotFound) {
				t.Fatalf("Select: %v", err)
			}
			return
		}
		// A request that selects reads back the same from its own URL (the
		// GraphQL export link and the explorer's downloads rely on it).
		again, err := url.ParseQuery(req.Query())
		if err != nil {
			t.Fatal(err)
		}
		req2, err := export.ParseQuery(again)
		if err != nil || !reflect.DeepEqual(req, req2) {
			t.Fatalf("%q reads back as %+v (%v), not %+v", req.Query(), req2, err, req)
		}
		if req.Format == export.CSV {
			return // a zip; its tables are written in other tests
		}
		if err := export.Write(context.Background(), io.Discard, req.Format, set, export.Options{}); err != nil {
			t.Fatalf("Write %s: %v", req.Format, err)
		}
	})
}
