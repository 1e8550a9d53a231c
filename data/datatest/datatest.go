// Package datatest gives tests the embedded data: as the dataset the
// loaders read from it, and as a real store loaded with it.
package datatest

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/digidip/digidip/data"
	"github.com/digidip/digidip/domain"
	"github.com/digidip/digidip/loaders"
	"github.com/digidip/digidip/store"
)

// Dataset is the embedded data as the loaders read it.
func Dataset(t testing.TB) *domain.Dataset {
	t.Helper()
	ds, err := loaders.Read(data.FS(), "data")
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// Store is a bolt store in the test's temporary directory, loaded with the
// embedded data as `digidip load` loads it, and closed when the test ends.
func Store(t testing.TB) *store.Store {
	t.Helper()
	return StoreEngine(t, "")
}

// StoreEngine is Store answered by one engine (see store.Options.Engine).
func StoreEngine(t testing.TB, engine string) *store.Store {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{Backend: "bolt", Address: filepath.Join(t.TempDir(), "db"), Engine: engine})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := loaders.Load(ctx, st, data.FS(), "data", false); err != nil {
		t.Fatal(err)
	}
	return st
}
