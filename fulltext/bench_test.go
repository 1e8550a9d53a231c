package fulltext_test

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/digidip/digidip/domain"
	"github.com/digidip/digidip/fulltext"
	"github.com/digidip/digidip/synth"
)

// BenchmarkSearch searches synthetic graphs' paragraphs with a mix of
// queries, a first page of 20 each, and reports the per-query latency's
// median and 99th percentile: the mean that ns/op gives hides the slow
// queries. The target is a p99 under 20 ms at 1M quads.
func BenchmarkSearch(b *testing.B) {
	for _, quads := range []int{10_000, 1_000_000} {
		b.Run(fmt.Sprintf("quads=%d", quads), func(b *testing.B) {
			ix := benchIndex(b, quads)
			docs := []string{"doc-0", "doc-1", "doc-7"}
			var queries []fulltext.Query
			for _, text := range []string{
				"Quantum",          // a word
				"Connectivity",     // a word on the hub's side
				"Secure Fund",      // two words
				"Northern Council", // two words, often side by side
				`"is a member of"`, // a phrase of four words
				`"partners with"`,  // a common phrase
				"Semi*",            // a prefix
				"coord* -Digital",  // a prefix and an exclusion
			} {
				queries = append(queries, fulltext.Query{Text: text, Limit: 20}, fulltext.Query{Text: text, Documents: docs, Limit: 20})
			}
			var took []time.Duration
			ctx := context.Background()
			for i := 0; b.Loop(); i++ {
				q := queries[i%len(queries)]
				start := time.Now()
				r, err := ix.Search(ctx, q)
				took = append(took, time.Since(start))
				if err != nil {
					b.Fatal(err)
				}
				if r.Total == 0 && len(q.Documents) == 0 {
					b.Fatalf("%q found nothing: the benchmark would time no work", q.Text)
				}
			}
			slices.Sort(took)
			b.ReportMetric(ms(took[len(took)/2]), "p50-ms")
			b.ReportMetric(ms(took[len(took)*99/100]), "p99-ms")
		})
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

var benchIndexes = map[int]*fulltext.Index{}

// benchIndex builds the index of a synthetic graph's paragraphs once per
// size, for every run of the benchmark, and logs what that cost.
func benchIndex(b *testing.B, quads int) *fulltext.Index {
	if ix, ok := benchIndexes[quads]; ok {
		return ix
	}
	var paras []*domain.Paragraph
	for _, d := range synth.Dataset(quads, 1).Documents {
		paras = append(paras, d.Paragraphs...)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	ix, err := fulltext.Build(context.Background(), paras)
	if err != nil {
		b.Fatal(err)
	}
	took := time.Since(start)
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.Logf("%d quads: %d paragraphs indexed in %v; heap %.1f MiB after, %.1f MiB more than before",
		quads, len(paras), took.Round(time.Millisecond), float64(after.HeapAlloc)/(1<<20), (float64(after.HeapAlloc)-float64(before.HeapAlloc))/(1<<20))
	benchIndexes[quads] = ix
	return ix
}
