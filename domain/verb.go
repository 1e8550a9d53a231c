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

// VerbOf is r's verb as one of its evidence items words it: those of r's
// verbs that the quote uses, in r's order, joined as Verb joins them
// ("calls on" of "calls on, invites"); Verb itself when the quote uses none
// of them (a verb the text implies, or a quote that stops short of it).
func (r *Relation) VerbOf(e Evidence) string {
	verbs := r.verbs()
	if len(verbs) < 2 {
		return r.Verb
	}
	var used []string
	for _, v := range verbs {
		if containsWords(e.Quote, v) {
			used = append(used, v)
		}
	}
	if len(used) == 0 {
		return r.Verb
	}
	return strings.Join(used, verbSep)
}

// VerbIn is r's verb as its evidence in one document, or one paragraph,
// words it ("" for either is any): the verbs of those evidence items, each
// once, in r's order; "" when r has no evidence there.
func (r *Relation) VerbIn(document, paragraph string) string {
	verbs := r.verbs()
	used := make([]bool, len(verbs))
	found := false
	for _, e := range r.Evidence {
		if document != "" && e.Document != document || paragraph != "" && e.Paragraph != paragraph {
			continue
		}
		found = true
		for _, v := range strings.Split(r.VerbOf(e), verbSep) {
			if i := slices.Index(verbs, v); i >= 0 {
				used[i] = true
			}
		}
	}
	if !found {
		return ""
	}
	var out []string
	for i, v := range verbs {
		if used[i] {
			out = append(out, v)
		}
	}
	return strings.Join(out, verbSep)
}

func (r *Relation) verbs() []string {
	if r.Verb == "" {
		return nil
	}
	return strings.Split(r.Verb, verbSep)
}

// containsWords reports whether text holds phrase as whole words, ignoring
// case: "will" is in "the EU will pay", not in "willing".
func containsWords(text, phrase string) bool {
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
