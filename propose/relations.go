package propose

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/digidip/digidip/domain"
	"github.com/digidip/digidip/mention"
)

// Evidence is one quote a proposal rests on.
type Evidence struct {
	Para       string
	Quote      string
	Occurrence int // 0 or 1: the first occurrence
	Verb       string
	Modality   string
}

// Relation is one proposed (subject, predicate, object) with its evidence.
type Relation struct {
	Subject, Predicate, Object string
	Implied                    bool
	Confidence                 float64
	Evidence                   []Evidence
}

type span struct {
	start, end int
	id, kind   string
}

type sent struct {
	start, end int
	spans      []span
	lead       []span // the subject a relative clause takes from before it
}

type drafter struct {
	v       *Vocabulary
	m       *mention.Matcher
	doc     *Document
	rels    map[[3]string]*Relation
	order   [][3]string
	issuer  string // the actor whose calls the document makes (the Council)
	anchors map[string][]string
	ids     []string
}

// Relations drafts the relations the document's text states.
func Relations(v *Vocabulary, doc *Document) ([]*Relation, error) {
	d := &drafter{v: v, m: mention.New(v.domainEntities()), doc: doc, rels: map[[3]string]*Relation{}}
	paras := make([][]sent, len(doc.Paragraphs))
	for i, p := range doc.Paragraphs {
		paras[i] = d.split(p.Text)
	}
	d.issuer = d.findIssuer(paras)
	d.anchorCommitments(paras)
	for i, p := range doc.Paragraphs {
		d.paragraph(p, paras[i])
	}
	d.headings(paras)
	var out []*Relation
	for _, k := range d.order {
		r := d.rels[k]
		for _, e := range r.Evidence {
			text := d.text(e.Para)
			if !strings.Contains(text, e.Quote) {
				return nil, fmt.Errorf("%s:%s: quote %q is not in the paragraph", doc.ID, e.Para, e.Quote)
			}
			if e.Verb != "" && !domain.ContainsWords(e.Quote, e.Verb) {
				return nil, fmt.Errorf("%s:%s: verb %q is not whole words of %q", doc.ID, e.Para, e.Verb, e.Quote)
			}
		}
		out = append(out, r)
	}
	return out, nil
}

func (d *drafter) text(para string) string {
	for _, p := range d.doc.Paragraphs {
		if p.ID == para {
			return p.Text
		}
	}
	return ""
}

func (d *drafter) split(text string) []sent {
	spans := d.m.Spans(text)
	var out []sent
	for _, r := range sentences(text) {
		s := sent{start: r[0], end: r[1]}
		for _, sp := range spans {
			if sp.Start >= r[0] && sp.End <= r[1] {
				s.spans = append(s.spans, span{sp.Start, sp.End, sp.Entity, d.v.byID[sp.Entity].Kind})
			}
		}
		out = append(out, s)
	}
	return out
}

var callRE = regexp.MustCompile(`\b(calls on|calls for|calls upon|invites|encourages|urges|requests)\b`)

// findIssuer is the actor named as the subject of the document's calls,
// most often: the Council of conclusions.
func (d *drafter) findIssuer(paras [][]sent) string {
	count := map[string]int{}
	for i, ss := range paras {
		text := d.doc.Paragraphs[i].Text
		for _, s := range ss {
			for _, m := range callRE.FindAllStringIndex(text[s.start:s.end], -1) {
				at := s.start + m[0]
				if sp, ok := d.nearestBefore(s, at, text); ok && sp.kind == "ACTOR" {
					count[sp.id]++
				}
			}
		}
	}
	best, n := "", 1
	for id, c := range count {
		if c > n || (c == n && id < best) {
			best, n = id, c
		}
	}
	return best
}

// nearestBefore is the mention that ends just before at, with only a few
// words between (the subject of a verb).
func (d *drafter) nearestBefore(s sent, at int, text string) (span, bool) {
	for i := len(s.spans) - 1; i >= 0; i-- {
		sp := s.spans[i]
		if sp.end <= at {
			if wordsBetween(text[sp.end:at]) <= 2 && !strings.ContainsAny(text[sp.end:at], ",;") {
				return sp, true
			}
			return span{}, false
		}
	}
	return span{}, false
}

// anchorCommitments places each known commitment on the sentence of the
// document whose words its name shares most: commitments are the
// curators' names of what a text asks, worded from the text.
func (d *drafter) anchorCommitments(paras [][]sent) {
	d.anchors = map[string][]string{}
	if d.issuer == "" {
		return // a text that calls on no one sets out no priority actions
	}
	for _, e := range d.v.Entities {
		if e.Kind != "COMMITMENT" {
			continue
		}
		name := stems(e.Name)
		desc := stems(e.Description)
		if len(name) < 2 {
			continue
		}
		best, bestScore := "", 0.0
		for i, ss := range paras {
			text := d.doc.Paragraphs[i].Text
			for j, s := range ss {
				words := stems(text[s.start:s.end])
				score := overlap(name, words) + 0.25*overlap(desc, words)
				if score > bestScore {
					best, bestScore = fmt.Sprintf("%d/%d", i, j), score
				}
			}
		}
		if bestScore >= commitmentFloor {
			d.anchors[best] = append(d.anchors[best], e.ID)
		}
	}
}

