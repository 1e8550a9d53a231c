package propose

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// sentences splits a paragraph into [start, end) byte ranges: at a full
// stop, question or exclamation mark followed by a space and a capital or
// a digit, and at line breaks (list items, cover notes). A single capital
// before the stop ("U.S.") or a common abbreviation does not end one.
func sentences(text string) [][2]int {
	var out [][2]int
	start := 0
	emit := func(end int) {
		s, e := start, end
		for s < e && isSpace(text[s]) {
			s++
		}
		for e > s && isSpace(text[e-1]) {
			e--
		}
		if e > s {
			out = append(out, [2]int{s, e})
		}
	}
	for i := 0; i < len(text); i++ {
		c := text[i]
		if c == '\n' {
			emit(i)
			start = i + 1
			continue
		}
		if (c == '.' || c == '?' || c == '!') && i+2 < len(text) && text[i+1] == ' ' {
			r, _ := utf8.DecodeRuneInString(text[i+2:])
			if !unicode.IsUpper(r) && !unicode.IsDigit(r) {
				continue
			}
			w := lastWord(text[:i])
			if len(w) == 1 || abbreviations[strings.ToLower(w)] {
				continue
			}
			emit(i + 1)
			start = i + 2
		}
	}
	emit(len(text))
	return out
}

var abbreviations = map[string]bool{"e.g": true, "i.e": true, "no": true, "mr": true, "ms": true, "dr": true, "st": true, "vs": true, "art": true}

func lastWord(s string) string {
	i := strings.LastIndexAny(s, " \n(")
	return s[i+1:]
}

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\t' }

var wordRE = regexp.MustCompile(`[\p{L}\p{N}]+`)

// stems are a text's content words cut to five letters, enough to meet
// "coordinated" with "coordination" and "strengthen" with "strengthening".
func stems(text string) map[string]bool {
	out := map[string]bool{}
	for _, w := range wordRE.FindAllString(strings.ToLower(text), -1) {
		if stopwords[w] || len(w) < 2 {
			continue
		}
		if len([]rune(w)) > 5 {
			w = string([]rune(w)[:5])
		}
		out[w] = true
	}
	return out
}

var stopwords = set("a an the and or of in on to for with by at as from its their our this that these those is are be been being will should can could may must has have had it which who whom what where when while into over under between both all any other such than also well further more most own not only so through notably particular including eu")

func set(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}

func boundaryBefore(s string, i int) bool {
	if i == 0 {
		return true
	}
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return !isWordRune(r)
}

func boundaryAfter(s string, j int) bool {
	if j >= len(s) {
		return true
	}
	r, _ := utf8.DecodeRuneInString(s[j:])
	return !isWordRune(r)
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// wordsBetween counts the words of a gap of text.
func wordsBetween(s string) int { return len(wordRE.FindAllString(s, -1)) }
