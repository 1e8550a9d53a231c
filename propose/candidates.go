package propose

import (
	"regexp"
	"sort"
	"strings"

	"github.com/digidip/digidip/mention"
)

// Candidate is a name the text uses that no known entity carries.
type Candidate struct {
	ID         string
	Name       string
	Kind       string
	Aliases    []string
	Confidence float64
	Para       string // where the text first names it
	Quote      string // the sentence around that first use
}

var (
	// an acronym introduced in brackets after its expansion
	acronymRE = regexp.MustCompile(`\b([A-Z][\p{L}\-'’&]*(?:[ \t]+(?:of|for|on|and|the|de|&)?[ \t]*[A-Z][\p{L}\-'’&+]*)+)[ \t]+\(([A-Z][A-Za-z0-9+&/\-]{1,10})\)`)
	// a run of capitalised words, with the small words names hold
	capsRE = regexp.MustCompile(`\b(?:[A-Z][\p{L}\p{N}\-'’+&]*|[0-9]{4})(?:[ \t]+(?:(?:of|for|on|and|the|in|to|&)[ \t]+)*(?:[A-Z0-9][\p{L}\p{N}\-'’+&]*))+`)
	// "the X Y Partnership": a lower-case name ended by a head word
	headRE = regexp.MustCompile(`(?i)\b(?:the\s+)?((?:[\p{L}\-]+\s+){0,4}(?:partnership|hub|initiative|strategy|agenda|act|declaration|conference|summit|council|dialogue|alliance|network|package|programme|plan|forum|coalition|group|compact|directive|toolbox|fora|processes|agreement|moratorium)s?)\b`)
	// one word that is a name: capitalised, an acronym, or with a digit
	singleRE = regexp.MustCompile(`[A-Z][\p{L}]+|[A-Z0-9]*[A-Z][A-Z0-9]+|[a-z]*[0-9]+[A-Za-z]+|[A-Z]+[0-9]+`)
	tokenRE  = regexp.MustCompile(`[\p{L}\p{N}][\p{L}\p{N}\-/'’+&]*`)
)

var nameStop = set("s the a an this that these those in on of for and or with to by as at from its their our it is are be will should can also further both all other such which who whose where when while not more most very key new")

