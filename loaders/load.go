package loaders

import (
	"context"
	"fmt"
	"io/fs"

	"github.com/digidip/digidip/domain"
	"github.com/digidip/digidip/store"
	"github.com/digidip/digidip/vocab"
)

// Load reads and validates the data under fsys and replaces the store's
// graph with it. With any problem nothing is written and the store keeps
// what it had. root names the data in problems and, as the graph's source,
// in the store.
func Load(ctx context.Context, st *store.Store, fsys fs.FS, root string) (*domain.Dataset, error) {
	ds, err := Read(fsys, root)
	if err != nil {
		return nil, err
	}
	if err := st.Replace(ctx, vocab.Quads(ds)); err != nil {
		return nil, fmt.Errorf("load %s: %w", root, err)
	}
	return ds, nil
}

// Sync loads the data under fsys when the store is empty, or holds an older
// version of the same data (same source, another content hash). A graph the
// store got from elsewhere (another data directory, an N-Quads file) is
// left alone: Sync reports why in kept.
func Sync(ctx context.Context, st *store.Store, fsys fs.FS, root string) (loaded bool, kept string, err error) {
	hash, err := Hash(fsys)
	if err != nil {
		return false, "", err
	}
	g := st.Graph()
	switch {
	case g.Hash() == hash:
		return false, "", nil
	case g.Hash() != "" && g.Source() != "" && g.Source() != root:
		return false, fmt.Sprintf("the store holds a graph loaded from %s, not from %s; serving it as it is ('digidip load' replaces it)", g.Source(), root), nil
	}
	if _, err := Load(ctx, st, fsys, root); err != nil {
		return false, "", err
	}
	return true, "", nil
}
