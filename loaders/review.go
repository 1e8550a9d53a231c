package loaders

import (
	"cmp"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/digidip/digidip/domain"
)

// WriteReview writes n relations of ds drawn at random (the same seed draws
// the same ones) as a Markdown form for a second reader: each relation with
// its ends and their kinds, its predicate's definition, and each evidence
// item's quote inside the whole paragraph it comes from, followed by a
// verdict line to fill in (supported, partly or wrong). A review that
// records its seed can be drawn again and checked by anyone.
func WriteReview(w io.Writer, ds *domain.Dataset, n int, seed uint64) error {
	if n < 1 {
		return fmt.Errorf("review: %d relations: draw at least one: %w", n, domain.ErrInvalidArgument)
	}
	entities := map[string]*domain.Entity{}
	for _, e := range ds.Entities {
		entities[e.ID] = e
	}
	preds := map[string]*domain.Predicate{}
	for _, p := range ds.Predicates {
		preds[p.ID] = p
	}
	paras := map[string]*domain.Paragraph{}
	for _, d := range ds.Documents {
		for _, p := range d.Paragraphs {
			paras[p.ID] = p
		}
	}
	// Sorted by id first, so that a draw depends on the seed and the
	// relations, not on the order files were read in.
	rels := slices.SortedFunc(slices.Values(ds.Relations), func(a, b *domain.Relation) int { return cmp.Compare(a.ID, b.ID) })
	rng := rand.New(rand.NewPCG(seed, 0x646967696469702d))
	rng.Shuffle(len(rels), func(i, j int) { rels[i], rels[j] = rels[j], rels[i] })
	rels = rels[:min(n, len(rels))]

	name := func(id string) string {
		if e := entities[id]; e != nil {
			return fmt.Sprintf("%s (`%s`, %s)", e.Name, id, e.Kind)
		}
		return "`" + id + "`"
	}
	bw := &errWriter{w: w}
	bw.printf("# Review of %d relations drawn with seed %d (of %d; data hash %s)\n\n", len(rels), seed, len(ds.Relations), ds.Hash)
	bw.printf("For each: is the relation, with its predicate as defined, stated by the quoted text?\n")
	bw.printf("Verdicts: supported (fully), partly (right ends, wrong nuance: modality, wording, scope), wrong.\n")
	bw.printf("Each quote is followed by its modality (%s) and its verb.\n", domain.ModalityNames(", "))
	for i, r := range rels {
		bw.printf("\n## %d. %s\n\n", i+1, r.ID)
		bw.printf("%s **%s** %s", name(r.Subject), r.Predicate, name(r.Object))
		if r.Implied {
			bw.printf(" (implied)")
		}
		bw.printf("\n\n")
		if p := preds[r.Predicate]; p != nil {
			bw.printf("*%s*: %s\n", r.Predicate, strings.TrimSpace(p.Definition))
		}
		for _, e := range r.Evidence {
			bw.printf("\n- %s: “%s” (%s", e.Paragraph, e.Quote, e.Modality)
			if e.Verb != "" {
				bw.printf("; verb: %q", e.Verb)
			}
			bw.printf(")\n")
			if p := paras[e.Paragraph]; p != nil {
				bw.printf("  > %s\n", strings.ReplaceAll(p.Text, "\n", " "))
			}
		}
		bw.printf("\nverdict: \n")
	}
	return bw.err
}

// errWriter keeps the first write error, so a form is written without a
// check after every line.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}
