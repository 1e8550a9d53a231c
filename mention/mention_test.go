package mention_test

import (
	"slices"
	"testing"

	"github.com/digidip/digidip/data/datatest"
	"github.com/digidip/digidip/mention"
)

// SpansOf, given a paragraph's mentions, finds exactly the spans the whole
// matcher finds: the reading view and the cost model rely on it to match
// one paragraph's few entities instead of every entity.
func TestSpansOfMentionsIsSpans(t *testing.T) {
	ds := datatest.Dataset(t)
	m := mention.New(ds.Entities)
	paragraphs, spans := 0, 0
	for _, d := range ds.Documents {
		for _, p := range d.Paragraphs {
			all := m.Spans(p.Text)
			if got := mention.IDs(all); !slices.Equal(got, p.Mentions) {
				t.Errorf("%s: the matcher names %v, the loader's mentions are %v", p.ID, got, p.Mentions)
			}
			if got := m.SpansOf(p.Text, p.Mentions); !slices.Equal(got, all) {
				t.Errorf("%s: spans of its mentions %v, of every entity %v", p.ID, got, all)
			}
			paragraphs++
			spans += len(all)
		}
	}
	if paragraphs < 50 || spans < 200 {
		t.Fatalf("%d paragraphs, %d spans: too few to tell", paragraphs, spans)
	}
}

// A label inside a longer one of another entity is not a mention: "Council
// of Europe" is not also the Council.
func TestLongestLabelWins(t *testing.T) {
	ds := datatest.Dataset(t)
	m := mention.New(ds.Entities)
	for _, tc := range []struct{ text, want string }{
		{"The Council of Europe met.", "council-of-europe"},
	} {
		got := mention.IDs(m.Spans(tc.text))
		if len(got) != 1 || got[0] != tc.want {
			t.Errorf("%q names %v, want only %s", tc.text, got, tc.want)
		}
	}
}