// commitmentFloor is the share of a commitment's name a sentence must hold
// to be where the text states it.
const commitmentFloor = 0.75

func overlap(a, b map[string]bool) float64 {
	if len(a) == 0 {
		return 0
	}
	n := 0
	for w := range a {
		if b[w] {
			n++
		}
	}
	return float64(n) / float64(len(a))
}

var (
	modalRE     = regexp.MustCompile(`\b(will continue to|will|should|shall|must|need to|needs to|stands ready to|is committed to|are committed to|aims? to)\b`)
	startRE     = regexp.MustCompile(`^(?:(?:In|On|With|As|Over|So far|Together)\b[^,]{0,80},\s*)?(?:[Tt]he\s+|[Aa]ll\s+|[Bb]oth\s+)?$`)
	listGapRE   = regexp.MustCompile(`^(?:\s|,|and|or|the|its|their|as well as|other|all)*$`)
	continuesRE = regexp.MustCompile(`^(?:This|These|It|In this respect|In doing so|To this end|Along with|With|The efforts|In order)\b`)
)

// subjects is the list of mentions a sentence opens with: its grammatical
// subject in the texts' usual order.
func subjects(s sent, text string) []span {
	if s.lead != nil {
		return s.lead
	}
	var out []span
	prev := s.start
	for i := 0; i < len(s.spans); i++ {
		sp := s.spans[i]
		gap := text[prev:sp.start]
		if len(out) == 0 {
			if !startRE.MatchString(gap) {
				break
			}
		} else if !listGapRE.MatchString(gap) {
			break
		}
		// "the EU's X" and "HR/VP Josep Borrell": X and the person are
		// the subject
		for i+1 < len(s.spans) {
			g := text[sp.end:s.spans[i+1].start]
			if g == "'s " || g == "’s " || (g == " " && s.spans[i+1].kind == "PERSON") {
				i++
				sp = s.spans[i]
				continue
			}
			break
		}
		out = append(out, sp)
		prev = sp.end
	}
	return out
}

// list is the mentions forming a list that starts within a few words
// after at.
func list(s sent, text string, at, maxLead int) []span {
	var out []span
	prev := at
	for _, sp := range s.spans {
		if sp.start < at {
			continue
		}
		gap := text[prev:sp.start]
		if strings.ContainsAny(gap, ";:") {
			break
		}
		if len(out) == 0 {
			if wordsBetween(gap) > maxLead {
				break
			}
		} else if !listGapRE.MatchString(gap) {
			break
		}
		if !modifier(text, sp) {
			out = append(out, sp)
		}
		prev = sp.end
	}
	return out
}

var headNounRE = regexp.MustCompile(`^(?:['’]s\b|-based\b|\s+[a-z][a-z\-]+)`)

// modifier says whether a mention only qualifies the noun after it ("the
// EU vision", "the EU's ability", "the Silicon Valley-based tech sector"):
// then it is not what the phrase is about.
func modifier(text string, sp span) bool {
	m := headNounRE.FindString(text[sp.end:])
	if m == "" {
		return false
	}
	w := strings.TrimSpace(m)
	if w == "'s" || w == "’s" || w == "-based" {
		return true
	}
	return !stopwords[w] && !nameStop[w] && !verbish(w) && !strings.HasSuffix(w, "ly")
}

// modality judges how a clause holds its relation.
func modality(clause string) string {
	c := strings.ToLower(clause)
	switch {
	case strings.Contains(c, "where appropriate") || strings.Contains(c, "as appropriate") || strings.Contains(c, "when and where"):
		return "conditional"
	case strings.Contains(c, "reiterates") || strings.Contains(c, "recalls") || strings.Contains(c, "as stated") || strings.Contains(c, "reaffirms"):
		return "recalled"
	case strings.Contains(c, "will continue"):
		return "stated"
	case regexp.MustCompile(`\b(will|upcoming|future)\b`).MatchString(c):
		return "future"
	case regexp.MustCompile(`\b(should|must|need to|needs to|are needed|is needed)\b`).MatchString(c):
		return "obligation"
	case regexp.MustCompile(`\b(can|could|may|possible)\b`).MatchString(c):
		return "possible"
	}
	return "stated"
}