// Candidates lists the names the text uses that match no known entity:
// acronyms introduced in brackets, capitalised names, "the X Strategy"
// and the like, country names, and the items of its lists.
func Candidates(v *Vocabulary, doc *Document) []Candidate {
	m := mention.New(v.domainEntities())
	known := map[string]bool{}
	for _, e := range v.Entities {
		known[strings.ToLower(e.ID)] = true
		known[strings.ToLower(e.Name)] = true
		for _, a := range e.Aliases {
			known[strings.ToLower(a)] = true
		}
	}
	byName := map[string]*Candidate{}
	var order []string
	addC := func(p Paragraph, s, e int, name string, aliases []string, conf float64) {
		name = bare(name)
		if len(name) < 2 || known[strings.ToLower(name)] || nameStop[strings.ToLower(name)] || dateOrCode(name) || reference(name) {
			return
		}
		// a name the matcher already finds whole is known
		for _, sp := range m.Spans(name) {
			if sp.Start == 0 && sp.End == len(name) {
				return
			}
		}
		k := strings.ToLower(name)
		c := byName[k]
		if c == nil {
			c = &Candidate{Name: name, Kind: guessKind(name), Para: p.ID, Quote: around(p.Text, s, e), Confidence: conf}
			byName[k] = c
			order = append(order, k)
		} else if conf > c.Confidence {
			c.Confidence = conf
		}
		for _, a := range aliases {
			if a = bare(a); !known[strings.ToLower(a)] && !contains(c.Aliases, a) {
				c.Aliases = append(c.Aliases, a)
			}
		}
	}
	for _, p := range doc.Paragraphs {
		t := p.Text
		known := m.Spans(t)
		inKnown := func(s, e int) bool {
			for _, sp := range known {
				if s < sp.End && sp.Start < e {
					return true
				}
			}
			return false
		}
		for _, mm := range acronymRE.FindAllStringSubmatchIndex(t, -1) {
			if insideKnown(known, mm[4], mm[5]) {
				continue // the "(D4D)" of the known "Digital for Development (D4D) Hub"
			}
			name, acr := t[mm[2]:mm[3]], t[mm[4]:mm[5]]
			addC(p, mm[0], mm[1], name, []string{name, acr}, 0.9)
		}
		for _, mm := range capsRE.FindAllStringIndex(t, -1) {
			// the parts of a run of capitals that no known name covers:
			// "the Commission and Member States" holds no new name
			pieces := uncovered(known, t, mm[0], mm[1])
			if len(pieces) > 0 && (pieces[0][0] != mm[0] || pieces[0][1] != mm[1]) && capitalisedResidue(t, pieces) {
				// "General Secretariat of the Council": a new name that
				// holds a known one
				pieces = append(pieces, [2]int{mm[0], mm[1]})
			}
			for _, pc := range pieces {
				// "the Eastern Partnership's EU4Digital Initiative": each
				// side of a possessive is a name too
				for _, sep := range []string{"'s ", "’s "} {
					if k := strings.Index(t[pc[0]:pc[1]], sep); k > 0 {
						pieces = append(pieces, [2]int{pc[0], pc[0] + k}, [2]int{pc[0] + k + len(sep), pc[1]})
					}
				}
			}
			for _, piece := range pieces {
				name := t[piece[0]:piece[1]]
				// a capital that only opens the sentence is not a name
				if wordsBetween(name) < 2 || allSmallAfterFirst(name) && sentenceOpens(t, piece[0]) {
					continue
				}
				addC(p, piece[0], piece[1], name, []string{name}, 0.8)
			}
		}
		for _, mm := range headRE.FindAllStringSubmatchIndex(t, -1) {
			name := trimStops(t[mm[2]:mm[3]])
			if wordsBetween(name) < 2 {
				continue
			}
			addC(p, mm[2], mm[3], name, []string{name}, 0.6)
		}
		for _, ch := range chunks(t) {
			if insideKnown(known, ch[0], ch[1]) {
				continue
			}
			addC(p, ch[0], ch[1], t[ch[0]:ch[1]], []string{t[ch[0]:ch[1]]}, 0.3)
		}
		for _, mm := range singleRE.FindAllStringIndex(t, -1) {
			if p.ID == "header" {
				break // a letterhead's lone capitals are filing codes (CYBER, RELEX)
			}
			w := t[mm[0]:mm[1]]
			if !boundaryBefore(t, mm[0]) || !boundaryAfter(t, mm[1]) {
				continue
			}
			if months[w] || sentenceOpens(t, mm[0]) && !strings.ContainsAny(w, "0123456789") || inKnown(mm[0], mm[1]) || inRun(t, mm[0], mm[1]) {
				continue
			}
			addC(p, mm[0], mm[1], w, []string{w}, 0.5)
		}
		for _, c := range countries {
			if i := indexWord(t, c); i >= 0 {
				addC(p, i, i+len(c), c, []string{c}, 0.85)
			}
		}
	}
	var out []Candidate
	ids := map[string]bool{}
	for _, k := range order {
		c := byName[k]
		c.ID = slug(c.Name)
		for ids[c.ID] || v.byID[c.ID] != nil {
			c.ID += "-x"
		}
		ids[c.ID] = true
		if len(c.Aliases) == 0 {
			c.Aliases = []string{c.Name}
		}
		out = append(out, *c)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Confidence > out[j].Confidence })
	return out
}

// bare is a name without the article it opens with and the punctuation
// around it.
func bare(name string) string {
	name = strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(name, "the "), "The "))
	return strings.Trim(name, " ,.;:'’")
}

// dateOrCode says whether a name is a date ("13 June 2023", "June 2023")
// or a register code ("REV 1", "CYBER 160 COPS 313"): a fact of the
// document or a filing mark, not an entity.
func dateOrCode(name string) bool {
	ws := strings.Fields(name)
	digits, lower, month := 0, false, false
	for _, w := range ws {
		if strings.Trim(w, "0123456789/.-") == "" {
			digits++
		}
		month = month || months[w]
		lower = lower || strings.ToUpper(w) != w
	}
	return month && digits > 0 && digits+1 >= len(ws) || !lower && digits > 0
}

