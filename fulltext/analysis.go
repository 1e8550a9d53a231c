package fulltext

import (
	"fmt"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/char/asciifolding"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	unicodetok "github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/registry"
	index "github.com/blevesearch/bleve_index_api"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// The fields of an indexed paragraph. Words and prefixes need two
// analyses of the same text: a stem is not always a prefix of its word
// (snowball makes "policy" "polici"), so a prefix is looked for among the
// unstemmed words.
const (
	fieldStems    = "stems"    // stemmed and folded: words and phrases
	fieldWords    = "words"    // folded only: prefixes
	fieldDocument = "document" // the document id, as it is: the filter
)

const (
	analyzerStems = "fulltext_stems"
	analyzerWords = "fulltext_words"
	filterFold    = "fulltext_fold"
)

// indexed is what bleve indexes for a paragraph; its json names are the
// field names.
type indexed struct {
	Stems    string `json:"stems"`
	Words    string `json:"words"`
	Document string `json:"document"`
}

func init() {
	// bleve's asciifolding is a character filter: it rewrites the text
	// before the tokenizer sees it, so every offset after a folded "å"
	// would be off. Folding each token's term instead keeps the
	// tokenizer's offsets on the original text.
	if err := registry.RegisterTokenFilter(filterFold, func(map[string]any, *registry.Cache) (analysis.TokenFilter, error) {
		return foldFilter{}, nil
	}); err != nil {
		panic(err)
	}
}

// foldFilter folds a term to ASCII, accents and all: "luleå" becomes
// "lulea", "straße" "strasse". Decomposed accents (NFD) are dropped first,
// which bleve's fold table, written for precomposed letters, leaves.
type foldFilter struct{}

func (foldFilter) Filter(in analysis.TokenStream) analysis.TokenStream {
	folder := asciifolding.New()
	var dropMarks transform.Transformer // made on the first non-ASCII term
	for _, tok := range in {
		if isASCII(tok.Term) {
			continue
		}
		// a chain keeps state between calls, so each Filter call (they
		// run concurrently) has its own
		if dropMarks == nil {
			dropMarks = transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
		}
		if t, _, err := transform.Bytes(dropMarks, tok.Term); err == nil {
			tok.Term = t
		}
		tok.Term = folder.Filter(tok.Term)
	}
	return in
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// newMapping is the index's mapping: three fields of one document type,
// scored with BM25, and nothing dynamic, so no field is indexed that no
// query reads.
//
// No stop words are removed: BM25's idf already makes "the" and "of"
// count for little (on the shipped texts, the digital economy ranks as
// digital economy does, but for the paragraph that has the phrase), and
// removing them would lose queries such as "to be" and leave gaps in
// phrases.
func newMapping() (*mapping.IndexMappingImpl, error) {
	im := mapping.NewIndexMapping()
	im.ScoringModel = index.BM25Scoring
	im.IndexDynamic = false
	im.StoreDynamic = false
	im.DocValuesDynamic = false
	im.DefaultAnalyzer = analyzerStems
	// possessive before lowercase and folding, as bleve's own English
	// analyzer has it: the filter knows the curly apostrophe as well
	for name, filters := range map[string][]string{
		analyzerStems: {en.PossessiveName, lowercase.Name, filterFold, en.SnowballStemmerName},
		analyzerWords: {en.PossessiveName, lowercase.Name, filterFold},
	} {
		if err := im.AddCustomAnalyzer(name, map[string]any{
			"type":          custom.Name,
			"tokenizer":     unicodetok.Name,
			"token_filters": filters,
		}); err != nil {
			return nil, fmt.Errorf("analyzer %s: %w", name, err)
		}
	}

	text := func(analyzer string) *mapping.FieldMapping {
		f := mapping.NewTextFieldMapping()
		f.Analyzer = analyzer
		f.Store = false
		f.IncludeInAll = false
		f.DocValues = false
		f.IncludeTermVectors = true // phrases and match offsets need them
		return f
	}
	doc := mapping.NewDocumentStaticMapping()
	doc.AddFieldMappingsAt(fieldStems, text(analyzerStems))
	doc.AddFieldMappingsAt(fieldWords, text(analyzerWords))
	id := mapping.NewKeywordFieldMapping()
	id.Analyzer = keyword.Name
	id.Store = false
	id.IncludeInAll = false
	id.DocValues = false
	id.IncludeTermVectors = false
	doc.AddFieldMappingsAt(fieldDocument, id)
	im.DefaultMapping = doc
	if err := im.Validate(); err != nil {
		return nil, fmt.Errorf("index mapping: %w", err)
	}
	return im, nil
}
