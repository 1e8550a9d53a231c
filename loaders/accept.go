package loaders

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/digidip/digidip/domain"

	"go.yaml.in/yaml/v3"
)

// Item is a relation or an entity of a graph file, where the file has it.
type Item struct {
	Kind      string // "relation" or "entity"
	ID        string
	Line, End int // its first and last lines, 1-based
	Proposed  bool
}

// Accepted is a graph file with the proposed mark removed from some of its
// items, every other byte as it was.
type Accepted struct {
	Data     []byte // the file as it is to be written
	Accepted []Item // the items accepted, in file order
	Items    []Item // every item of the file, as the original has it
	removed  []int  // lines of the original that Data no longer has, ascending

	Moves []Move // accepted relations another file states already
	Edits []Edit // those files, their evidence added
}

// OldLine is the line of the original file that line n of Data was.
func (a *Accepted) OldLine(n int) int {
	for _, r := range a.removed {
		if r <= n {
			n++
		}
	}
	return n
}

// Left lists the items of the file still proposed once Data is written.
func (a *Accepted) Left() []Item {
	var out []Item
	for _, it := range a.Items {
		if it.Proposed && !slices.ContainsFunc(a.Accepted, func(x Item) bool { return x.Line == it.Line }) {
			out = append(out, it)
		}
	}
	return out
}

// Accept removes the proposed mark, status: proposed and the confidence
// beside it, from the items of a relations or entities file named by ids
// (relation ids subject/predicate/object, entity ids), or from all its
// proposed items when all is set. It edits lines, not a re-encoded YAML
// tree, so that comments, order and flow style stay as the curator left
// them. name is how errors name the file. Ids the file does not hold, or
// does not hold proposed, are an error naming them all.
//
// An accepted relation that one of the reviewed relations files in stated
// (in the loader's order) states already is moved there rather than stated
// twice: its item leaves the draft, with the "# stated already" comment
// above it, and its evidence items join that file's entry, a flow mapping
// each (with doc: when the draft's document is another). A relation
// stated in one text and only implied in another is stated: evidence that
// states what the other file has as implied: true turns it to false there,
// and implied evidence joins a stated relation as it is.
func Accept(name string, data []byte, all bool, ids []string, stated []RelationsFile) (*Accepted, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(doc.Content) == 0 {
		return nil, fmt.Errorf("%s: empty file", name)
	}
	nodes, kind, err := graphItems(doc.Content[0])
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	a := &Accepted{}
	byID := map[string][]int{}
	for i, n := range nodes {
		it := Item{Kind: kind, ID: itemID(n, kind), Line: n.Line, End: lastLine(n)}
		if i+1 < len(nodes) {
			it.End = nodes[i+1].Line - 1
		}
		if v := value(n, "status"); v != nil && v.Kind == yaml.ScalarNode && v.Value == StatusProposed {
			it.Proposed = true
		}
		a.Items = append(a.Items, it)
		byID[it.ID] = append(byID[it.ID], i)
	}
	chosen := map[int]bool{}
	if all {
		for i, it := range a.Items {
			if it.Proposed {
				chosen[i] = true
			}
		}
		if len(chosen) == 0 {
			return nil, fmt.Errorf("%s: no item is proposed", name)
		}
	}
	var unknown, reviewed []string
	for _, id := range ids {
		at, ok := byID[id]
		if !ok {
			unknown = append(unknown, id)
			continue
		}
		marked := false
		for _, i := range at {
			if a.Items[i].Proposed {
				chosen[i], marked = true, true
			}
		}
		if !marked {
			reviewed = append(reviewed, id)
		}
	}
	var errs []string
	if len(unknown) > 0 {
		errs = append(errs, fmt.Sprintf("no %s %s", kind, strings.Join(unknown, ", ")))
	}
	if len(reviewed) > 0 {
		errs = append(errs, fmt.Sprintf("not proposed (reviewed already): %s", strings.Join(reviewed, ", ")))
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%s: %s", name, strings.Join(errs, "; "))
	}

	e := newLineEditor(data)
	firsts, roots := statedIn(stated)
	draftDoc := scalar(value(doc.Content[0], "doc"))
	moves := map[int][]pending{}
	moved := map[int]bool{}
	var refused []string
	for i, n := range nodes {
		to, ok := firsts[a.Items[i].ID]
		if !chosen[i] || kind != "relation" || !ok {
			continue
		}
		other := stated[to.file].Name
		p := pending{id: a.Items[i].ID, to: to, states: implied(to.node) && !implied(n)}
		if ev := value(n, "evidence"); ev != nil && ev.Kind == yaml.SequenceNode {
			for _, en := range ev.Content {
				s, err := flowEvidence(en, draftDoc, to.doc)
				if err != nil {
					refused = append(refused, fmt.Sprintf("%s:%d: relation %s: %v", name, n.Line, p.id, err))
					continue
				}
				p.items, p.from = append(p.items, s), append(p.from, en.Line)
			}
		}
		if len(p.items) == 0 {
			refused = append(refused, fmt.Sprintf("%s:%d: relation %s has no evidence to add to %s:%d", name, n.Line, p.id, other, to.node.Line))
			continue
		}
		if _, _, _, ok := e.itemLines(n, itemLimit(nodes, i, len(e.lines))); !ok {
			refused = append(refused, fmt.Sprintf("%s:%d: relation %s does not begin its line: it cannot be taken out by lines", name, n.Line, p.id))
			continue
		}
		moves[to.file] = append(moves[to.file], p)
		moved[i] = true
		a.Moves = append(a.Moves, Move{ID: p.id, Line: n.Line, Quotes: len(p.items), File: other, At: to.node.Line, States: p.states})
	}
	if len(refused) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(refused, "\n"))
	}
	var marks []mark
	for i, n := range nodes {
		if !chosen[i] {
			continue
		}
		a.Accepted = append(a.Accepted, a.Items[i])
		if moved[i] {
			continue
		}
		for j := 0; j+1 < len(n.Content); j += 2 {
			if k := n.Content[j].Value; k == "status" || k == "confidence" {
				marks = append(marks, mark{n.Content[j], n.Content[j+1]})
			}
		}
	}
	// Top to bottom, and right to left within a line, so that each edit
	// leaves the columns of the ones still to make where the parser saw
	// them.
	slices.SortFunc(marks, func(x, y mark) int {
		if x.key.Line != y.key.Line {
			return x.key.Line - y.key.Line
		}
		return y.key.Column - x.key.Column
	})
	for _, m := range marks {
		if err := e.remove(m); err != nil {
			return nil, fmt.Errorf("%s:%d: cannot remove %q by editing its line: %v; write it as \"%s: %s\" on a line of its own", name, m.key.Line, m.key.Value, err, m.key.Value, m.val.Value)
		}
	}
	if len(a.Moves) > 0 {
		if err := a.takeOut(e, doc.Content[0], nodes, moved); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		edits, err := moveTo(stated, roots, moves)
		if err != nil {
			return nil, err
		}
		a.Edits = edits
		for x, m := range a.Moves {
			for _, ed := range edits {
				if ed.Name == m.File {
					a.Moves[x].At = ed.newLine(m.At)
				}
			}
		}
	}
	a.Data, a.removed = e.result()
	return a, nil
}

