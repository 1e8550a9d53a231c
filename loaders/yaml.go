package loaders

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/digidip/digidip/domain"

	"go.yaml.in/yaml/v3"
)

// file is one data file being read; it collects problems with their lines.
type file struct {
	name string
	r    *reader
}

func (f *file) problem(line int, format string, args ...any) {
	f.r.problems = append(f.r.problems, Problem{File: f.name, Line: line, Msg: fmt.Sprintf(format, args...)})
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parse reads a YAML document; a syntax error becomes a problem at its line.
func (f *file) parse(data []byte) (*yaml.Node, bool) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		msg := err.Error()
		line := 0
		if m := yamlLine.FindStringSubmatch(msg); m != nil {
			line, _ = strconv.Atoi(m[1])
			msg = m[2]
			// yaml.v3 gives a parser error the 0-based line of the
			// construct it was parsing (scanner errors are 1-based):
			// name the construct's real line.
			if strings.HasPrefix(msg, "did not find expected") {
				line++
			}
		}
		f.problem(line, "malformed YAML: %s", msg)
		return nil, false
	}
	if len(doc.Content) == 0 {
		f.problem(1, "empty file")
		return nil, false
	}
	return doc.Content[0], true
}

// fields is a YAML mapping whose keys were checked against what is allowed.
type fields struct {
	f    *file
	node *yaml.Node
	m    map[string]*yaml.Node
}

// mapping checks that n is a mapping with only the allowed keys.
func (f *file) mapping(n *yaml.Node, what string, allowed ...string) (fields, bool) {
	if n.Kind != yaml.MappingNode {
		f.problem(n.Line, "%s must be a mapping, not %s", what, kindName(n))
		return fields{}, false
	}
	fs := fields{f: f, node: n, m: map[string]*yaml.Node{}}
	ok := map[string]bool{}
	for _, a := range allowed {
		ok[a] = true
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if !ok[k.Value] {
			known := append([]string(nil), allowed...)
			sort.Strings(known)
			f.problem(k.Line, "unknown field %q in %s (known: %s)", k.Value, what, strings.Join(known, ", "))
			continue
		}
		if _, dup := fs.m[k.Value]; dup {
			f.problem(k.Line, "field %q given twice", k.Value)
		}
		fs.m[k.Value] = v
	}
	return fs, true
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return fmt.Sprintf("the value %q", n.Value)
	}
	return "empty"
}

// line is the line of a field's value, or of the mapping if it is absent.
func (fs fields) line(key string) int {
	if v, ok := fs.m[key]; ok {
		return v.Line
	}
	return fs.node.Line
}

func (fs fields) has(key string) bool { _, ok := fs.m[key]; return ok }

// str reads a string field; a required one that is missing or empty is a
// problem.
func (fs fields) str(key string, required bool) string {
	v, ok := fs.m[key]
	if !ok || v.Tag == "!!null" {
		if required {
			fs.f.problem(fs.node.Line, "missing %q", key)
		}
		return ""
	}
	if v.Kind != yaml.ScalarNode {
		fs.f.problem(v.Line, "%q must be text, not %s", key, kindName(v))
		return ""
	}
	s := v.Value
	if required && strings.TrimSpace(s) == "" {
		fs.f.problem(v.Line, "%q is empty", key)
	}
	return s
}

func (fs fields) strs(key string) []string {
	v, ok := fs.m[key]
	if !ok || v.Tag == "!!null" {
		return nil
	}
	if v.Kind != yaml.SequenceNode {
		fs.f.problem(v.Line, "%q must be a list of text", key)
		return nil
	}
	out := make([]string, 0, len(v.Content))
	for _, c := range v.Content {
		if c.Kind != yaml.ScalarNode || strings.TrimSpace(c.Value) == "" {
			fs.f.problem(c.Line, "%q must hold non-empty text items", key)
			continue
		}
		out = append(out, c.Value)
	}
	return out
}

func (fs fields) boolean(key string) bool {
	v, ok := fs.m[key]
	if !ok {
		return false
	}
	var b bool
	if v.Kind != yaml.ScalarNode || v.Decode(&b) != nil {
		fs.f.problem(v.Line, "%q must be true or false", key)
	}
	return b
}

func (fs fields) integer(key string, def int) int {
	v, ok := fs.m[key]
	if !ok {
		return def
	}
	var n int
	if v.Kind != yaml.ScalarNode || v.Decode(&n) != nil {
		fs.f.problem(v.Line, "%q must be a whole number", key)
		return def
	}
	return n
}

func (fs fields) number(key string) *float64 {
	v, ok := fs.m[key]
	if !ok {
		return nil
	}
	var x float64
	if v.Kind != yaml.ScalarNode || v.Decode(&x) != nil {
		fs.f.problem(v.Line, "%q must be a number", key)
		return nil
	}
	return &x
}

// kinds reads a required list of entity kinds: a predicate's contract.
func (fs fields) kinds(key string) []domain.Kind {
	v, ok := fs.m[key]
	if !ok || v.Tag == "!!null" {
		fs.f.problem(fs.node.Line, "missing %q: the kinds a relation's %s may have (%s)", key, key, domain.JoinKinds(", "))
		return nil
	}
	if v.Kind != yaml.SequenceNode || len(v.Content) == 0 {
		fs.f.problem(v.Line, "%q must be a list of kinds (%s)", key, domain.JoinKinds(", "))
		return nil
	}
	var out []domain.Kind
	for _, c := range v.Content {
		k := domain.Kind(c.Value)
		switch {
		case c.Kind != yaml.ScalarNode || !k.Valid():
			fs.f.problem(c.Line, "unknown kind %q in %q (known: %s)", c.Value, key, domain.JoinKinds(", "))
		case slices.Contains(out, k):
			fs.f.problem(c.Line, "kind %s given twice in %q", k, key)
		default:
			out = append(out, k)
		}
	}
	return domain.SortKinds(out)
}

// list returns the items of a list field.
func (fs fields) list(key string, required bool) []*yaml.Node {
	v, ok := fs.m[key]
	if !ok || v.Tag == "!!null" {
		if required {
			fs.f.problem(fs.node.Line, "missing %q", key)
		}
		return nil
	}
	if v.Kind != yaml.SequenceNode {
		fs.f.problem(v.Line, "%q must be a list", key)
		return nil
	}
	return v.Content
}

func (f *file) list(n *yaml.Node, what string) []*yaml.Node {
	if n.Kind != yaml.SequenceNode {
		f.problem(n.Line, "%s must be a list, not %s", what, kindName(n))
		return nil
	}
	return n.Content
}
