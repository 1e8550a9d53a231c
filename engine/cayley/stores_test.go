package cayley_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/boltdb/bolt"
	"github.com/cayleygraph/cayley/graph"
	"github.com/cayleygraph/cayley/graph/kv"
	"github.com/cayleygraph/cayley/graph/memstore"
	csql "github.com/cayleygraph/cayley/graph/sql"
	_ "github.com/cayleygraph/cayley/graph/sql/postgres" // Cayley's PostgreSQL backend
	"github.com/cayleygraph/quad"
	hbolt "github.com/hidal-go/hidalgo/kv/bolt"
	"github.com/lib/pq"

	"github.com/digidip/digidip/data"
	"github.com/digidip/digidip/domain"
	"github.com/digidip/digidip/domain/domaintest"
	"github.com/digidip/digidip/engine"
	"github.com/digidip/digidip/engine/cayley"
	"github.com/digidip/digidip/engine/projection"
	"github.com/digidip/digidip/loaders"
	"github.com/digidip/digidip/synth"
	"github.com/digidip/digidip/vocab"
)

// backend writes quads into a new quad store of one kind, as the store
// package writes a generation, and opens it for reading.
type backend struct {
	name string
	open func(t testing.TB, quads []quad.Quad) graph.QuadStore
}

var backends = []backend{
	{"memory", openMemory},
	{"bolt", openBolt},
	{"postgres", openPostgres},
}

func openMemory(t testing.TB, quads []quad.Quad) graph.QuadStore {
	qs := memstore.New()
	w, err := qs.NewQuadWriter()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.WriteQuads(quads); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return qs
}

// openBolt writes a bolt file as store/bolt.go does (no bloom filters, one
// writer a batch) and reopens it read-only, as a server reads a generation.
func openBolt(t testing.TB, quads []quad.Quad) graph.QuadStore {
	file := filepath.Join(t.TempDir(), "indexes.bolt")
	db, err := hbolt.Open(file, &bolt.Options{Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := kv.Init(db, nil); err != nil {
		t.Fatal(err)
	}
	qs, err := kv.New(db, graph.Options{kv.OptNoBloom: true})
	if err != nil {
		t.Fatal(err)
	}
	const batch = 25000
	for i := 0; i < len(quads); i += batch {
		w, err := qs.NewQuadWriter()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.WriteQuads(quads[i:min(i+batch, len(quads))]); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if err := qs.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = hbolt.Open(file, &bolt.Options{Timeout: 2 * time.Second, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	qs, err = kv.New(db, graph.Options{kv.OptNoBloom: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { qs.Close() })
	return qs
}

// openPostgres writes the quads into a schema of their own on the database
// DIGIDIP_TEST_POSTGRES names, as store/postgres.go writes a generation, and
// drops it when the test ends.
func openPostgres(t testing.TB, quads []quad.Quad) graph.QuadStore {
	dsn := os.Getenv("DIGIDIP_TEST_POSTGRES")
	if dsn == "" {
		t.Skip("DIGIDIP_TEST_POSTGRES not set: no PostgreSQL to test on")
	}
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	schema := fmt.Sprintf("cayley_engine_%d", time.Now().UnixNano())
	if _, err := db.Exec(`CREATE SCHEMA ` + pq.QuoteIdentifier(schema)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := db.Exec(`DROP SCHEMA ` + pq.QuoteIdentifier(schema) + ` CASCADE`); err != nil {
			t.Error(err)
		}
	})
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	opts := graph.Options{"maxopenconnections": 4, "maxidleconnections": 4}
	if err := csql.Init("postgres", u.String(), opts); err != nil {
		t.Fatal(err)
	}
	qs, err := csql.New("postgres", u.String(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { qs.Close() })
	deltas := make([]graph.Delta, len(quads))
	for i, q := range quads {
		deltas[i] = graph.Delta{Quad: q, Action: graph.Add}
	}
	if err := qs.ApplyDeltas(deltas, graph.IgnoreOpts{IgnoreDup: true}); err != nil {
		t.Fatal(err)
	}
	return qs
}

// dataset is a graph to test on.
type dataset struct {
	name string
	ds   func(t testing.TB) *domain.Dataset
}

var embedded = sync.OnceValues(func() (*domain.Dataset, error) { return loaders.Read(data.FS(), "data") })

var datasets = []dataset{
	{"memo", func(testing.TB) *domain.Dataset { return domaintest.Memo() }},
	{"embedded", func(t testing.TB) *domain.Dataset {
		ds, err := embedded()
		if err != nil {
			t.Fatal(err)
		}
		return domain.Clone(ds)
	}},
	{"synth-20k", func(testing.TB) *domain.Dataset { return synth.Dataset(20000, 1) }},
}

// readers gives the projection of ds and the cayley engine over a store of
// the backend holding ds's quads.
func readers(t testing.TB, b backend, ds *domain.Dataset) (want *projection.Projection, got *cayley.Reader) {
	qs := b.open(t, vocab.Quads(ds))
	r, err := cayley.New(context.Background(), qs, engine.Summarize(ds))
	if err != nil {
		t.Fatal(err)
	}
	return projection.New(domain.Clone(ds)), r
}

// countdown is a context that ends when its Err has been asked left times:
// it ends a call part way through, at whichever check comes then.
type countdown struct {
	context.Context
	cancel context.CancelFunc
	left   atomic.Int64
}

func newCountdown(n int64) *countdown {
	ctx, cancel := context.WithCancel(context.Background())
	c := &countdown{Context: ctx, cancel: cancel}
	c.left.Store(n)
	return c
}

func (c *countdown) Err() error {
	if c.left.Add(-1) <= 0 {
		c.cancel()
	}
	return c.Context.Err()
}