// add records one proposal, the first of preds whose contract the two
// kinds fit; quote is text[qs:qe], verb text[vs:ve] (vs == ve: none).
func (d *drafter) add(para, text string, subj, obj span, preds []string, qs, qe, vs, ve int, mod string, conf float64, implied bool) {
	if subj.id == obj.id || subj.id == "" || obj.id == "" {
		return
	}
	pred := ""
	for _, p := range preds {
		if p == "?" {
			var share float64
			p, share = d.v.likeliest(subj.kind, obj.kind)
			if n := neutral(subj.kind, obj.kind); share < 0.5 && n != "" && d.v.fits(n, subj.kind, obj.kind) {
				p = n
			}
			conf *= 0.8
		}
		if p != "" && d.v.fits(p, subj.kind, obj.kind) {
			pred = p
			break
		}
	}
	if pred == "" {
		return
	}
	qs, qe = trim(text, qs, qe)
	if qe <= qs {
		return
	}
	// one relation a pair of entities a paragraph: the first rule to
	// relate them is the most specific
	if r := d.rels[[3]string{subj.id, pred, obj.id}]; r == nil && d.related(subj.id, obj.id, para) {
		return
	}
	quote := text[qs:qe]
	verb := ""
	if ve > vs && vs >= qs && ve <= qe {
		verb = text[vs:ve]
	}
	occ := occurrence(text, quote, qs)
	ev := Evidence{Para: para, Quote: quote, Occurrence: occ, Verb: verb, Modality: mod}
	k := [3]string{subj.id, pred, obj.id}
	r := d.rels[k]
	if r == nil {
		r = &Relation{Subject: subj.id, Predicate: pred, Object: obj.id, Implied: implied, Confidence: conf}
		d.rels[k] = r
		d.order = append(d.order, k)
	}
	if conf > r.Confidence {
		r.Confidence = conf
	}
	if !implied {
		r.Implied = false
	}
	for _, e := range r.Evidence {
		if e.Para == para && e.Quote == quote {
			return
		}
	}
	r.Evidence = append(r.Evidence, ev)
}

func trim(text string, s, e int) (int, int) {
	for {
		s0, e0 := s, e
		for s < e && strings.ContainsRune(" ,;:(", rune(text[s])) {
			s++
		}
		for e > s && strings.ContainsRune(" ,;:(", rune(text[e-1])) {
			e--
		}
		// a quote does not end on a conjunction or an article
		for _, w := range []string{" and", " or", " the", " as well as"} {
			if e-s > len(w) && text[e-len(w):e] == w {
				e -= len(w)
			}
		}
		if s == s0 && e == e0 {
			return s, e
		}
	}
}

// byKind is what a commitment asks of each kind of entity its words name,
// in the curators' usage (data/README.md): topics and texts it concerns,
// the places, fora and partners it targets.
func byKind(kind, before string) []string {
	b := strings.ToLower(before)
	switch {
	case strings.HasSuffix(b, "in line with ") || strings.HasSuffix(b, "in accordance with "):
		return []string{"in-line-with"}
	case regexp.MustCompile(`\b(through|using|via|in a|under)\s+(the\s+)?$`).MatchString(b):
		return []string{"implemented-through", "targets"}
	}
	switch kind {
	case "TOPIC":
		return []string{"concerns"}
	case "POLICY":
		return []string{"concerns", "targets"}
	case "INSTRUMENT":
		return []string{"targets", "implemented-through"}
	case "EVENT", "FORUM", "REGION", "COUNTRY", "PARTNERSHIP", "ACTOR":
		return []string{"targets"}
	}
	return nil
}

type cue struct {
	re      *regexp.Regexp
	preds   []string
	reverse bool // the listed mentions are the subject, the sentence's the object
}

// cues are the constructions of the genre that name a predicate, each
// followed by its object list.
var cues = []cue{
	{regexp.MustCompile(`\b(?:in line with|in accordance with|consistent with)\b`), []string{"in-line-with"}, false},
	{regexp.MustCompile(`\b(?:in cooperation with|cooperation with|cooperate with|together with|partnership with)\b`), []string{"partners-with", "engages-with", "targets"}, false},
	{regexp.MustCompile(`\b(?:in coordination with|coordination with|coordinate with|coordinating with|coordination in)\b`), []string{"coordinates-with", "targets"}, false},
	{regexp.MustCompile(`\b(?:engage with|engaging with|engagement with|work with|working with|outreach with|dialogue with)\b`), []string{"engages-with", "targets"}, false},
	{regexp.MustCompile(`\b(?:supports?|supporting|support for|support of|support to)\b`), []string{"supports"}, false},
	{regexp.MustCompile(`\b(?:promotes?|promoting|promotion of|advancing|advances?)\b`), []string{"promotes", "supports", "concerns"}, false},
	{regexp.MustCompile(`\bwelcomes?\b`), []string{"welcomes"}, false},
	{regexp.MustCompile(`\b(?:endorsed|endorses?)\b`), []string{"endorses"}, false},
	{regexp.MustCompile(`\b(?:adoption of|adopted|adopts?|agreed)\b`), []string{"adopts"}, false},
	{regexp.MustCompile(`\b(?:builds on|built on|based on)\b`), []string{"builds-on"}, false},
	{regexp.MustCompile(`\b(?:including through|through|by means of|under the)\b`), []string{"implemented-through"}, false},
	{regexp.MustCompile(`\b(?:participates? in|take part in|taking part in|represented in|engaging in|engage in|in and with|cooperation in)\b`), []string{"participates-in", "partners-with"}, false},
	{regexp.MustCompile(`\b(?:negotiat\w*)\b`), []string{"negotiates-with", "targets"}, false},
	{regexp.MustCompile(`\b(?:combat|fight against|oppose|tackling|counter)\b`), []string{"opposes"}, false},
	{regexp.MustCompile(`\b(?:on|concerning|related to|addresses|address|addressing|focus on|dedicated to)\b`), []string{"concerns"}, false},
	{regexp.MustCompile(`\b(?:funds|funding for|financing|finances)\b`), []string{"funds"}, false},
	{regexp.MustCompile(`\b(?:includes?)\b`), []string{"part-of"}, true},
	{regexp.MustCompile(`\b(?:signed by)\b`), []string{"signs"}, true},
	{regexp.MustCompile(`\b(?:supported by)\b`), []string{"supports"}, true},
	{regexp.MustCompile(`\b(?:led by|issued by)\b`), []string{"led-by"}, false},
	{regexp.MustCompile(`\b(?:with|for)\b`), []string{"?", "targets"}, false},
}

