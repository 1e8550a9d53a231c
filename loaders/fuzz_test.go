package loaders_test

import (
	"errors"
	"testing"
	"testing/fstest"

	"github.com/digidip/digidip/loaders"
)

// FuzzRead feeds arbitrary bytes to the loader as a relations file and as an
// entities file of an otherwise valid data set. Whatever the bytes, Read
// returns a dataset or Problems that each name a file, never another error,
// and never panics.
func FuzzRead(f *testing.F) {
	base := goodFS(f)
	f.Add([]byte(string(base["graph/relations/memo.yaml"].Data)), true)
	f.Add([]byte(string(base["graph/entities/all.yaml"].Data)), false)
	f.Add([]byte("doc: memo\nrelations:\n  - subject: eib\n    predicate: funds\n    object: [\n"), true)
	f.Add([]byte("- id: x\n  name: X\n  kind: ACTOR\n  description: d\n  facts:\n    - {key: date, text: t, date: \"2024-22/..\", evidence: {doc: memo, para: \"1\", quote: \"\\x00\"}}\n"), false)
	f.Add([]byte("\xff\xfe invalid utf-8"), true)
	f.Add([]byte("&a [*a, *a, *a]"), false)
	f.Fuzz(func(t *testing.T, data []byte, relations bool) {
		m := fstest.MapFS{}
		for k, v := range base {
			m[k] = v
		}
		name := "graph/entities/all.yaml"
		if relations {
			name = "graph/relations/memo.yaml"
		}
		m[name] = &fstest.MapFile{Data: data}
		ds, err := loaders.Read(m, "fuzz")
		if err == nil {
			if ds == nil {
				t.Fatal("no dataset and no error")
			}
			return
		}
		var ps loaders.Problems
		if !errors.As(err, &ps) || len(ps) == 0 {
			t.Fatalf("Read failed without problems: %v", err)
		}
		for _, p := range ps {
			if p.File == "" || p.Msg == "" {
				t.Fatalf("a problem without its place: %+v", p)
			}
		}
	})
}
