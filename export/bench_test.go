package export_test

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"testing"

	"github.com/digidip/digidip/domain/domaintest"

	"github.com/digidip/digidip/data/datatest"
	"github.com/digidip/digidip/domain"

	"github.com/digidip/digidip/export"
	"github.com/digidip/digidip/store"
	"github.com/digidip/digidip/vocab"
)

// scaled is the real dataset copied k times: every entity, fact and
// relation again under new ids (copy 0 keeps the real ids), each relation
// with its evidence. The documents are the real ones, so every quote still
// points at its passage.
func scaled(b testing.TB, k int) *domain.Dataset {
	b.Helper()
	real := datatest.Dataset(b)
	ds := &domain.Dataset{Documents: real.Documents, Predicates: real.Predicates}
	id := func(s string, i int) string {
		if i == 0 {
			return s
		}
		return fmt.Sprintf("%s-x%d", s, i)
	}
	for i := range k {
		for _, e := range real.Entities {
			c := *e
			c.ID = id(e.ID, i)
			ds.Entities = append(ds.Entities, &c)
		}
		for _, r := range real.Relations {
			c := *r
			c.Subject, c.Object = id(r.Subject, i), id(r.Object, i)
			c.ID = domain.RelationID(c.Subject, c.Predicate, c.Object)
			ds.Relations = append(ds.Relations, &c)
		}
	}
	return ds
}

// benchStore is a store holding the real graph scaled k times, in Cayley's
// memory backend (the bolt backend takes minutes to load 100 copies; the
// export reads both the same way: the read model, and a quad iterator).
func benchStore(b *testing.B, k int) *store.Store {
	b.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{Backend: "memory"})
	if err != nil {
		b.Fatal(err)
	}
	if err := st.Replace(ctx, vocab.Quads(scaled(b, k))); err != nil {
		b.Fatal(err)
	}
	return st
}

// BenchmarkExportWholeGraph exports the whole graph, scaled 10 and 100
// times, in every format, from a store (RDF formats stream from Cayley, the
// others from the read model). It reports throughput (MB/s, from SetBytes),
// store-MB (the live heap of the store and its read model) and peak-live-MB
// (the most heap the export keeps alive beyond that, measured in a separate,
// untimed run that collects garbage at 8 points of the stream). Flat memory
// means peak-live-MB stays the same while store-MB grows tenfold: the x100
// lines report peak-ratio and store-ratio to x10 (and -v logs a summary).
//
//	go test ./export -run '^$' -bench ExportWholeGraph -benchtime 3x
func BenchmarkExportWholeGraph(b *testing.B) {
	type result struct{ bytes, peak, store float64 }
	results := map[string]map[int]result{}
	sizes := []int{10, 100}
	for _, k := range sizes {
		st := benchStore(b, k)
		g := st.Graph()
		opt := allQuads(st)
		var ms runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms)
		storeMB := float64(ms.HeapAlloc) / 1e6
		for _, f := range export.Formats {
			b.Run(fmt.Sprintf("x%d/%s", k, f), func(b *testing.B) {
				set, err := export.Select(context.Background(), g, export.Selection{})
				if err != nil {
					b.Fatal(err)
				}
				var n int64
				b.ReportAllocs()
				b.ResetTimer()
				for range b.N {
					cw := &countWriter{}
					if err := export.Write(context.Background(), cw, f, set, opt); err != nil {
						b.Fatal(err)
					}
					n = cw.n
				}
				b.StopTimer()
				b.SetBytes(n)
				peak := peakLive(b, f, set, opt, n)
				b.ReportMetric(float64(peak)/1e6, "peak-live-MB")
				b.ReportMetric(float64(len(domaintest.Must(g.Entities(context.Background(), "")))), "entities")
				b.ReportMetric(storeMB, "store-MB")
				if results[string(f)] == nil {
					results[string(f)] = map[int]result{}
				}
				r := result{float64(n), float64(peak), storeMB}
				results[string(f)][k] = r
				// the larger size quotes its ratios to the smaller one
				if small, ok := results[string(f)][sizes[0]]; ok && k != sizes[0] {
					b.ReportMetric(r.store/small.store, "store-ratio")
					b.ReportMetric(r.peak/max(small.peak, 1), "peak-ratio")
				}
			})
		}
		// one size at a time in memory, so the next size's GCs scan only it
		st.Close()
	}
	for _, f := range export.Formats {
		r := results[string(f)]
		small, large := r[sizes[0]], r[sizes[1]]
		if small.bytes == 0 || large.bytes == 0 {
			continue // a -bench filter ran one size only
		}
		b.Logf("%-9s x%d/x%d: store %.0f -> %.0f MB (%.1fx), output %.1fx, export's peak live heap %.3f -> %.3f MB (%.2fx)",
			f, sizes[1], sizes[0], small.store, large.store, large.store/small.store,
			large.bytes/small.bytes, small.peak/1e6, large.peak/1e6, large.peak/max(small.peak, 1))
	}
}

// peakLive runs one export and, at 8 evenly spaced points of its output,
// collects garbage and reads the live heap: its peak above the heap before
// the export is what the export itself holds.
func peakLive(b *testing.B, f export.Format, set *export.Set, opt export.Options, size int64) int64 {
	b.Helper()
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	base := int64(ms.HeapAlloc)
	pw := &peakWriter{every: max(size/8, 1), next: max(size/8, 1), base: base}
	if err := export.Write(context.Background(), pw, f, set, opt); err != nil {
		b.Fatal(err)
	}
	return pw.peak
}

type peakWriter struct {
	n, every, next, base, peak int64
}

func (p *peakWriter) Write(b []byte) (int, error) {
	p.n += int64(len(b))
	if p.n >= p.next {
		p.next += p.every
		var ms runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms)
		p.peak = max(p.peak, int64(ms.HeapAlloc)-p.base)
	}
	return len(b), nil
}

type countWriter struct{ n int64 }

func (c *countWriter) Write(b []byte) (int, error) {
	c.n += int64(len(b))
	return len(b), nil
}

var _ io.Writer = (*countWriter)(nil)