var verbRE = regexp.MustCompile(`\b(?:(?:will|should|can|could|may|must|is|are|has|have|had|was|were|been|being|need to|needs to|continue to|aims? to|to)\s+)*(?:\w+(?:s|ed|ing|es))\b`)

// paragraph runs every rule over one paragraph.
func (d *drafter) paragraph(p Paragraph, ss []sent) {
	text := p.Text
	var lastCaller span
	if d.issuer != "" {
		lastCaller = span{id: d.issuer, kind: d.v.byID[d.issuer].Kind}
	}
	var current []string // commitments whose clause continues
	for j, s := range ss {
		st := text[s.start:s.end]
		subj := subjects(s, text)
		// the call: issuer calls on the listed actors
		var called []span
		callAt, callEnd := -1, -1
		if m := callRE.FindStringIndex(st); m != nil {
			callAt, callEnd = s.start+m[0], s.start+m[1]
			caller := lastCaller
			if sp, ok := d.nearestBefore(s, callAt, text); ok && sp.kind == "ACTOR" {
				caller = sp
			}
			for _, o := range list(s, text, callEnd, 1) {
				if o.kind == "ACTOR" || o.kind == "COUNTRY" || o.kind == "REGION" || o.kind == "FORUM" {
					called = append(called, o)
				}
			}
			for _, o := range called {
				qs := callAt
				if caller.end > 0 && callAt-caller.end < 20 {
					qs = caller.start
				}
				d.add(p.ID, text, caller, o, []string{"calls-on"}, qs, o.end, callAt, callEnd, "stated", 0.9, false)
			}
			if caller.id != "" {
				lastCaller = caller
			}
		}
		// the commitments this sentence states, or continues
		anchored := d.anchors[fmt.Sprintf("%d/%d", d.index(p.ID), j)]
		if len(anchored) > 0 {
			current = anchored
		} else if !continuesRE.MatchString(st) {
			current = nil
		}
		at := d.whereStated(current, s, text)
		for _, c := range current {
			own := s.start // the first of several opens with the sentence
			for _, b := range at {
				if b < at[c] {
					own = at[c]
				}
			}
			d.commitment(p, s, c, anchored != nil, subj, called, callAt, callEnd, own, owner(at, c))
		}
		// the constructions of the genre, outside a commitment's clause
		if len(current) == 0 {
			for _, c := range clauses(s, text) {
				cs := subjects(c, text)
				if len(cs) == 0 && c.start == s.start {
					cs = subj
				}
				d.cues(p, c, cs)
				d.fallback(p, c, cs)
			}
		}
		d.phrases(p, s)
	}
}

func (d *drafter) index(para string) int {
	for i, p := range d.doc.Paragraphs {
		if p.ID == para {
			return i
		}
	}
	return -1
}

// whereStated is where, in a sentence stating several commitments, each
// one's own words begin: "engage towards an agreement…, take part in the
// work programme and make permanent the moratorium" is three commitments,
// each with the entities of its own stretch of the sentence. Nil for one.
func (d *drafter) whereStated(cs []string, s sent, text string) map[string]int {
	if len(cs) < 2 {
		return nil
	}
	type word struct {
		at   int
		stem string
	}
	var words []word
	for _, m := range wordRE.FindAllStringIndex(text[s.start:s.end], -1) {
		for w := range stems(text[s.start+m[0] : s.start+m[1]]) {
			words = append(words, word{s.start + m[0], w})
		}
	}
	at := map[string]int{}
	for _, c := range cs {
		name := stems(d.v.byID[c].Name)
		best, bestN, bestLen := s.start, 0, 0
		for i := range words {
			if !name[words[i].stem] {
				continue
			}
			// the name's words within a stretch a little longer than the
			// name; of two stretches as full, the tighter
			n, last, seen := 0, i, map[string]bool{}
			for j := i; j < min(len(words), i+len(name)+4); j++ {
				if w := words[j].stem; name[w] && !seen[w] {
					seen[w] = true
					n, last = n+1, j
				}
			}
			if n > bestN || n == bestN && last-i < bestLen {
				best, bestN, bestLen = words[i].at, n, last-i
			}
		}
		at[c] = best
	}
	return at
}

