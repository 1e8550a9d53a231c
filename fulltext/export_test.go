package fulltext

// Stems and Words are text's terms as the index's stemmed and unstemmed
// fields analyse it, for the tests' brute-force answers.
func Stems(ix *Index, text string) []string { return terms(ix.stems, text) }
func Words(ix *Index, text string) []string { return terms(ix.words, text) }
