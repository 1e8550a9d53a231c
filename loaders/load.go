package loaders

import (
	"context"
	"errors"
	"fmt"
	"io/fs"

	"github.com/digidip/digidip/domain"
	"github.com/digidip/digidip/store"
	"github.com/digidip/digidip/vocab"
)

// Load reads and validates the data under fsys and replaces the store's
// graph with it. With any problem nothing is written and the store keeps
// what it had. root names the data in problems and, as the graph's source,
// in the store. A store holding a higher version of the data is refused
// (store.ErrNewerData) unless downgrade is set.
func Load(ctx context.Context, st *store.Store, fsys fs.FS, root string, downgrade bool) (*domain.Dataset, error) {
	ds, err := Read(fsys, root)
	if err != nil {
		return nil, err
	}
	p, err := store.Prepare(vocab.Quads(ds))
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", root, err)
	}
	p.Downgrade = downgrade
	if err := st.Write(ctx, p); err != nil {
		return nil, fmt.Errorf("load %s: %w", root, err)
	}
	return ds, nil
}

// Sync loads the data under fsys when the store is empty, or holds the same
// data at a version no higher (same source, another content hash): what a
// server that is also its store's writer does at start. A graph the store
// got from elsewhere (another data directory, an N-Quads file) or at a
// higher version (a newer release loaded it) is left alone: Sync reports
// why in kept.
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
	_, err = Load(ctx, st, fsys, root, false)
	if errors.Is(err, store.ErrNewerData) {
		return false, fmt.Sprintf("the store holds version %d of the data, newer than this release's; serving it as it is (%v)", g.DataVersion(), err), nil
	} else if err != nil {
		return false, "", err
	}
	return true, "", nil
}