// owner says whether an entity met at a place of the sentence belongs to
// commitment c: to the commitment stated last before it, or to the first
// when it comes before them all. An entity where a commitment's words
// begin ("… with Africa, as well as to ensure that EU investment in
// Africa") also closes the stretch before it.
func owner(at map[string]int, c string) func(pos int) bool {
	if at == nil {
		return func(int) bool { return true }
	}
	return func(pos int) bool {
		first, last, prev := -1, -1, -1
		for _, a := range at {
			if first < 0 || a < first {
				first = a
			}
			if a <= pos && a > last {
				last = a
			}
		}
		for _, a := range at {
			if a < last && a > prev {
				prev = a
			}
		}
		if last < 0 {
			last = first
		}
		return at[c] == last || last == pos && at[c] == prev
	}
}

// commitment relates commitment c to the issuer, the actors called on and
// the entities of its clause that it owns.
func (d *drafter) commitment(p Paragraph, s sent, c string, anchor bool, subj, called []span, callAt, callEnd, own int, owns func(pos int) bool) {
	text := p.Text
	cs := span{id: c, kind: "COMMITMENT"}
	from := s.start
	verbS, verbE := -1, -1
	actors := called
	if callAt >= 0 {
		from, verbS, verbE = callEnd, callAt, callEnd
	} else if m := modalRE.FindStringIndex(text[s.start:s.end]); m != nil && len(subj) > 0 && s.start+m[0] >= subj[len(subj)-1].end && s.start+m[0]-subj[len(subj)-1].end < 20 {
		verbS, verbE = s.start+m[0], s.start+m[1]
		from = verbE
		for _, a := range subj {
			if a.kind == "ACTOR" {
				actors = append(actors, a)
			}
		}
	}
	if anchor && d.issuer != "" {
		iss := span{id: d.issuer, kind: d.v.byID[d.issuer].Kind}
		qs, qe := s.start, min(s.end, s.start+120)
		if verbS >= 0 {
			qe = max(verbE, min(s.end, verbE+60))
		}
		if own > s.start && own > verbE {
			// one of several in the sentence: quoted from its own words
			qs, qe = own, min(s.end, own+120)
		}
		d.add(p.ID, text, iss, cs, []string{"sets-out"}, qs, wordEnd(text, qe), verbS, verbE, "stated", 0.8, false)
	}
	for _, a := range actors {
		qs := min(a.start, max(verbS, s.start))
		if verbS < 0 {
			qs = s.start
		}
		d.add(p.ID, text, cs, a, []string{"calls-on"}, qs, max(a.end, verbE), verbS, verbE, "stated", 0.85, false)
	}
	isActor := map[string]bool{}
	for _, a := range actors {
		isActor[a.id] = true
	}
	// the phrase that opens a list holds for every item of it: "in line
	// with A, B and C"
	listCue := map[int]string{}
	for _, o := range s.spans {
		if o.start < from {
			continue
		}
		before := text[max(s.start, o.start-40):o.start]
		for _, it := range list(s, text, o.start, 0) {
			if _, ok := listCue[it.start]; !ok {
				listCue[it.start] = before
			}
		}
	}
	for _, o := range s.spans {
		if o.start < from || isActor[o.id] || !owns(o.start) {
			continue
		}
		before := listCue[o.start]
		qs := max(from, clauseStart(text, s.start, o.start))
		if strings.HasSuffix(strings.ToLower(before), "in line with ") {
			qs = min(qs, o.start-len("in line with "))
		}
		mod := "stated"
		if m := modality(text[qs:o.end]); m == "conditional" || m == "possible" {
			mod = m
		}
		d.add(p.ID, text, cs, o, byKind(o.kind, before), qs, o.end, -1, -1, mod, 0.6, false)
	}
}

// clauseStart is where the clause holding at begins: after the last comma,
// semicolon or colon before it, but no more than 100 bytes back.
func clauseStart(text string, start, at int) int {
	lo := max(start, at-100)
	i := strings.LastIndexAny(text[lo:at], ",;:")
	if i < 0 {
		return wordStart(text, lo)
	}
	return lo + i + 1
}

func wordStart(text string, i int) int {
	for i > 0 && !boundaryBefore(text, i) {
		i--
	}
	return i
}