// reference says whether a phrase points at something rather than names
// it ("This Revision", "These Partnerships"), or is a broken piece of a
// quoted mark ("A' ITEM NOTE" of "'I/A' ITEM NOTE").
func reference(name string) bool {
	ws := strings.Fields(name)
	if determiners[strings.ToLower(ws[0])] {
		return true
	}
	for _, w := range ws {
		if strings.HasPrefix(w, "'") || len(w) <= 2 && strings.HasSuffix(w, "'") {
			return true
		}
	}
	return false
}

var determiners = set("this these that those its their our")

// trimStops drops the function words a phrase opens or ends with.
func trimStops(s string) string {
	ws := strings.Fields(s)
	for len(ws) > 0 && (nameStop[strings.ToLower(ws[0])] || verbish(ws[0])) {
		ws = ws[1:]
	}
	for len(ws) > 0 && nameStop[strings.ToLower(ws[len(ws)-1])] {
		ws = ws[:len(ws)-1]
	}
	for _, w := range ws {
		if nameStop[strings.ToLower(w)] && w != "and" && w != "of" {
			return ""
		}
	}
	return strings.Join(ws, " ")
}

// verbish is a word in a verb's form that opens no name.
func verbish(w string) bool {
	w = strings.ToLower(w)
	return strings.HasSuffix(w, "ing") || strings.HasSuffix(w, "ed") || w == "is" || w == "has" || w == "have"
}

func allSmallAfterFirst(name string) bool {
	ws := strings.Fields(name)
	return len(ws) == 2 && strings.ToLower(ws[1]) == ws[1]
}

func sentenceOpens(t string, i int) bool {
	j := strings.TrimRight(t[:i], " ")
	return j == "" || strings.HasSuffix(j, ".") || strings.HasSuffix(j, "\n") || strings.HasSuffix(j, ":")
}

func indexWord(t, w string) int {
	for from := 0; ; {
		i := strings.Index(t[from:], w)
		if i < 0 {
			return -1
		}
		i += from
		if boundaryBefore(t, i) && boundaryAfter(t, i+len(w)) {
			return i
		}
		from = i + 1
	}
}

// around is the sentence of text holding [s, e), cut to 160 bytes.
func around(t string, s, e int) string {
	for _, r := range sentences(t) {
		if r[0] <= s && e <= r[1] {
			q := t[r[0]:r[1]]
			if len(q) > 160 {
				lo := max(r[0], wordStart(t, max(r[0], s-60)))
				hi := min(r[1], wordEnd(t, min(r[1], e+60)))
				q = t[lo:hi]
			}
			return q
		}
	}
	return t[s:e]
}

var slugRE = regexp.MustCompile(`[^a-z0-9]+`)

func slug(s string) string {
	return strings.Trim(slugRE.ReplaceAllString(strings.ToLower(s), "-"), "-")
}

// guessKind reads the kind from a name's head word.
func guessKind(name string) string {
	for _, c := range countries {
		if strings.EqualFold(name, c) {
			return "COUNTRY"
		}
	}
	ws := strings.Fields(strings.ToLower(name))
	head := strings.Trim(ws[len(ws)-1], "()")
	for _, w := range ws {
		if w == "of" || w == "for" || w == "on" {
			// "Agenda for X": the head stands before the preposition
			head = ws[0]
			for i, x := range ws {
				if x == w && i > 0 {
					head = ws[i-1]
					break
				}
			}
			break
		}
	}
	head = strings.TrimSuffix(head, "s")
	switch head {
	case "partnership", "alliance", "dialogue", "council", "cooperation":
		return "PARTNERSHIP"
	case "hub", "initiative", "package", "programme", "plan", "facilitie", "facility", "gateway", "instrument", "project", "tool", "fund", "toolbox":
		return "INSTRUMENT"
	case "strategy", "agenda", "act", "declaration", "conclusion", "directive", "compass", "roadmap", "framework", "agreement", "moratorium", "rule", "law", "regulation", "negotiation", "report", "principle", "compact":
		return "POLICY"
	case "conference", "summit", "meeting", "election", "processe", "process", "session":
		return "EVENT"
	case "union", "organization", "organisation", "forum", "fora", "coalition", "group", "procedure", "body", "bodie", "nation", "assembly":
		return "FORUM"
	case "network", "bank", "committee", "party", "office", "service", "secretariat", "commission", "parliament", "institution", "association", "sector", "society", "academia", "diplomat", "delegation", "envoy", "agency", "authority", "representative", "ministry":
		return "ACTOR"
	case "region", "neighbourhood", "countrie", "partner", "balkan", "america", "africa", "asia", "caribbean", "europe", "state":
		return "REGION"
	}
	if len(ws) == 2 && isCapitalised(name) && !strings.ContainsAny(name, "0123456789") {
		return "REGION" // two capitalised words without a head: most often a place
	}
	return "TOPIC"
}

