package loaders

import (
	"fmt"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

// RelationsFile is a reviewed relations file, one an accepted relation may
// already be stated in.
type RelationsFile struct {
	Name string // as problems name it
	Data []byte
}

// Move is an accepted relation that another relations file states
// already: accepting it takes it out of the draft and adds its evidence
// to that file's entry, as the loader's rule of one triple, one place,
// asks.
type Move struct {
	ID     string
	Line   int // the relation's first line in the draft
	Quotes int
	File   string // the file that states it
	At     int    // the relation's first line there, as written
	States bool   // the move turned implied: true there to false
}

// Edit is another relations file as accepting a draft writes it.
type Edit struct {
	Name string
	Data []byte
	Old  []byte
	from []origin // for each line of Data
}

// origin is where a line of an edited file comes from: a line of the
// original (0 for an added line), and the draft line of the evidence it
// holds, if it holds some moved there.
type origin struct{ old, draft int }

// Origin is the line of the original file that line n of Data was (0 for
// a line added), and the draft line of the evidence moved onto it (0 for
// none).
func (e *Edit) Origin(n int) (old, draft int) {
	if n < 1 || n > len(e.from) {
		return n, 0
	}
	return e.from[n-1].old, e.from[n-1].draft
}

// stated is a relation as a reviewed file states it.
type stated struct {
	file int // in the files given
	node *yaml.Node
	doc  string // the file's doc:
}

// statedIn finds the first reviewed statement of each relation in files,
// in their order: the one the loader keeps.
func statedIn(files []RelationsFile) (map[string]stated, []*yaml.Node) {
	out := map[string]stated{}
	roots := make([]*yaml.Node, len(files))
	for i, f := range files {
		var doc yaml.Node
		// a file that does not parse is the loader's to report
		if yaml.Unmarshal(f.Data, &doc) != nil || len(doc.Content) == 0 {
			continue
		}
		root := doc.Content[0]
		nodes, kind, err := graphItems(root)
		if err != nil || kind != "relation" {
			continue
		}
		roots[i] = root
		d := scalar(value(root, "doc"))
		for _, n := range nodes {
			id := itemID(n, kind)
			if _, seen := out[id]; seen || value(n, "status") != nil {
				continue
			}
			out[id] = stated{file: i, node: n, doc: d}
		}
	}
	return out, roots
}

func scalar(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode {
		return ""
	}
	return n.Value
}

func implied(n *yaml.Node) bool {
	var b bool
	v := value(n, "implied")
	return v != nil && v.Decode(&b) == nil && b
}

// flowEvidence writes an evidence item of a draft as one flow mapping for
// a file whose doc: is doc: with a doc: key when its document is another,
// every value quoted as the YAML encoder quotes it.
func flowEvidence(n *yaml.Node, draftDoc, doc string) (string, error) {
	if n.Kind != yaml.MappingNode {
		return "", fmt.Errorf("line %d: an evidence item must be a mapping", n.Line)
	}
	own := draftDoc
	if d := value(n, "doc"); d != nil {
		own = scalar(d)
	}
	m := &yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle}
	if own != doc {
		m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "doc"}, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: own})
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Value == "doc" {
			continue
		}
		if v.Kind != yaml.ScalarNode {
			return "", fmt.Errorf("line %d: %q is not a single value", v.Line, k.Value)
		}
		m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: k.Value}, &yaml.Node{Kind: yaml.ScalarNode, Tag: v.ShortTag(), Value: v.Value})
	}
	b, err := yaml.Marshal(m)
	if err != nil {
		return "", fmt.Errorf("line %d: %w", n.Line, err)
	}
	s := strings.TrimSuffix(string(b), "\n")
	if strings.Contains(s, "\n") {
		return "", fmt.Errorf("line %d: the evidence item does not fit on one line", n.Line)
	}
	return s, nil
}

var dashOnly = regexp.MustCompile(`^ *- +$`)

