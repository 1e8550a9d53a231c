package loaders

import (
	"context"
	"fmt"
	"io/fs"

	"github.com/digidip/digidip/store"
)

// Load reads and validates the data under fsys and replaces the store's
// graph with it. With any problem nothing is written and the store keeps
// what it had.
func Load(ctx context.Context, st *store.Store, fsys fs.FS, root string) (*store.Dataset, error) {
	ds, err := Read(fsys, root)
	if err != nil {
		return nil, err
	}
	if err := st.Replace(ctx, store.Quads(ds)); err != nil {
		return nil, fmt.Errorf("load %s: %w", root, err)
	}
	return ds, nil
}

// Sync loads the data under fsys unless the store already holds exactly that
// data (same content hash). It reports whether it loaded.
func Sync(ctx context.Context, st *store.Store, fsys fs.FS, root string) (bool, error) {
	hash, err := Hash(fsys)
	if err != nil {
		return false, err
	}
	if st.Graph().Hash() == hash {
		return false, nil
	}
	if _, err := Load(ctx, st, fsys, root); err != nil {
		return false, err
	}
	return true, nil
}
