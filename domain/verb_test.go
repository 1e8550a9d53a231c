package domain

import "testing"

func TestVerbOfAndIn(t *testing.T) {
	r := &Relation{Verb: "calls on, invites", Evidence: []Evidence{
		{Document: "a", Paragraph: "a:3", Quote: "The Council calls on the High Representative"},
		{Document: "a", Paragraph: "a:4.H", Quote: "the Council invites the High Representative"},
		{Document: "a", Paragraph: "a:7", Quote: "calls on the High Representative"},
		{Document: "a", Paragraph: "a:7", Quote: "INVITES the Commission to continue"},
		{Document: "b", Paragraph: "b:1", Quote: "the High Representative"},
	}}
	for i, want := range []string{"calls on", "invites", "calls on", "invites", "calls on, invites"} {
		if got := r.VerbOf(r.Evidence[i]); got != want {
			t.Errorf("VerbOf(%q) = %q, want %q", r.Evidence[i].Quote, got, want)
		}
	}
	for _, tt := range []struct{ doc, para, want string }{
		{"", "a:3", "calls on"},
		{"", "a:4.H", "invites"},
		{"", "a:7", "calls on, invites"},
		{"", "a:9", ""},
		{"b", "", "calls on, invites"},
		{"a", "", "calls on, invites"},
		{"", "", "calls on, invites"},
	} {
		if got := r.VerbIn(tt.doc, tt.para); got != tt.want {
			t.Errorf("VerbIn(%q, %q) = %q, want %q", tt.doc, tt.para, got, tt.want)
		}
	}
	one := &Relation{Verb: "will", Evidence: []Evidence{{Paragraph: "p", Quote: "the EU is willing"}}}
	if got := one.VerbOf(one.Evidence[0]); got != "will" {
		t.Errorf("a relation of one verb: %q", got)
	}
	if containsWords("the EU is willing", "will") || !containsWords("the EU will, pay", "will") || !containsWords("Will it", "will") {
		t.Error("containsWords matches inside words, or misses whole ones")
	}
	if none := (&Relation{}); none.VerbIn("", "") != "" || none.VerbOf(Evidence{Quote: "x"}) != "" {
		t.Error("a relation without a verb has one")
	}
}