// itemLines are the lines a list item of the original spans, 0-based and
// inclusive: from its dash to its last line of text, continuation lines
// more indented than the dash included, comments after it not (they head
// what follows). ok is false when the item shares a line with another
// node, so that lines cannot take it out alone.
func (e *lineEditor) itemLines(n *yaml.Node, limit int) (first, last, dash int, ok bool) {
	first = n.Line - 1
	text := e.lines[first]
	before := text[:byteAt(text, n.Column)]
	if !dashOnly.MatchString(before) {
		return 0, 0, 0, false
	}
	dash = strings.Index(before, "-")
	last = lastLine(n) - 1
	for j := last + 1; j < limit && j < len(e.lines); j++ {
		t := strings.TrimSpace(e.lines[j])
		ind := len(e.lines[j]) - len(strings.TrimLeft(e.lines[j], " "))
		if t == "" || strings.HasPrefix(t, "#") || ind <= dash {
			break
		}
		last = j
	}
	return first, last, dash, true
}

// itemLimit is the line, 0-based, before which item i of a list ends:
// the next item's, or the end of the file.
func itemLimit(nodes []*yaml.Node, i, lines int) int {
	if i+1 < len(nodes) {
		return nodes[i+1].Line - 1
	}
	return lines
}

// closeBracket finds the bracket that closes the flow sequence opening at
// line i, byte k of the original, quotes and comments skipped.
func (e *lineEditor) closeBracket(i, k int) (int, int, bool) {
	depth := 0
	for ; i < len(e.lines); i, k = i+1, 0 {
		l := e.lines[i]
		for ; k < len(l); k++ {
			switch c := l[k]; c {
			case '"', '\'':
				for k++; k < len(l); k++ {
					if c == '"' && l[k] == '\\' {
						k++
					} else if l[k] == c {
						if c == '\'' && k+1 < len(l) && l[k+1] == '\'' {
							k++
							continue
						}
						break
					}
				}
			case '#':
				if k == 0 || l[k-1] == ' ' || l[k-1] == '\t' {
					k = len(l)
				}
			case '[', '{':
				depth++
			case ']', '}':
				depth--
				if depth == 0 {
					return i, k, c == ']'
				}
			}
		}
	}
	return 0, 0, false
}

// addEvidence appends evidence items, one flow mapping each, to the
// evidence list of a relation: a line each at the list's indentation for
// a block list, inside the brackets for a flow one. from are the items'
// draft lines.
func (e *lineEditor) addEvidence(rel *yaml.Node, limit int, items []string, from []int) error {
	ev := value(rel, "evidence")
	if ev == nil || ev.Kind != yaml.SequenceNode {
		return fmt.Errorf("its evidence is not a list")
	}
	if ev.Style&yaml.FlowStyle == 0 {
		if len(ev.Content) == 0 {
			return fmt.Errorf("its evidence list is empty")
		}
		_, _, dash, ok := e.itemLines(ev.Content[0], limit)
		if !ok {
			return fmt.Errorf("its first evidence item does not begin its line")
		}
		_, last, _, ok := e.itemLines(ev.Content[len(ev.Content)-1], limit)
		if !ok {
			return fmt.Errorf("its last evidence item does not begin its line")
		}
		for x, it := range items {
			e.after[last] = append(e.after[last], strings.Repeat(" ", dash)+"- "+it)
			e.afterFrom[last] = append(e.afterFrom[last], from[x])
		}
		return nil
	}
	i := ev.Line - 1
	k := byteAt(e.lines[i], ev.Column)
	if k >= len(e.lines[i]) || e.lines[i][k] != '[' {
		return fmt.Errorf("its evidence list is not where the parser found it")
	}
	j, c, ok := e.closeBracket(i, k)
	if !ok {
		return fmt.Errorf("its evidence list has no closing bracket")
	}
	l := e.lines[j]
	at := len(strings.TrimRight(l[:c], " "))
	text := strings.Join(items, ", ")
	switch {
	case len(ev.Content) == 0:
		at = c
	case at > 0 && l[at-1] == ',':
		text = " " + text
	case at == 0:
		return fmt.Errorf("its evidence list closes on a line of its own")
	default:
		text = ", " + text
	}
	e.lines[j] = l[:at] + text + l[at:]
	if e.lineFrom[j] == 0 {
		e.lineFrom[j] = from[0]
	}
	return nil
}

