package propose

import "strings"

// wholeWords says whether sub occurs in s starting and ending on word
// boundaries: a verb must be whole words of its quote.
func wholeWords(s, sub string) bool {
	if sub == "" {
		return true
	}
	for from := 0; ; {
		i := strings.Index(s[from:], sub)
		if i < 0 {
			return false
		}
		i += from
		j := i + len(sub)
		if boundaryBefore(s, i) && boundaryAfter(s, j) {
			return true
		}
		from = i + 1
	}
}