func wordEnd(text string, i int) int {
	for i < len(text) && !boundaryAfter(text, i) {
		i++
	}
	return i
}

// cues proposes the relations the genre's fixed phrases name, from the
// sentence's subject to the list the phrase introduces.
func (d *drafter) cues(p Paragraph, s sent, subj []span) {
	text := p.Text
	opening := subj
	for _, c := range cues {
		for _, m := range c.re.FindAllStringIndex(text[s.start:s.end], -1) {
			at, end := s.start+m[0], s.start+m[1]
			subj := opening
			if c.reverse || len(subj) == 0 {
				// "X, signed by Y", "use of X to work with Y": the
				// mentions just before the phrase
				subj = before(s, text, at)
			}
			if len(subj) == 0 || at < subj[len(subj)-1].end {
				continue
			}
			objs := list(s, text, end, 5)
			for _, o := range objs {
				isSubj := false
				for _, sb := range subj {
					isSubj = isSubj || sb.id == o.id
				}
				if isSubj {
					continue
				}
				for _, sb := range subj {
					a, b := sb, o
					if c.reverse {
						a, b = o, sb
					}
					qs := sb.start
					if at-sb.end > 120 {
						qs = clauseStart(text, s.start, at)
					}
					vs, ve := at, end
					if v := verbRE.FindStringIndex(text[at:end]); v == nil {
						vs, ve = -1, -1
					}
					d.add(p.ID, text, a, b, c.preds, qs, o.end, vs, ve, modality(text[qs:o.end]), 0.55, false)
				}
			}
		}
	}
}

// phrases proposes the relations a noun phrase gives without a verb:
// "X such as A, B" (A instance-of X), "X, including A" (A part-of X),
// "X's Y" (Y part-of X), "Y (Country)" of a person, and a name that holds
// another's ("the ITU Council": part of the ITU).
func (d *drafter) phrases(p Paragraph, s sent) {
	text := p.Text
	for i, sp := range s.spans {
		// X such as / including A, B and C
		if i+1 < len(s.spans) {
			gap := text[sp.end:s.spans[i+1].start]
			g := strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(gap), ","))
			var preds []string
			switch {
			case regexp.MustCompile(`^(?:\w+\s+){0,2}such as(?: the)?$`).MatchString(g):
				preds = []string{"instance-of", "part-of"}
			case regexp.MustCompile(`^including(?: (?:at|in|on))?(?: the)?$`).MatchString(g):
				preds = []string{"part-of", "instance-of"}
			}
			if preds != nil {
				for _, o := range list(s, text, sp.end, 5) {
					d.add(p.ID, text, o, sp, preds, sp.start, o.end, -1, -1, "stated", 0.65, true)
				}
			}
			if gap == "'s " || gap == "’s " {
				o := s.spans[i+1]
				d.add(p.ID, text, o, sp, []string{"part-of", "led-by", "?"}, sp.start, o.end, -1, -1, "stated", 0.6, true)
			}
		}
		// a title before a person ("HR/VP Josep Borrell"), or an office
		// after "as the" ("X as the new ITU Secretary General")
		if sp.kind == "PERSON" && i > 0 && s.spans[i-1].kind == "ACTOR" && text[s.spans[i-1].end:sp.start] == " " {
			t := s.spans[i-1]
			d.add(p.ID, text, sp, t, []string{"holds-position"}, t.start, sp.end, -1, -1, "stated", 0.7, false)
		}
		if sp.kind == "PERSON" {
			if k := strings.Index(text[sp.end:s.end], " as the "); k >= 0 && wordsBetween(text[sp.end:sp.end+k]) <= 3 {
				at := sp.end + k + len(" as the ")
				for _, o := range s.spans[i+1:] {
					if o.start < at {
						continue
					}
					if o.kind == "ACTOR" && wordsBetween(text[at:o.start]) <= 6 {
						d.add(p.ID, text, sp, o, []string{"holds-position"}, sp.start, o.end, -1, -1, "stated", 0.7, false)
					}
					break
				}
			}
		}
		// a person followed by a country in brackets
		if sp.kind == "PERSON" {
			for _, o := range s.spans[i+1:] {
				if o.kind == "COUNTRY" && o.start-sp.end <= 4 && strings.Contains(text[sp.end:o.start], "(") {
					d.add(p.ID, text, sp, o, []string{"national-of"}, sp.start, o.end, -1, -1, "stated", 0.7, false)
				}
			}
		}
		// a name holding another entity's name
		inner := d.m.SpansOf(text[sp.start:sp.end], d.others(sp.id))
		for _, in := range inner {
			if in.Entity == sp.id || (in.Start == 0 && in.End == sp.end-sp.start) {
				continue
			}
			o := span{sp.start + in.Start, sp.start + in.End, in.Entity, d.v.byID[in.Entity].Kind}
			if !telling(text, sp, o) {
				continue
			}
			// which way the curators join these kinds decides the direction
			a, b := sp, o
			if d.v.priorCount(o.kind, sp.kind) > d.v.priorCount(sp.kind, o.kind) {
				a, b = o, sp
			}
			d.add(p.ID, text, a, b, []string{"?", "part-of", "targets"}, sp.start, sp.end, -1, -1, "stated", 0.5, true)
		}
	}
}

