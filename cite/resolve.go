package cite

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/digidip/digidip/domain"
	"github.com/digidip/digidip/engine"
)

// Index finds what an id names: a cite id (of a claim or a relation), an
// evidence id or a relation id. Cite ids are hashes, so the index reads
// every relation once per generation of the graph, on the first cite id
// asked, and keeps the generation's ids until the next one is asked about.
type Index struct {
	mu      sync.Mutex
	version uint64
	ids     map[string]ref
}

// ref is where a cite id points: a relation, and one of its evidence
// items (-1 for the relation with all of them).
type ref struct {
	relation string
	evidence int
}

// AmbiguousError is the answer about an evidence id that several relations
// quote: each relation's claim of it is its own citation.
type AmbiguousError struct {
	ID     string
	Claims []string // the claims' cite ids, in relation-id order
}

func (e *AmbiguousError) Error() string {
	return fmt.Sprintf("evidence %s states %d relations; cite one of its claims: %s", e.ID, len(e.Claims), strings.Join(e.Claims, ", "))
}

// Resolve is the citation id names in g. A relation id (subject/predicate/
// object) and a relation's cite id give the relation with all its
// evidence; an evidence id (paragraph#char=S,E) and a claim id give that
// one quote of its relation. An id that names nothing is an error wrapping
// domain.ErrNotFound; an evidence id that several relations quote is an
// *AmbiguousError.
func (x *Index) Resolve(ctx context.Context, g *engine.Graph, id string) (*Citation, error) {
	switch {
	case IsCiteID(id):
		ids, err := x.load(ctx, g)
		if err != nil {
			return nil, err
		}
		at, ok := ids[id]
		if !ok {
			return nil, fmt.Errorf("no claim or relation has the cite id %q: %w", id, domain.ErrNotFound)
		}
		r, err := g.Relation(ctx, at.relation)
		if err != nil || r == nil {
			return nil, fmt.Errorf("cite: relation %s of %s: %w", at.relation, id, orGone(err))
		}
		if at.evidence < 0 {
			return Gather(ctx, g, r, nil)
		}
		return Gather(ctx, g, r, &r.Evidence[at.evidence])
	case strings.Contains(id, "#char="):
		return evidence(ctx, g, id)
	case strings.Count(id, "/") == 2:
		r, err := g.Relation(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("cite: relation %s: %w", id, err)
		}
		if r == nil {
			return nil, fmt.Errorf("no relation %q: %w", id, domain.ErrNotFound)
		}
		return Gather(ctx, g, r, nil)
	}
	return nil, fmt.Errorf("%q is neither a cite id (%s…), an evidence id (document:paragraph#char=start,end) nor a relation id (subject/predicate/object): %w", id, Prefix, domain.ErrNotFound)
}

func orGone(err error) error {
	if err != nil {
		return err
	}
	return fmt.Errorf("gone from the graph: %w", domain.ErrNotFound)
}

// evidence finds the relations that quote the span id names.
func evidence(ctx context.Context, g *engine.Graph, id string) (*Citation, error) {
	para, _, _ := strings.Cut(id, "#")
	edges, err := g.Relations(ctx, engine.RelationFilter{Paragraph: para})
	if err != nil {
		return nil, fmt.Errorf("cite: the relations of %s: %w", para, err)
	}
	rels, err := g.Load(ctx, edges)
	if err != nil {
		return nil, fmt.Errorf("cite: the relations of %s: %w", para, err)
	}
	var found []*Citation
	for _, r := range rels {
		for i := range r.Evidence {
			if r.Evidence[i].ID() == id {
				c, err := Gather(ctx, g, r, &r.Evidence[i])
				if err != nil {
					return nil, err
				}
				found = append(found, c)
				break
			}
		}
	}
	switch len(found) {
	case 0:
		return nil, fmt.Errorf("no relation quotes %q: %w", id, domain.ErrNotFound)
	case 1:
		return found[0], nil
	}
	amb := &AmbiguousError{ID: id}
	for _, c := range found {
		amb.Claims = append(amb.Claims, c.ID)
	}
	return nil, amb
}

// loadBatch is how many relations one read of the index asks for.
const loadBatch = 1000

// load is the cite ids of g's generation, read on first use.
func (x *Index) load(ctx context.Context, g *engine.Graph) (map[string]ref, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.ids != nil && x.version == g.Version() {
		return x.ids, nil
	}
	edges, err := g.Relations(ctx, engine.RelationFilter{})
	if err != nil {
		return nil, fmt.Errorf("cite: list the relations: %w", err)
	}
	hashes := DocHashes(g)
	ids := make(map[string]ref, 2*len(edges))
	for len(edges) > 0 {
		n := min(loadBatch, len(edges))
		rels, err := g.Load(ctx, edges[:n])
		if err != nil {
			return nil, fmt.Errorf("cite: read the relations: %w", err)
		}
		edges = edges[n:]
		for _, r := range rels {
			ids[RelationCiteID(r, hashes)] = ref{r.ID, -1}
			for i, e := range r.Evidence {
				ids[ClaimID(r.Subject, r.Predicate, r.Object, hashes(e.Document), e)] = ref{r.ID, i}
			}
		}
	}
	x.ids, x.version = ids, g.Version()
	return ids, nil
}
