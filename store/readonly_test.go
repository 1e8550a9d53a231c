package store_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/lib/pq"

	"github.com/digidip/digidip/domain"
	"github.com/digidip/digidip/domain/domaintest"
	"github.com/digidip/digidip/store"
	"github.com/digidip/digidip/store/storetest"
	"github.com/digidip/digidip/vocab"
)

// memoAt is the memo dataset at a data version.
func memoAt(t *testing.T, version int) *store.Prepared {
	t.Helper()
	ds := domaintest.Memo()
	ds.Version = version
	p, err := store.Prepare(vocab.Quads(ds))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// A read-only store writes nothing: on bolt and PostgreSQL it serves what a
// writer loaded, waits on a store nothing was loaded into yet, and refuses
// writes; a memory store cannot be read-only.
func TestReadOnly(t *testing.T) {
	ctx := context.Background()
	if _, err := store.Open(ctx, store.Options{Backend: "memory", ReadOnly: true}); !errors.Is(err, domain.ErrInvalidArgument) {
		t.Errorf("a read-only memory store: %v", err)
	}
	missing := filepath.Join(t.TempDir(), "nothing-here")
	if _, err := store.Open(ctx, store.Options{Backend: "bolt", Address: missing, ReadOnly: true}); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("a read-only bolt store that does not exist: %v", err)
	}
	addrs := map[string]func(t *testing.T) (backend, addr string){
		"bolt":     func(t *testing.T) (string, string) { return "bolt", filepath.Join(t.TempDir(), "db") },
		"postgres": func(t *testing.T) (string, string) { return "postgres", storetest.PostgresAddress(t) },
	}
	for name, where := range addrs {
		t.Run(name, func(t *testing.T) {
			backend, addr := where(t)
			if backend == "bolt" {
				// a bolt store must exist: the writer makes it
				w, err := store.Open(ctx, store.Options{Backend: backend, Address: addr})
				if err != nil {
					t.Fatal(err)
				}
				w.Close()
			}
			r, err := store.Open(ctx, store.Options{Backend: backend, Address: addr, ReadOnly: true})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if r.Generation() != "" {
				t.Fatalf("an empty store opened read-only serves %q", r.Generation())
			}
			if err := r.Write(ctx, memoAt(t, 1)); !errors.Is(err, store.ErrReadOnly) {
				t.Errorf("a write through a read-only store: %v", err)
			}
			if switched, err := r.Refresh(ctx); switched || err != nil {
				t.Errorf("refresh of an empty store: switched %v, %v", switched, err)
			}
			w, err := store.Open(ctx, store.Options{Backend: backend, Address: addr})
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			if err := w.Write(ctx, memoAt(t, 1)); err != nil {
				t.Fatal(err)
			}
			if switched, err := r.Refresh(ctx); !switched || err != nil || r.Generation() != w.Generation() {
				t.Errorf("after a load: switched %v, %v; serving %q, loaded %q", switched, err, r.Generation(), w.Generation())
			}
			if n := r.Graph().Stats().Entities; n != len(domaintest.Memo().Entities) {
				t.Errorf("the replica serves %d entities", n)
			}
		})
	}
}

// A graph is replaced by a lower version of its data only on purpose;
// data without a version replaces any.
func TestNewerDataIsKept(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{Backend: "memory"})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Write(ctx, memoAt(t, 3)); err != nil {
		t.Fatal(err)
	}
	gen := st.Generation()
	err = st.Write(ctx, memoAt(t, 2))
	if !errors.Is(err, store.ErrNewerData) || !strings.Contains(err.Error(), "version 3 of the data, newer than version 2") {
		t.Errorf("version 2 over version 3: %v", err)
	}
	if st.Generation() != gen || st.Graph().DataVersion() != 3 {
		t.Errorf("the refused write changed the store: %s, version %d", st.Generation(), st.Graph().DataVersion())
	}
	if err := st.Write(ctx, memoAt(t, 3)); err != nil {
		t.Errorf("the same version again: %v", err)
	}
	down := memoAt(t, 2)
	down.Downgrade = true
	if err := st.Write(ctx, down); err != nil || st.Graph().DataVersion() != 2 {
		t.Errorf("a downgrade on purpose: %v, version %d", err, st.Graph().DataVersion())
	}
	if err := st.Write(ctx, memoAt(t, 0)); err != nil || st.Graph().DataVersion() != 0 {
		t.Errorf("unversioned data: %v, version %d", err, st.Graph().DataVersion())
	}
}

// Only what waiting may cure is transient: a setting the database refuses
// is not retried.
func TestTransient(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{nil, false},
		{&net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}, true},
		{fmt.Errorf("postgres store: %w", syscall.ECONNRESET), true},
		{io.ErrUnexpectedEOF, true},
		{context.DeadlineExceeded, true},
		{&pq.Error{Code: "57P03"}, true},  // the database system is starting up
		{&pq.Error{Code: "53300"}, true},  // too many connections
		{&pq.Error{Code: "08006"}, true},  // connection failure
		{&pq.Error{Code: "28P01"}, false}, // password authentication failed
		{&pq.Error{Code: "3D000"}, false}, // database does not exist
		{&pq.Error{Code: "42501"}, false}, // insufficient privilege
		{errors.New(`pq: unsupported sslmode "bogus"`), false},
		{domain.ErrInvalidArgument, false},
	} {
		if got := store.Transient(tc.err); got != tc.want {
			t.Errorf("Transient(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

// Settings the database refuses fail Open at once, saying which.
func TestPostgresSettingsAreChecked(t *testing.T) {
	u := storetest.PostgresURL(t)
	ctx := context.Background()
	for _, tc := range []struct{ name, param, value, want string }{
		{"sslmode", "sslmode", "bogus", `sslmode "bogus"`},
		{"prefix", "digidip_prefix", "Bad-Name", `digidip_prefix "Bad-Name"`},
	} {
		v := *u
		q := v.Query()
		q.Set(tc.param, tc.value)
		v.RawQuery = q.Encode()
		_, err := store.Open(ctx, store.Options{Backend: "postgres", Address: v.String(), ReadOnly: true})
		if err == nil || store.Transient(err) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	v := *u
	v.Path = "/digidip_no_such_database"
	_, err := store.Open(ctx, store.Options{Backend: "postgres", Address: v.String()})
	if err == nil || store.Transient(err) || !strings.Contains(err.Error(), "does not exist: create it, or fix the name") {
		t.Errorf("a missing database: %v", err)
	}
}