// takeOut drops the lines of the moved items, and the "# stated already"
// comment above each; a list they leave empty becomes [], as the loader
// wants a relations list.
func (a *Accepted) takeOut(e *lineEditor, root *yaml.Node, nodes []*yaml.Node, moved map[int]bool) error {
	left := len(nodes)
	for i, n := range nodes {
		if !moved[i] {
			continue
		}
		first, last, _, _ := e.itemLines(n, itemLimit(nodes, i, len(e.lines)))
		if first > 0 && strings.HasPrefix(strings.TrimSpace(e.lines[first-1]), "# stated already") {
			first--
		}
		for j := first; j <= last; j++ {
			e.dropped[j] = true
		}
		left--
	}
	if left > 0 {
		return nil
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k := root.Content[i]
		if k.Value != "relations" {
			continue
		}
		l := e.lines[k.Line-1]
		c := byteAt(l, k.Column) + len("relations")
		rest := strings.TrimSpace(l[c:])
		if !strings.HasPrefix(rest, ":") || (strings.TrimSpace(rest[1:]) != "" && !strings.HasPrefix(strings.TrimSpace(rest[1:]), "#")) {
			return fmt.Errorf("line %d: cannot write the emptied relations list as []", k.Line)
		}
		at := c + strings.Index(l[c:], ":") + 1
		e.lines[k.Line-1] = l[:at] + " []" + l[at:]
	}
	return nil
}

// graphItems finds the items of a relations file (a mapping with
// relations:) or an entities file (a list).
func graphItems(root *yaml.Node) ([]*yaml.Node, string, error) {
	var list *yaml.Node
	kind := "entity"
	switch root.Kind {
	case yaml.SequenceNode:
		list = root
	case yaml.MappingNode:
		list, kind = value(root, "relations"), "relation"
	}
	if list == nil || list.Kind != yaml.SequenceNode {
		return nil, "", fmt.Errorf("neither a relations file (doc, relations) nor an entities file (a list)")
	}
	for _, n := range list.Content {
		if n.Kind != yaml.MappingNode {
			return nil, "", fmt.Errorf("line %d: %s must be a mapping", n.Line, kind)
		}
	}
	return list.Content, kind, nil
}