// edited is the file with its insertions, and where each line comes from.
func (e *lineEditor) edited() ([]byte, []origin) {
	var b strings.Builder
	var from []origin
	for i, l := range e.lines {
		end := e.ends[i]
		if len(e.after[i]) > 0 && end == "" {
			end = "\n"
		}
		b.WriteString(l)
		b.WriteString(end)
		from = append(from, origin{i + 1, e.lineFrom[i]})
		for x, a := range e.after[i] {
			b.WriteString(a)
			if x+1 < len(e.after[i]) || e.ends[i] != "" {
				b.WriteString(end)
			}
			from = append(from, origin{0, e.afterFrom[i][x]})
		}
	}
	return []byte(b.String()), from
}

// moveTo adds the evidence of the moved relations to the files that state
// them, and checks that each file then parses with each relation's
// evidence grown by what was moved there.
func moveTo(files []RelationsFile, roots []*yaml.Node, moves map[int][]pending) ([]Edit, error) {
	var edits []Edit
	for i, f := range files {
		ps := moves[i]
		if len(ps) == 0 {
			continue
		}
		e := newLineEditor(f.Data)
		nodes, _, _ := graphItems(roots[i])
		want, stated := map[string]int{}, map[string]bool{}
		for _, p := range ps {
			limit := len(e.lines)
			for x, n := range nodes {
				if n == p.to.node {
					limit = itemLimit(nodes, x, len(e.lines))
				}
			}
			if err := e.addEvidence(p.to.node, limit, p.items, p.from); err != nil {
				return nil, fmt.Errorf("%s:%d: cannot add the evidence of %s by editing lines: %v; add it there by hand", f.Name, p.to.node.Line, p.id, err)
			}
			if p.states {
				if err := e.replaceScalar(value(p.to.node, "implied"), "false"); err != nil {
					return nil, fmt.Errorf("%s:%d: cannot set implied: false on %s by editing its line: %v; set it by hand", f.Name, p.to.node.Line, p.id, err)
				}
			}
			want[p.id] = len(value(p.to.node, "evidence").Content) + len(p.items)
			stated[p.id] = p.states
		}
		data, from := e.edited()
		var doc yaml.Node
		if err := yaml.Unmarshal(data, &doc); err != nil || len(doc.Content) == 0 {
			return nil, fmt.Errorf("%s: adding the evidence breaks the file (%v): add it by hand", f.Name, err)
		}
		after, _, err := graphItems(doc.Content[0])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.Name, err)
		}
		for _, n := range after {
			id := itemID(n, "relation")
			if w, ok := want[id]; ok && value(n, "status") == nil {
				if ev := value(n, "evidence"); ev == nil || len(ev.Content) != w {
					return nil, fmt.Errorf("%s:%d: adding the evidence of %s did not give it %d evidence items: add it by hand", f.Name, n.Line, id, w)
				}
				if stated[id] && implied(n) {
					return nil, fmt.Errorf("%s:%d: %s is still implied: set implied: false by hand", f.Name, n.Line, id)
				}
				delete(want, id)
			}
		}
		if len(want) > 0 {
			return nil, fmt.Errorf("%s: adding the evidence lost relations: add it by hand", f.Name)
		}
		edits = append(edits, Edit{Name: f.Name, Data: data, Old: f.Data, from: from})
	}
	return edits, nil
}

// pending is evidence of an accepted relation to move to another file.
type pending struct {
	id     string
	to     stated
	items  []string // flow mappings
	from   []int    // their draft lines
	states bool     // the evidence states what the file has as implied
}

// replaceScalar writes text in place of a plain scalar's value, on its line.
func (e *lineEditor) replaceScalar(v *yaml.Node, text string) error {
	if v == nil || v.Kind != yaml.ScalarNode || v.Style != 0 {
		return fmt.Errorf("not a plain scalar")
	}
	l := e.lines[v.Line-1]
	k := byteAt(l, v.Column)
	if !strings.HasPrefix(l[k:], v.Value) {
		return fmt.Errorf("%q is not where the parser found it", v.Value)
	}
	e.lines[v.Line-1] = l[:k] + text + l[k+len(v.Value):]
	return nil
}

// newLine is the line of an edited file that line old of the original
// became.
func (e *Edit) newLine(old int) int {
	for n, o := range e.from {
		if o.old == old {
			return n + 1
		}
	}
	return old
}