func isCapitalised(name string) bool {
	for _, w := range strings.Fields(name) {
		if w[0] < 'A' || w[0] > 'Z' {
			return false
		}
	}
	return true
}

// countries are the names of the world's states as English texts write
// them, for the country names a text mentions.
var countries = strings.Split("Afghanistan|Albania|Algeria|Andorra|Angola|Argentina|Armenia|Australia|Austria|Azerbaijan|Bahrain|Bangladesh|Belarus|Belgium|Benin|Bhutan|Bolivia|Bosnia and Herzegovina|Botswana|Brazil|Brunei|Bulgaria|Burkina Faso|Burundi|Cambodia|Cameroon|Canada|Cape Verde|Chad|Chile|China|Colombia|Comoros|Costa Rica|Côte d'Ivoire|Croatia|Cuba|Cyprus|Czechia|Czech Republic|Democratic Republic of Congo|Democratic Republic of the Congo|Denmark|Djibouti|Dominican Republic|Ecuador|Egypt|El Salvador|Eritrea|Estonia|Eswatini|Ethiopia|Fiji|Finland|France|Gabon|Gambia|Georgia|Germany|Ghana|Greece|Guatemala|Guinea|Haiti|Honduras|Hungary|Iceland|India|Indonesia|Iran|Iraq|Ireland|Israel|Italy|Jamaica|Japan|Jordan|Kazakhstan|Kenya|Kosovo|Kuwait|Kyrgyzstan|Laos|Latvia|Lebanon|Lesotho|Liberia|Libya|Liechtenstein|Lithuania|Luxembourg|Madagascar|Malawi|Malaysia|Maldives|Mali|Malta|Mauritania|Mauritius|Mexico|Moldova|Monaco|Mongolia|Montenegro|Morocco|Mozambique|Myanmar|Namibia|Nepal|Netherlands|New Zealand|Nicaragua|Niger|Nigeria|North Macedonia|Norway|Oman|Pakistan|Palestine|Panama|Paraguay|Peru|Philippines|Poland|Portugal|Qatar|Republic of Korea|South Korea|Romania|Russia|Russian Federation|Rwanda|Saudi Arabia|Senegal|Serbia|Sierra Leone|Singapore|Slovakia|Slovenia|Somalia|South Africa|South Sudan|Spain|Sri Lanka|Sudan|Sweden|Switzerland|Syria|Taiwan|Tajikistan|Tanzania|Thailand|Togo|Tunisia|Türkiye|Turkey|Turkmenistan|Uganda|Ukraine|United Arab Emirates|United Kingdom|United States|Uruguay|Uzbekistan|Venezuela|Vietnam|Viet Nam|Yemen|Zambia|Zimbabwe", "|")

var months = set("January February March April May June July August September October November December")

// joiners may stand inside a noun phrase, never at its ends.
var joiners = set("and of with on")

// chunks are the text's noun phrases, roughly: runs of words between
// punctuation and function words, up to six words, with "and", "of",
// "with", "on" allowed inside; each run also without a leading verb form,
// and each part between its joiners.
func chunks(t string) [][2]int {
	var out [][2]int
	toks := tokenRE.FindAllStringIndex(t, -1)
	one := func(run [][2]int) {
		for len(run) > 0 && joiners[strings.ToLower(t[run[0][0]:run[0][1]])] {
			run = run[1:]
		}
		for len(run) > 0 && joiners[strings.ToLower(t[run[len(run)-1][0]:run[len(run)-1][1]])] {
			run = run[:len(run)-1]
		}
		if len(run) == 0 || len(run) > 6 {
			return
		}
		out = append(out, [2]int{run[0][0], run[len(run)-1][1]})
		if len(run) > 1 && verbish(t[run[0][0]:run[0][1]]) {
			out = append(out, [2]int{run[1][0], run[len(run)-1][1]})
		}
	}
	emit := func(run [][2]int) {
		one(run)
		start := 0
		for i, r := range run {
			if joiners[strings.ToLower(t[r[0]:r[1]])] {
				one(run[start:i])
				start = i + 1
			}
		}
		if start > 0 {
			one(run[start:])
		}
	}
	var run [][2]int
	prevEnd := 0
	for _, tk := range toks {
		w := strings.ToLower(t[tk[0]:tk[1]])
		gap := t[prevEnd:tk[0]]
		breaks := strings.TrimSpace(gap) != "" || strings.Contains(gap, "\n") || (nameStop[w] && !joiners[w]) || chunkBreaks[w] || adverb(w)
		if breaks {
			emit(run)
			run = nil
		}
		if !(nameStop[w] && !joiners[w]) && !chunkBreaks[w] && !adverb(w) {
			run = append(run, [2]int{tk[0], tk[1]})
		}
		prevEnd = tk[1]
	}
	emit(run)
	var multi [][2]int
	for _, c := range out {
		if w := t[c[0]:c[1]]; wordsBetween(w) > 1 || strings.Contains(w, "-") {
			multi = append(multi, c)
		}
	}
	return multi
}

