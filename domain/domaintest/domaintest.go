// Package domaintest gives tests a small dataset with every shape the
// graph has, so each package tests against the same one.
package domaintest

import "github.com/digidip/digidip/domain"

// Memo is a small graph with every shape the read model handles: kinds,
// aliases, common names, facts, multi-evidence relations, an implied one,
// footnotes and mentions.
func Memo() *domain.Dataset {
	n := 6e9
	p1 := "The Council calls on the Commission and the EIB to fund the D4D Hub, in line with Global Gateway."
	p2 := "The Commission coordinates with the ITU, and the D4D Hub partners with Luleå University."
	ev := func(para, quote string, start int) domain.Evidence {
		return domain.Evidence{Document: "memo", Paragraph: "memo:" + para, Quote: quote, Start: start, End: start + len([]rune(quote))}
	}
	// worded is a relation's evidence item, with how its quote words it.
	worded := func(e domain.Evidence, verb string, m domain.Modality) domain.Evidence {
		e.Verb, e.Modality = verb, m
		return e
	}
	return &domain.Dataset{
		Hash: "h1",
		Documents: []*domain.Document{{
			ID: "memo", Title: "Memo", Reference: "1/24", Date: "2024-01-15", Author: "Council", AuthorEntity: "council", SHA256: "abc",
			Paragraphs: []*domain.Paragraph{
				{ID: "memo:1", Document: "memo", Number: "1", Order: 0, Text: p1, Notes: []string{"memo:fn1"}, Mentions: []string{"council", "commission", "eib", "d4d-hub", "global-gateway"}},
				{ID: "memo:2", Document: "memo", Number: "2", Order: 1, Text: p2, Mentions: []string{"commission", "itu", "d4d-hub", "lulea"}},
				{ID: "memo:fn1", Document: "memo", Number: "fn1", Order: 2, Text: "See Global Gateway.", Mentions: []string{"global-gateway"}},
			},
		}},
		Predicates: []*domain.Predicate{
			{ID: "calls-on", Label: "calls on", Inverse: "is called on by", Definition: "Calls on.", SubjectKinds: []domain.Kind{domain.Actor, domain.Commitment}, ObjectKinds: []domain.Kind{domain.Actor}, Example: &domain.Evidence{Document: "memo", Paragraph: "memo:1", Quote: "calls on", Start: 12, End: 20}},
			{ID: "funds", Label: "funds", Definition: "Funds."},
			{ID: "coordinates-with", Label: "coordinates with", Definition: "Coordinates."},
			{ID: "partners-with", Label: "partners with", Definition: "Partners."},
		},
		Entities: []*domain.Entity{
			{ID: "council", Name: "Council of the European Union", Kind: domain.Actor, Aliases: []string{"Council"}, Description: "d"},
			{ID: "commission", Name: "European Commission", Kind: domain.Actor, Aliases: []string{"Commission"}, Description: "d"},
			{ID: "eib", Name: "European Investment Bank", Kind: domain.Actor, Aliases: []string{"EIB"}, Common: []string{"BEI"}, Description: "d"},
			{ID: "d4d-hub", Name: "Digital for Development (D4D) Hub", Kind: domain.Instrument, Aliases: []string{"D4D Hub"}, Common: []string{"D4D"}, Description: "d"},
			{ID: "global-gateway", Name: "Global Gateway", Kind: domain.Instrument, Description: "d",
				Facts: []domain.Fact{{Key: "amount", Text: "EUR 6 billion", Number: &n, Unit: "EUR", Evidence: ev("1", "Global Gateway", 82)}}},
			{ID: "itu", Name: "International Telecommunication Union", Kind: domain.Forum, Aliases: []string{"ITU"}, Description: "d"},
			{ID: "lulea", Name: "Luleå University", Kind: domain.Actor, Description: "d"},
			{ID: "action-1", Name: "Fund the D4D Hub", Kind: domain.Commitment, Description: "d"},
		},
		Relations: []*domain.Relation{
			{ID: "action-1/calls-on/commission", Subject: "action-1", Predicate: "calls-on", Object: "commission", Evidence: []domain.Evidence{worded(ev("1", "calls on the Commission", 12), "calls on", domain.Stated)}},
			{ID: "action-1/calls-on/eib", Subject: "action-1", Predicate: "calls-on", Object: "eib", Evidence: []domain.Evidence{worded(ev("1", "the EIB", 40), "", domain.Stated)}},
			{ID: "eib/funds/d4d-hub", Subject: "eib", Predicate: "funds", Object: "d4d-hub", Implied: true, Evidence: []domain.Evidence{worded(ev("1", "EIB to fund the D4D Hub", 44), "fund", domain.Requested)}},
			{ID: "commission/coordinates-with/itu", Subject: "commission", Predicate: "coordinates-with", Object: "itu",
				Evidence: []domain.Evidence{worded(ev("2", "coordinates with the ITU", 15), "coordinates with", domain.Stated), worded(ev("2", "The Commission", 0), "", domain.Stated)}},
			{ID: "d4d-hub/partners-with/lulea", Subject: "d4d-hub", Predicate: "partners-with", Object: "lulea", Evidence: []domain.Evidence{worded(ev("2", "partners with Luleå University", 58), "partners with", domain.Future)}},
		},
	}
}

// Must returns v, or panics with err: for reads of an in-memory graph,
// which cannot fail, in tests.
func Must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// Clone copies a dataset deep enough that indexing the copy (which sorts its
// lists) leaves the original as it was.
func Clone(ds *domain.Dataset) *domain.Dataset {
	c := &domain.Dataset{Hash: ds.Hash, Source: ds.Source}
	for _, d := range ds.Documents {
		dd := *d
		dd.Paragraphs = nil
		for _, p := range d.Paragraphs {
			pp := *p
			dd.Paragraphs = append(dd.Paragraphs, &pp)
		}
		c.Documents = append(c.Documents, &dd)
	}
	for _, p := range ds.Predicates {
		pp := *p
		c.Predicates = append(c.Predicates, &pp)
	}
	for _, e := range ds.Entities {
		ee := *e
		c.Entities = append(c.Entities, &ee)
	}
	for _, r := range ds.Relations {
		rr := *r
		rr.Evidence = append([]domain.Evidence(nil), r.Evidence...)
		c.Relations = append(c.Relations, &rr)
	}
	return c
}
