package domain

import (
	"slices"
	"testing"
)

func TestVerbsAndModalities(t *testing.T) {
	r := &Relation{Evidence: []Evidence{
		{Document: "a", Paragraph: "a:3", Quote: "The Council calls on the High Representative", Verb: "calls on", Modality: Stated},
		{Document: "a", Paragraph: "a:4.H", Quote: "the Council invites the High Representative", Verb: "invites", Modality: Stated},
		{Document: "a", Paragraph: "a:7", Quote: "calls on the High Representative", Verb: "calls on", Modality: Stated},
		{Document: "a", Paragraph: "a:7", Quote: "INVITES the Commission to continue", Verb: "INVITES", Modality: Future},
		{Document: "b", Paragraph: "b:1", Quote: "the High Representative", Modality: Possible},
	}}
	for _, tt := range []struct{ doc, para, want string }{
		{"", "a:3", "calls on"},
		{"", "a:4.H", "invites"},
		{"", "a:7", "calls on, INVITES"},
		{"", "a:9", ""},
		{"b", "", ""},
		{"a", "", "calls on, invites, INVITES"},
		{"", "", "calls on, invites, INVITES"},
	} {
		if got := r.VerbIn(tt.doc, tt.para); got != tt.want {
			t.Errorf("VerbIn(%q, %q) = %q, want %q", tt.doc, tt.para, got, tt.want)
		}
	}
	if got := r.Verbs(); !slices.Equal(got, []string{"calls on", "invites", "INVITES"}) {
		t.Errorf("Verbs = %q", got)
	}
	if got := r.Modality(); got != Stated {
		t.Errorf("Modality = %q, want stated (the firmest)", got)
	}
	if got := r.Modalities(); !slices.Equal(got, []Modality{Stated, Future, Possible}) {
		t.Errorf("Modalities = %q", got)
	}
	weak := &Relation{Evidence: []Evidence{{Modality: Conditional}, {Modality: Possible}, {Modality: Obligation}}}
	if got := weak.Modality(); got != Obligation {
		t.Errorf("Modality of obligation, possible, conditional = %q, want obligation", got)
	}
	if none := (&Relation{}); none.VerbIn("", "") != "" || none.Verbs() != nil || none.Modality() != "" {
		t.Error("a relation without evidence has a verb or a modality")
	}
	if Modality("maybe").Valid() || !Conditional.Valid() || ModalityNames(", ") == "" {
		t.Error("Valid takes an unknown modality, or refuses a known one")
	}
	if ContainsWords("the EU is willing", "will") || !ContainsWords("the EU will, pay", "will") || !ContainsWords("Will it", "will") || ContainsWords("x", "") {
		t.Error("ContainsWords matches inside words, or misses whole ones")
	}
}