// sortRelations orders relations by their first paragraph's place in the
// document, then by subject, predicate and object.
func sortRelations(rels []*Relation, doc *Document) {
	pos := map[string]int{}
	for i, p := range doc.Paragraphs {
		pos[p.ID] = i
	}
	sort.SliceStable(rels, func(i, j int) bool {
		a, b := pos[rels[i].Evidence[0].Para], pos[rels[j].Evidence[0].Para]
		if a != b {
			return a < b
		}
		return false
	})
}

// fallback relates the sentence's subject to each entity named after it
// that no cue related, with the predicate the other documents' curators
// most often used between their kinds, at a low confidence.
func (d *drafter) fallback(p Paragraph, s sent, subj []span) {
	text := p.Text
	if len(subj) == 0 {
		return
	}
	last := subj[len(subj)-1]
	for _, o := range s.spans {
		if o.start < last.end {
			continue
		}
		if modifier(text, o) || strings.HasSuffix(strings.TrimSpace(text[max(s.start, o.start-2):o.start]), "(") {
			continue
		}
		for _, sb := range subj {
			if sb.id == o.id || d.related(sb.id, o.id, p.ID) {
				continue
			}
			qs := sb.start
			if o.start-sb.end > 150 {
				qs = clauseStart(text, s.start, o.start)
			}
			d.add(p.ID, text, sb, o, []string{"?"}, qs, o.end, -1, -1, modality(text[qs:o.end]), fallbackConfidence, false)
		}
	}
}

// fallbackConfidence marks a relation only the two kinds suggest.
const fallbackConfidence = 0.4

func (d *drafter) related(a, b, para string) bool {
	for k, r := range d.rels {
		if (k[0] == a && k[2] == b) || (k[0] == b && k[2] == a) {
			for _, e := range r.Evidence {
				if e.Para == para {
					return true
				}
			}
		}
	}
	return false
}

var (
	clauseBreakRE = regexp.MustCompile(`(?:,\s+(?:and\s+|while\s+|whereas\s+|but\s+)?|;\s+|\s+while\s+|\s+whereas\s+)`)
	relativeRE    = regexp.MustCompile(`^,?\s*(?:which|that|who)\s+`)
	finiteRE      = regexp.MustCompile(`^\s*(?:\w+ly\s+)?(?:will|is|are|has|have|had|was|were|can|could|should|must|may|aims?|\w+s)\b`)
)

// clauses cuts a sentence where a new subject takes a verb of its own:
// "X aims to ..., while Y sets ..." or "X strengthens ..., the Y will ...".
func clauses(s sent, text string) []sent {
	var out []sent
	cur := sent{start: s.start, end: s.end}
	for _, m := range clauseBreakRE.FindAllStringIndex(text[s.start:s.end], -1) {
		at, next := s.start+m[0], s.start+m[1]
		probe := sent{start: next, end: s.end}
		for _, sp := range s.spans {
			if sp.start >= next {
				probe.spans = append(probe.spans, sp)
			}
		}
		var lead []span
		if relativeRE.MatchString(text[at:s.end]) {
			// ", which provides ...": the mention before is its subject
			for _, sp := range s.spans {
				if sp.end <= at && at-sp.end <= 2 {
					lead = []span{sp}
				}
			}
			if lead == nil {
				continue
			}
			cur.end = at
			out = append(out, cur)
			cur = sent{start: next, end: s.end, lead: lead}
			continue
		}
		subj := subjects(probe, text)
		if len(subj) == 0 || !finiteRE.MatchString(text[subj[len(subj)-1].end:s.end]) {
			continue
		}
		cur.end = at
		out = append(out, cur)
		cur = sent{start: next, end: s.end}
	}
	out = append(out, cur)
	for i := range out {
		out[i].spans = nil
		for _, sp := range s.spans {
			if sp.start >= out[i].start && sp.end <= out[i].end {
				out[i].spans = append(out[i].spans, sp)
			}
		}
	}
	return out
}

// before is the list of mentions that ends within a few words before at.
func before(s sent, text string, at int) []span {
	var out []span
	next := at
	for i := len(s.spans) - 1; i >= 0; i-- {
		sp := s.spans[i]
		if sp.end > next {
			continue
		}
		gap := text[sp.end:next]
		if len(out) == 0 {
			if wordsBetween(gap) > 3 || strings.ContainsAny(gap, ";:") {
				break
			}
		} else if !listGapRE.MatchString(gap) {
			break
		}
		out = append([]span{sp}, out...)
		next = sp.start
	}
	return out
}

