package store

import (
	"context"
	"database/sql"
	"reflect"
	"testing"
	"unsafe"

	csql "github.com/cayleygraph/cayley/graph/sql"
	"github.com/cayleygraph/quad"

	"github.com/digidip/digidip/store/storetest"
)

// cayleyDB is the pool Cayley's SQL quad store opened for itself; it keeps
// it unexported, so the test reads the field.
func cayleyDB(t *testing.T, qs *csql.QuadStore) *sql.DB {
	f := reflect.ValueOf(qs).Elem().FieldByName("db")
	if !f.IsValid() || f.Type() != reflect.TypeFor[*sql.DB]() {
		t.Fatal("Cayley's QuadStore has no db *sql.DB field any more")
	}
	return (*sql.DB)(unsafe.Pointer(f.Pointer()))
}

// The two pools of a PostgreSQL store, the store's own and Cayley's for a
// generation, hold at most PGMaxConns (default DefaultPGMaxConns) in all.
func TestPGPoolsAreBounded(t *testing.T) {
	for _, tc := range []struct{ opt, want int }{{0, DefaultPGMaxConns}, {MinPGMaxConns, MinPGMaxConns}, {9, 9}} {
		addr := storetest.PostgresAddress(t)
		ctx := context.Background()
		st, err := Open(ctx, Options{Backend: "postgres", Address: addr, PGMaxConns: tc.opt})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		q := quad.Make(quad.IRI("a"), quad.IRI("b"), quad.IRI("c"), nil)
		if _, err := st.b.write(ctx, []quad.Quad{q}, nil, 0); err != nil {
			t.Fatal(err)
		}
		gen, err := st.b.current(ctx)
		if err != nil {
			t.Fatal(err)
		}
		qs, err := st.b.open(ctx, gen)
		if err != nil {
			t.Fatal(err)
		}
		defer qs.Close()
		own := st.b.(*pgBackend).db.Stats().MaxOpenConnections
		cayley := cayleyDB(t, qs.(*csql.QuadStore)).Stats().MaxOpenConnections
		if own+cayley != tc.want || own < 2 || cayley < 2 {
			t.Errorf("PGMaxConns %d: the store's pool allows %d connections and the generation's %d, want %d in all, at least 2 each", tc.opt, own, cayley, tc.want)
		}
		// each streaming export holds two of the generation's connections
		if got := cap(st.streams); got != cayley/2 {
			t.Errorf("PGMaxConns %d: %d exports may stream at once, want %d", tc.opt, got, cayley/2)
		}
	}
}
