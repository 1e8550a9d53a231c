package cayley_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
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
	{"edges", func(testing.TB) *domain.Dataset { return edgeCases() }},
	{"embedded", func(t testing.TB) *domain.Dataset {
		ds, err := embedded()
		if err != nil {
			t.Fatal(err)
		}
		return domaintest.Clone(ds)
	}},
	{"synth-20k", func(testing.TB) *domain.Dataset { return synth.Dataset(20000, 1) }},
}

// edgeCases is Memo with the shapes it lacks: a relation of an entity to
// itself, a dozen facts (fact 10 comes after fact 9), evidence in two
// documents and out of reading order, paragraphs listed out of order and
// ordered unlike their ids, unsorted notes, aliases and common names, an
// entity without a name, an entity with no relations, a mention repeated.
func edgeCases() *domain.Dataset {
	ds := domaintest.Memo()
	ev := func(para, quote string, start int) domain.Evidence {
		doc, _, _ := strings.Cut(para, ":")
		return domain.Evidence{Document: doc, Paragraph: para, Quote: quote, Start: start, End: start + len([]rune(quote))}
	}
	worded := func(e domain.Evidence, verb string, m domain.Modality) domain.Evidence {
		e.Verb, e.Modality = verb, m
		return e
	}
	text := "Annex. The EIB funds the hub; the Council and the EIB agree."
	ds.Documents = append(ds.Documents, &domain.Document{
		ID: "annex", Title: "Annex", Short: "A", Date: "2024", URL: "https://example.org/annex",
		Paragraphs: []*domain.Paragraph{
			{ID: "annex:4.A", Document: "annex", Number: "4.A", Order: 1, Section: "II", Parent: "annex:4", Text: text,
				Notes: []string{"annex:fn2", "annex:fn1"}, Mentions: []string{"eib", "council", "eib"}},
			{ID: "annex:4", Document: "annex", Number: "4", Order: 0, Text: text},
			{ID: "annex:fn1", Document: "annex", Number: "fn1", Order: 3, Text: "Note one."},
			{ID: "annex:fn2", Document: "annex", Number: "fn2", Order: 2, Text: "Note two."},
		},
	})
	ds.Entities = append(ds.Entities,
		&domain.Entity{ID: "solo", Kind: domain.Topic, Aliases: []string{"b", "a", "C"}, Common: []string{"z", "y"}},
		&domain.Entity{ID: "orphan", Name: "Orphan", Kind: domain.Event})
	for _, e := range ds.Entities {
		if e.ID != "global-gateway" {
			continue
		}
		for i := range 12 {
			x := float64(i) * 1.5
			e.Facts = append(e.Facts, domain.Fact{Key: "count", Text: fmt.Sprintf("fact %d", i), Date: fmt.Sprintf("2024-%02d", i+1),
				Precision: "month", Number: &x, Unit: "u", Evidence: ev("annex:4.A", "EIB", 4+i%3)})
		}
	}
	for _, r := range ds.Relations {
		if r.ID == "eib/funds/d4d-hub" {
			r.Evidence = append(r.Evidence, ev("memo:2", "D4D Hub", 50), ev("annex:4.A", "EIB funds the hub", 11), ev("annex:4", "Annex", 0), ev("annex:4.A", "Annex", 0))
		}
	}
	ds.Relations = append(ds.Relations,
		&domain.Relation{ID: "itu/coordinates-with/itu", Subject: "itu", Predicate: "coordinates-with", Object: "itu",
			Evidence: []domain.Evidence{worded(ev("memo:2", "ITU", 37), "ITU", domain.Possible)}},
		&domain.Relation{ID: "council/funds/eib", Subject: "council", Predicate: "funds", Object: "eib", Implied: true,
			Evidence: []domain.Evidence{ev("annex:4.A", "the Council and the EIB", 33), ev("annex:4.A", "Council", 37)}})
	return ds
}

// canonical is a dataset as a quad store keeps it: a paragraph's mentions
// once each, in order of first mention (its quads are a set), and an entity
// without a name named by its id (as the decoder names it).
func canonical(ds *domain.Dataset) *domain.Dataset {
	ds = domaintest.Clone(ds)
	for _, d := range ds.Documents {
		for _, p := range d.Paragraphs {
			var ms []string
			for _, m := range p.Mentions {
				if !slices.Contains(ms, m) {
					ms = append(ms, m)
				}
			}
			p.Mentions = ms
		}
	}
	for _, e := range ds.Entities {
		if e.Name == "" {
			e.Name = e.ID
		}
	}
	return ds
}

// named is the dataset of that name.
func named(t testing.TB, name string) *domain.Dataset {
	for _, d := range datasets {
		if d.name == name {
			return d.ds(t)
		}
	}
	t.Fatalf("no dataset %q", name)
	return nil
}

// readers gives the projection of ds and the cayley engine over a store of
// the backend holding ds's quads.
func readers(t testing.TB, b backend, ds *domain.Dataset) (want *projection.Projection, got *cayley.Reader) {
	qs := b.open(t, vocab.Quads(ds))
	want = projection.New(canonical(ds))
	sum, err := want.Summary(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	r, err := cayley.New(context.Background(), qs, sum)
	if err != nil {
		t.Fatal(err)
	}
	return want, r
}
