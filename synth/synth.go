// Package synth makes deterministic synthetic graphs in digidip's own
// vocabulary and shape, at any size, for benchmarks and load tests.
package synth

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"unicode/utf8"

	"github.com/digidip/digidip/domain"
)

// Shape of the synthetic graph, per entity: about three relations, one
// evidence item each, and a paragraph per ten relations. With digidip's
// quads that is close to 50 quads an entity.
const (
	relationsPerEntity    = 3
	relationsPerParagraph = 10
	paragraphsPerDocument = 50
	quadsPerEntity        = 50
)

var (
	kindWords = map[domain.Kind][]string{
		domain.Actor:       {"Agency", "Council", "Office", "Network", "Bank", "Committee"},
		domain.Country:     {"Republic", "Kingdom", "Federation", "State"},
		domain.Region:      {"Region", "Basin", "Neighbourhood", "Coast"},
		domain.Person:      {"Ambassador", "Envoy", "Commissioner", "Minister"},
		domain.Forum:       {"Forum", "Union", "Organisation", "Summit Process"},
		domain.Partnership: {"Digital Partnership", "Trade and Technology Council", "Alliance", "Dialogue"},
		domain.Instrument:  {"Gateway", "Hub", "Facility", "Programme", "Fund"},
		domain.Policy:      {"Act", "Strategy", "Declaration", "Agenda"},
		domain.Commitment:  {"Action", "Priority", "Undertaking"},
		domain.Topic:       {"Connectivity", "Data Flows", "Standards", "Quantum", "Semiconductors", "Cybersecurity"},
		domain.Event:       {"Summit", "Ministerial", "Conference", "Election"},
	}
	adjectives = []string{"Global", "Northern", "Open", "Secure", "Trusted", "Digital", "Atlantic", "Pacific", "Eastern", "Southern", "Green", "Human-centric"}
	verbs      = map[string]string{"calls-on": "calls on", "funds": "funds", "partners-with": "partners with", "coordinates-with": "coordinates with",
		"participates-in": "participates in", "concerns": "concerns", "supports": "supports", "targets": "targets", "part-of": "is part of", "member-of": "is a member of"}
	predicates = []string{"calls-on", "funds", "partners-with", "coordinates-with", "participates-in", "concerns", "supports", "targets", "part-of", "member-of"}
)

// Dataset makes a synthetic dataset of about quads quads. The same seed and
// size always give the same graph. Degrees are skewed (Zipf): a few hubs,
// like the Commission, and many leaves.
func Dataset(quads int, seed uint64) *domain.Dataset {
	nEnt := max(quads/quadsPerEntity, 20)
	rng := rand.New(rand.NewPCG(seed, 0x64696769646970))
	ds := &domain.Dataset{Hash: fmt.Sprintf("synthetic-%d-%d", quads, seed), Source: fmt.Sprintf("synthetic:%d:%d", quads, seed)}

	for _, p := range predicates {
		ds.Predicates = append(ds.Predicates, &domain.Predicate{
			ID: p, Label: verbs[p], Definition: "Synthetic: the subject " + verbs[p] + " the object.",
		})
	}
	for i := range nEnt {
		k := domain.Kinds[i%len(domain.Kinds)]
		words := kindWords[k]
		name := fmt.Sprintf("%s %s %d", adjectives[rng.IntN(len(adjectives))], words[rng.IntN(len(words))], i)
		e := &domain.Entity{
			ID:          fmt.Sprintf("e%d", i),
			Name:        name,
			Kind:        k,
			Aliases:     []string{acronym(name)},
			Description: "A synthetic " + strings.ToLower(string(k)) + " for benchmarks.",
		}
		if i%5 == 0 {
			e.Common = []string{fmt.Sprintf("SYN-%d", i)}
		}
		ds.Entities = append(ds.Entities, e)
	}

	// Zipf over entity indexes: index 0 is the biggest hub.
	zipf := rand.NewZipf(rng, 1.1, 2, uint64(nEnt-1))
	nRel := nEnt * relationsPerEntity
	nDoc := max(nRel/(relationsPerParagraph*paragraphsPerDocument), 1)
	for d := range nDoc {
		ds.Documents = append(ds.Documents, &domain.Document{
			ID: fmt.Sprintf("doc-%d", d), Title: fmt.Sprintf("Synthetic conclusions %d", d),
			Reference: fmt.Sprintf("%d/24", 1000+d), Date: "2024-06-01", Author: "Synthetic Council", SHA256: fmt.Sprintf("%064x", d),
		})
	}
	seen := map[string]bool{}
	var para *domain.Paragraph
	var text strings.Builder
	mentioned := map[string]bool{}
	flush := func() {
		if para != nil {
			para.Text = text.String()
		}
	}
	for r := 0; len(ds.Relations) < nRel; r++ {
		s := int(zipf.Uint64())
		o := rng.IntN(nEnt)
		if s == o {
			continue
		}
		p := predicates[rng.IntN(len(predicates))]
		id := domain.RelationID(ds.Entities[s].ID, p, ds.Entities[o].ID)
		if seen[id] {
			continue
		}
		seen[id] = true
		n := len(ds.Relations)
		if n%relationsPerParagraph == 0 {
			flush()
			doc := ds.Documents[min(n/(relationsPerParagraph*paragraphsPerDocument), nDoc-1)]
			num := fmt.Sprint(len(doc.Paragraphs) + 1)
			para = &domain.Paragraph{ID: domain.ParagraphID(doc.ID, num), Document: doc.ID, Number: num, Order: len(doc.Paragraphs)}
			doc.Paragraphs = append(doc.Paragraphs, para)
			text.Reset()
			mentioned = map[string]bool{}
		}
		if text.Len() > 0 {
			text.WriteByte(' ')
		}
		sentence := ds.Entities[s].Name + " " + verbs[p] + " " + ds.Entities[o].Name + "."
		start := utf8.RuneCountInString(text.String())
		text.WriteString(sentence)
		for _, x := range []int{s, o} {
			if id := ds.Entities[x].ID; !mentioned[id] {
				mentioned[id] = true
				para.Mentions = append(para.Mentions, id)
			}
		}
		rel := &domain.Relation{
			ID: id, Subject: ds.Entities[s].ID, Predicate: p, Object: ds.Entities[o].ID,
			Evidence: []domain.Evidence{{Document: para.Document, Paragraph: para.ID, Quote: sentence, Start: start, End: start + utf8.RuneCountInString(sentence),
				Verb: verbs[p], Modality: modality(n)}},
		}
		ds.Relations = append(ds.Relations, rel)
	}
	flush()
	return ds
}

// modality gives one relation in five a modality other than stated, in
// turn, as the conclusions hold some of what they name as asked, due or to
// come; it draws nothing from the random source, so the rest of a graph is
// what it was.
func modality(n int) domain.Modality {
	if n%5 != 4 {
		return domain.Stated
	}
	return domain.Modalities[1+(n/5)%(len(domain.Modalities)-1)].Modality
}

// acronym is the initials of a name's words, as texts abbreviate bodies:
// "Global Digital Partnership 12" gives "GDP12".
func acronym(name string) string {
	var b strings.Builder
	for _, w := range strings.Fields(name) {
		r, _ := utf8.DecodeRuneInString(w)
		if r >= '0' && r <= '9' {
			b.WriteString(w)
			continue
		}
		b.WriteRune(r)
	}
	return strings.ToUpper(b.String())
}