// uncovered is what of text[s:e] no known name covers, each part cut to
// its words without the small words at its ends ("With Global Gateway"
// opens a sentence; "Member States and" joins two names).
func uncovered(known []mention.Span, t string, s, e int) [][2]int {
	var parts [][2]int
	at := s
	for _, sp := range known {
		if sp.End <= s || sp.Start >= e {
			continue
		}
		parts = append(parts, [2]int{at, max(at, sp.Start)})
		at = min(e, sp.End)
	}
	parts = append(parts, [2]int{at, e})
	var out [][2]int
	for _, pr := range parts {
		toks := tokenRE.FindAllStringIndex(t[pr[0]:pr[1]], -1)
		for len(toks) > 0 && nameStop[strings.ToLower(t[pr[0]+toks[0][0]:pr[0]+toks[0][1]])] {
			toks = toks[1:]
		}
		for len(toks) > 0 && nameStop[strings.ToLower(t[pr[0]+toks[len(toks)-1][0]:pr[0]+toks[len(toks)-1][1]])] {
			toks = toks[:len(toks)-1]
		}
		if len(toks) > 0 {
			out = append(out, [2]int{pr[0] + toks[0][0], pr[0] + toks[len(toks)-1][1]})
		}
	}
	return out
}

// inRun says whether the word at [s, e) stands in a run of capitalised
// words, which is a longer name's part and not a name of its own.
func inRun(t string, s, e int) bool {
	prev := strings.TrimRight(t[:s], " \t")
	if prev != "" && strings.ContainsAny(prev[len(prev)-1:], ",;:.()\n") {
		prev = ""
	}
	if i := strings.LastIndexAny(prev, " \t\n("); prev != "" {
		w := prev[i+1:]
		if w != "" && w[0] >= 'A' && w[0] <= 'Z' && !strings.HasSuffix(prev, ".") {
			return true
		}
	}
	next := strings.TrimLeft(t[e:], " \t")
	if next != "" && next[0] >= 'A' && next[0] <= 'Z' && e < len(t) && (t[e] == ' ' || t[e] == '\t') {
		return true
	}
	return false
}

// chunkBreaks are verbs common in the genre that end a noun phrase.
var chunkBreaks = set("is are was were has have had been become becomes need needs offer offers implies requires underlines calls invites welcomes stresses emphasises reiterates")

var adverbRE = regexp.MustCompile(`(?:ally|ively|ously|ingly|ently|antly|ately|arly)$`)

// adverb is a word in an adverb's form, which ends a noun phrase.
func adverb(w string) bool { return adverbRE.MatchString(w) }

// insideKnown says whether [s, e) lies within one known name.
func insideKnown(known []mention.Span, s, e int) bool {
	for _, sp := range known {
		if sp.Start <= s && e <= sp.End {
			return true
		}
	}
	return false
}

// capitalisedResidue says whether the parts of a run no known name covers
// hold a capitalised word: then the run is a name of its own.
func capitalisedResidue(t string, pieces [][2]int) bool {
	for _, p := range pieces {
		for _, w := range strings.Fields(t[p[0]:p[1]]) {
			if w[0] >= 'A' && w[0] <= 'Z' && !nameStop[strings.ToLower(w)] {
				return true
			}
		}
	}
	return false
}