func value(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func itemID(n *yaml.Node, kind string) string {
	s := func(k string) string {
		if v := value(n, k); v != nil && v.Kind == yaml.ScalarNode {
			return v.Value
		}
		return ""
	}
	if kind == "entity" {
		return s("id")
	}
	return domain.RelationID(s("subject"), s("predicate"), s("object"))
}

// lastLine is the last line a node's text reaches.
func lastLine(n *yaml.Node) int {
	end := n.Line
	if n.Kind == yaml.ScalarNode && n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		end += strings.Count(n.Value, "\n")
	}
	for _, c := range n.Content {
		end = max(end, lastLine(c))
	}
	return end
}

// mark is a key to remove with its value.
type mark struct{ key, val *yaml.Node }

// lineEditor edits a file line by line, remembering which lines it drops.
type lineEditor struct {
	lines   []string // without their line endings
	ends    []string
	dropped []bool

	// for another file's evidence: lines added after a line, and the draft
	// lines of what is added
	after     [][]string
	afterFrom [][]int
	lineFrom  []int
}

func newLineEditor(data []byte) *lineEditor {
	e := &lineEditor{}
	for _, l := range strings.SplitAfter(string(data), "\n") {
		body := strings.TrimRight(l, "\r\n")
		e.lines = append(e.lines, body)
		e.ends = append(e.ends, l[len(body):])
		e.dropped = append(e.dropped, false)
	}
	e.after = make([][]string, len(e.lines))
	e.afterFrom = make([][]int, len(e.lines))
	e.lineFrom = make([]int, len(e.lines))
	return e
}

func (e *lineEditor) result() ([]byte, []int) {
	var b strings.Builder
	var removed []int
	for i, l := range e.lines {
		if e.dropped[i] {
			removed = append(removed, i+1)
			continue
		}
		b.WriteString(l)
		b.WriteString(e.ends[i])
	}
	return []byte(b.String()), removed
}

// byteAt is the byte offset of a 1-based column, which yaml.v3 counts in
// characters.
func byteAt(s string, col int) int {
	off := 0
	for i := 1; i < col && off < len(s); i++ {
		_, w := utf8.DecodeRuneInString(s[off:])
		off += w
	}
	return off
}

// remove takes a key and its value off their line: the whole line when it
// holds nothing else, the key: value pair and its comma in a flow mapping.
func (e *lineEditor) remove(m mark) error {
	if m.val.Line != m.key.Line {
		return fmt.Errorf("its value is on another line")
	}
	i := m.key.Line - 1
	text := e.lines[i]
	k := byteAt(text, m.key.Column)
	if !strings.HasPrefix(text[k:], m.key.Value) {
		return fmt.Errorf("the key is not where the parser found it")
	}
	raw := m.val.Value
	switch m.val.Style {
	case 0:
	case yaml.DoubleQuotedStyle:
		raw = `"` + raw + `"`
	case yaml.SingleQuotedStyle:
		raw = `'` + raw + `'`
	default:
		return fmt.Errorf("the value is not a plain or quoted scalar")
	}
	v := byteAt(text, m.val.Column)
	if v < k || !strings.HasPrefix(text[v:], raw) {
		return fmt.Errorf("the value is not written as the parser read it")
	}
	end := v + len(raw)
	before, rest := text[:k], strings.TrimSpace(text[end:])
	block := rest == "" || strings.HasPrefix(rest, "#")
	switch {
	case block && strings.TrimSpace(before) == "":
		e.dropped[i] = true
		return nil
	case block && strings.TrimSpace(before) == "-":
		// "- status: proposed" opens the item: the next key takes its dash
		j := i + 1
		for j < len(e.lines) && e.dropped[j] {
			j++
		}
		if j == len(e.lines) || len(e.lines[j]) <= k || strings.TrimSpace(e.lines[j][:k]) != "" || e.lines[j][k] == ' ' || e.lines[j][k] == '#' {
			return fmt.Errorf("it opens its item and no key follows on the next line at its column")
		}
		e.lines[j] = before + e.lines[j][k:]
		e.dropped[i] = true
		return nil
	}
	// in a flow mapping: {a: 1, status: proposed, b: 2}
	after := end
	for after < len(text) && text[after] == ' ' {
		after++
	}
	if after < len(text) && text[after] == ',' {
		after++
		for after < len(text) && text[after] == ' ' {
			after++
		}
		e.lines[i] = text[:k] + text[after:]
		return nil
	}
	b := k
	for b > 0 && text[b-1] == ' ' {
		b--
	}
	switch {
	case b > 0 && text[b-1] == ',':
		e.lines[i] = text[:b-1] + text[end:]
	case b > 0 && text[b-1] == '{':
		e.lines[i] = text[:k] + text[after:]
	default:
		return fmt.Errorf("no comma or brace around it")
	}
	return nil
}
