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

// Both pools of a PostgreSQL store, the store's own and the current
// generation's, are bounded by PGMaxConns (default DefaultPGMaxConns).
func TestPGPoolsAreBounded(t *testing.T) {
	for _, tc := range []struct{ opt, want int }{{0, DefaultPGMaxConns}, {3, 3}} {
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
		if got := st.b.(*pgBackend).db.Stats().MaxOpenConnections; got != tc.want {
			t.Errorf("PGMaxConns %d: the store's pool allows %d connections, want %d", tc.opt, got, tc.want)
		}
		if got := cayleyDB(t, qs.(*csql.QuadStore)).Stats().MaxOpenConnections; got != tc.want {
			t.Errorf("PGMaxConns %d: the generation's pool allows %d connections, want %d", tc.opt, got, tc.want)
		}
		if got := cap(st.streams); got != tc.want/2 {
			t.Errorf("PGMaxConns %d: %d exports may stream at once, want %d", tc.opt, got, tc.want/2)
		}
	}
}
