// Package cite makes citable claims of the graph: content-derived ids for
// relations and their evidence, and citations of them in CSL-JSON, BibTeX,
// RIS, plain text and W3C Web Annotation.
package cite

import (
	"crypto/sha256"
	"encoding/base32"
	"slices"
	"strconv"
	"strings"

	"github.com/digidip/digidip/domain"
)

// Prefix begins every cite id, so that one is never taken for a relation id
// (subject/predicate/object) or an evidence id (paragraph#char=S,E).
const Prefix = "c-"

// idChars is how many base32 characters of the hash an id keeps: 80 bits,
// far more than the graph's claims could ever collide in.
const idChars = 16

var b32 = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

func hashID(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		// each part is length-prefixed: no two lists of parts hash alike
		h.Write([]byte(strconv.Itoa(len(p))))
		h.Write([]byte{':'})
		h.Write([]byte(p))
	}
	return Prefix + b32.EncodeToString(h.Sum(nil))[:idChars]
}

// ClaimID is the cite id of one evidence item of the relation
// subject/predicate/object: a hash of the triple, of docHash (the
// document's SHA-256, Document.SHA256, of the source text the paragraphs
// are taken from) and of the quote, its paragraph and its offsets. It stays
// the same across loads while the document's text does not change, and
// changes when it does, so that a citation names the words it rests on.
func ClaimID(subject, predicate, object, docHash string, e domain.Evidence) string {
	return hashID("claim", subject, predicate, object, docHash, e.Paragraph,
		strconv.Itoa(e.Start), strconv.Itoa(e.End), e.Quote)
}

// RelationCiteID is the cite id of a relation with all its evidence: a hash
// of its triple and of its evidence's claim ids, in any order. docHash
// gives a document's SHA-256 by id.
func RelationCiteID(r *domain.Relation, docHash func(doc string) string) string {
	claims := make([]string, len(r.Evidence))
	for i, e := range r.Evidence {
		claims[i] = ClaimID(r.Subject, r.Predicate, r.Object, docHash(e.Document), e)
	}
	slices.Sort(claims)
	return hashID("relation", r.Subject, r.Predicate, r.Object, strings.Join(claims, " "))
}

// IsCiteID reports whether id has the shape of a cite id.
func IsCiteID(id string) bool {
	if len(id) != len(Prefix)+idChars || !strings.HasPrefix(id, Prefix) {
		return false
	}
	_, err := b32.DecodeString(id[len(Prefix):])
	return err == nil
}