// others is every entity id but id, for the names inside id's name.
func (d *drafter) others(id string) []string {
	if d.ids == nil {
		for _, e := range d.v.Entities {
			d.ids = append(d.ids, e.ID)
		}
	}
	out := make([]string, 0, len(d.ids))
	for _, x := range d.ids {
		if x != id {
			out = append(out, x)
		}
	}
	return out
}

// telling says whether a name inside another's says how the two relate:
// an acronym ("the ITU Council", "UN Special Procedures"), a name of
// several words ("Roadmap for Digital Cooperation"), or one joined by a
// hyphen ("EU-Japan"). A common word inside a name ("Council" in "Council
// of Europe"), a topic inside a topic, an actor inside an actor, or the
// EU's name on its own texts tell nothing.
func telling(text string, outer, inner span) bool {
	w := text[inner.start:inner.end]
	acronym := strings.ToUpper(w) == w
	joined := (inner.start > 0 && text[inner.start-1] == '-') || (inner.end < len(text) && text[inner.end] == '-')
	if !acronym && !joined && !strings.Contains(w, " ") {
		return false
	}
	switch {
	case outer.kind == "TOPIC" && inner.kind == "TOPIC", outer.kind == "ACTOR" && inner.kind == "ACTOR":
		return false
	case inner.kind == "ACTOR" && (outer.kind == "POLICY" || outer.kind == "INSTRUMENT" || outer.kind == "TOPIC") && !joined:
		return false
	}
	return true
}

// headings relates the commitments of list items to the paragraph that
// introduces them ("To this end, the EU will:" followed by 4.A, 4.B ...):
// the issuer sets each out there, it calls on the heading's subject, and
// it is part of the heading paragraph's own commitment.
func (d *drafter) headings(paras [][]sent) {
	for i, p := range d.doc.Paragraphs {
		ss := paras[i]
		if len(ss) == 0 || !strings.HasSuffix(p.Text[ss[len(ss)-1].start:ss[len(ss)-1].end], ":") {
			continue
		}
		last := ss[len(ss)-1]
		var actors []span
		vs, ve := -1, -1
		subj := subjects(last, p.Text)
		if m := modalRE.FindStringIndex(p.Text[last.start:last.end]); m != nil && len(subj) > 0 {
			vs, ve = last.start+m[0], last.start+m[1]
			for _, a := range subj {
				if a.kind == "ACTOR" && a.end <= vs {
					actors = append(actors, a)
				}
			}
		}
		var own []string
		for j := range ss {
			own = append(own, d.anchors[fmt.Sprintf("%d/%d", i, j)]...)
		}
		for k := i + 1; k < len(d.doc.Paragraphs) && strings.HasPrefix(d.doc.Paragraphs[k].ID, p.ID+"."); k++ {
			for j := range paras[k] {
				for _, c := range d.anchors[fmt.Sprintf("%d/%d", k, j)] {
					cs := span{id: c, kind: "COMMITMENT"}
					if d.issuer != "" {
						d.add(p.ID, p.Text, span{id: d.issuer, kind: d.v.byID[d.issuer].Kind}, cs, []string{"sets-out"}, last.start, last.end, vs, ve, "stated", 0.75, false)
					}
					for _, a := range actors {
						d.add(p.ID, p.Text, cs, a, []string{"calls-on"}, last.start, last.end, vs, ve, "stated", 0.75, false)
					}
					for _, o := range own {
						d.add(p.ID, p.Text, cs, span{id: o, kind: "COMMITMENT"}, []string{"part-of"}, last.start, last.end, -1, -1, "stated", 0.7, true)
					}
				}
			}
		}
	}
}

// neutral is the predicate that claims least between two kinds, for when
// the curators' usage does not point to one: an actor promotes a topic,
// supports a text, takes part in a forum; a text or body concerns a topic.
func neutral(subjKind, objKind string) string {
	if subjKind == "ACTOR" || subjKind == "COUNTRY" || subjKind == "REGION" {
		switch objKind {
		case "TOPIC":
			return "promotes"
		case "POLICY", "INSTRUMENT":
			return "supports"
		case "FORUM", "PARTNERSHIP", "EVENT":
			return "participates-in"
		case "ACTOR", "COUNTRY", "REGION":
			return "engages-with"
		}
		return ""
	}
	switch objKind {
	case "TOPIC":
		return "concerns"
	case "COUNTRY", "REGION":
		return "targets"
	case "POLICY":
		return "concerns"
	}
	return ""
}

// occurrence is which occurrence of quote in text starts at at, counted
// as the loader counts them (each search from one byte past the last
// match); 0 when the quote occurs once.
func occurrence(text, quote string, at int) int {
	n, only := 0, true
	for from := 0; ; {
		j := strings.Index(text[from:], quote)
		if j < 0 {
			break
		}
		n++
		if from+j == at {
			if strings.Contains(text[at+1:], quote) {
				only = false
			}
			break
		}
		only = false
		from += j + 1
	}
	if only {
		return 0
	}
	return n
}
