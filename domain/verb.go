package domain

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// verbSep joins the verbs of a relation stated with several ("calls on,
// invites").
const verbSep = ", "

// Modality is how an evidence item's quote holds its relation: as so, as
// recalled, asked, due, to come, possible or conditional.
type Modality string

// The modalities, firmest first.
const (
	Stated      Modality = "stated"
	Recalled    Modality = "recalled"
	Requested   Modality = "requested"
	Obligation  Modality = "obligation"
	Future      Modality = "future"
	Possible    Modality = "possible"
	Conditional Modality = "conditional"
)

// Modalities are the modalities with their definitions, firmest first: the
// order Relation.Modality ranks them by.
var Modalities = []ModalityDef{
	{Stated, "The text asserts it holds, now or in the past, its own acts of speech included (“calls on”, “welcomes”) and what goes on (“will continue to”)."},
	{Recalled, "The text recalls, reaffirms or refers back to what an earlier text or decision said (“recalls”, “reaffirms”, “as set out in”)."},
	{Requested, "The text asks a named actor to do it (“calls on”, “invites”, “encourages” X to): the relation between that actor and what is asked."},
	{Obligation, "The text says it should or must hold, or that there is a need for it (“should”, “needs to”), whoever is to act (“should be used”)."},
	{Future, "It will hold later and does not yet (“will launch”, “upcoming”, “a future partnership”)."},
	{Possible, "It can, could or may hold (“can play a role”)."},
	{Conditional, "It holds only under a condition the text states (“where appropriate”, “if”)."},
}

// ModalityDef is a modality with its definition.
type ModalityDef struct {
	Modality   Modality
	Definition string
}

// Valid reports whether m is one of the Modalities.
func (m Modality) Valid() bool { return m.rank() >= 0 }

func (m Modality) rank() int {
	return slices.IndexFunc(Modalities, func(d ModalityDef) bool { return d.Modality == m })
}

// ModalityNames lists the modalities, joined for a message.
func ModalityNames(sep string) string {
	s := make([]string, len(Modalities))
	for i, d := range Modalities {
		s[i] = string(d.Modality)
	}
	return strings.Join(s, sep)
}

// VerbIn is r's verb as its evidence in one document, or one paragraph,
// words it ("" for either is any): the verbs of those evidence items, each
// once, in evidence order; "" when none there has one.
func (r *Relation) VerbIn(document, paragraph string) string {
	var out []string
	for _, e := range r.Evidence {
		if document != "" && e.Document != document || paragraph != "" && e.Paragraph != paragraph {
			continue
		}
		if e.Verb != "" && !slices.Contains(out, e.Verb) {
			out = append(out, e.Verb)
		}
	}
	return strings.Join(out, verbSep)
}

// Verbs lists r's verbs, each once, in evidence order.
func (r *Relation) Verbs() []string {
	if v := r.VerbIn("", ""); v != "" {
		return strings.Split(v, verbSep)
	}
	return nil
}

// Modality is how firmly r's evidence holds it: the firmest of its evidence
// items' modalities (stated, if any quote states it), "" without evidence.
func (r *Relation) Modality() Modality {
	best := Modality("")
	for _, e := range r.Evidence {
		if e.Modality.Valid() && (best == "" || e.Modality.rank() < best.rank()) {
			best = e.Modality
		}
	}
	return best
}

// Modalities lists the modalities of r's evidence, each once, firmest
// first.
func (r *Relation) Modalities() []Modality {
	var out []Modality
	for _, d := range Modalities {
		if slices.ContainsFunc(r.Evidence, func(e Evidence) bool { return e.Modality == d.Modality }) {
			out = append(out, d.Modality)
		}
	}
	return out
}

// ContainsWords reports whether text holds phrase as whole words, ignoring
// case: "will" is in "the EU will pay", not in "willing".
func ContainsWords(text, phrase string) bool {
	if phrase == "" {
		return false
	}
	lower, p := strings.ToLower(text), strings.ToLower(phrase)
	for off := 0; ; {
		i := strings.Index(lower[off:], p)
		if i < 0 {
			return false
		}
		at := off + i
		before, _ := utf8.DecodeLastRuneInString(lower[:at])
		after, _ := utf8.DecodeRuneInString(lower[at+len(p):])
		if !isWordRune(before) && !isWordRune(after) {
			return true
		}
		off = at + 1
	}
}

func isWordRune(r rune) bool {
	return r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r))
}
