package projection_test

import (
	"bytes"
	"context"
	"runtime"
	"sync"
	"testing"

	"github.com/digidip/digidip/domain/domaintest"

	"github.com/digidip/digidip/domain"
	"github.com/digidip/digidip/engine"
	"github.com/digidip/digidip/engine/projection"
	"github.com/digidip/digidip/synth"
)

// benchQuads is the size of the benchmarks' graph.
const benchQuads = 100_000

var benchData = sync.OnceValue(func() *domain.Dataset { return synth.Dataset(benchQuads, 1) })

// builders are the projection before (maps of pointers into the dataset)
// and after (flat, from its snapshot).
var builders = map[string]func(*domain.Dataset) engine.Reader{
	"old": func(ds *domain.Dataset) engine.Reader { return newReference(ds) },
	"new": func(ds *domain.Dataset) engine.Reader { return projection.New(ds) },
}

// retained measures what building leaves on the heap: the objects and bytes
// live while its result is, and freed with it (the old projection keeps the
// dataset it indexes, whose strings each are an object, as decoded quads
// give them).
func retained(b *testing.B, build func() any) {
	var with, without runtime.MemStats
	x := build()
	runtime.GC()
	runtime.ReadMemStats(&with)
	runtime.KeepAlive(x)
	runtime.GC()
	runtime.ReadMemStats(&without)
	b.ReportMetric(float64(with.HeapObjects)-float64(without.HeapObjects), "live-objects")
	b.ReportMetric((float64(with.HeapAlloc)-float64(without.HeapAlloc))/(1<<20), "live-MB")
}

// Building the projection of a decoded dataset, as a load or a scan does.
func BenchmarkBuild(b *testing.B) {
	for name, build := range builders {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				ds := domaintest.Clone(benchData()) // the old projection sorts what it is given
				b.StartTimer()
				build(ds)
			}
			b.StopTimer()
			retained(b, func() any { return build(synth.Dataset(benchQuads, 1)) })
		})
	}
}

// Opening a snapshot, as a refresh does, against building from the
// dataset as a refresh did after reading every quad.
func BenchmarkOpen(b *testing.B) {
	var buf bytes.Buffer
	p := projection.New(benchData())
	if _, err := p.WriteTo(&buf); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := projection.Open(data); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(len(data))/(1<<20), "snapshot-MB")
	retained(b, func() any {
		p, err := projection.Open(bytes.Clone(data))
		if err != nil {
			b.Fatal(err)
		}
		return p
	})
}

// One hop: an entity's relations out, then the names of their objects,
// for each entity in turn.
func BenchmarkOneHop(b *testing.B) {
	ctx := context.Background()
	for name, build := range builders {
		b.Run(name, func(b *testing.B) {
			r := build(domaintest.Clone(benchData()))
			ids, err := r.EntityIDs(ctx, "")
			if err != nil {
				b.Fatal(err)
			}
			i := 0
			for b.Loop() {
				id := ids[i%len(ids)]
				i++
				edges, err := r.Edges(ctx, []string{id}, engine.Out, nil)
				if err != nil {
					b.Fatal(err)
				}
				objects := make([]string, len(edges[0]))
				for j, e := range edges[0] {
					objects[j] = e.Object
				}
				ents, err := r.Entities(ctx, objects)
				if err != nil {
					b.Fatal(err)
				}
				for _, e := range ents {
					if e == nil || e.Name == "" {
						b.Fatal("an object without a name")
					}
				}
			}
		})
	}
}
