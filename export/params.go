package export

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/digidip/digidip/domain"
)

// Request is an export as a URL asks for it: the format, the selection and
// the options. The server parses it from /export's query and GraphQL builds
// the download URL of a subgraph with it, so both use the same names.
type Request struct {
	Format     Format
	Selection  Selection
	NoEvidence bool // csv only: leave evidence.csv out
}

// The query parameters of /export, in the order URLs write them.
var queryParams = []string{"format", "roots", "depth", "predicates", "kinds", "maxNodes", "from", "to", "maxHops", "evidence"}

// listParams take several values, comma-separated or repeated.
var listParams = map[string]bool{"roots": true, "predicates": true, "kinds": true}

// ParseQuery reads an export request from a URL query:
//
//	format=graphml&roots=global-gateway,d4d-hub&depth=2&predicates=funds&kinds=ACTOR
//	format=gexf&from=d4d-hub&to=european-commission&maxHops=4
//	format=csv&evidence=false
//
// It checks the syntax (unknown parameters, numbers, formats); Select
// checks the selection against the graph.
func ParseQuery(q url.Values) (Request, error) {
	var r Request
	for k, vs := range q {
		known := false
		for _, p := range queryParams {
			known = known || p == k
		}
		if !known {
			return r, invalid("unknown parameter %q; the parameters are %s", k, strings.Join(queryParams, ", "))
		}
		if len(vs) > 1 && !listParams[k] {
			return r, invalid("parameter %s is given %d times; give it once", k, len(vs))
		}
	}
	f, err := ParseFormat(q.Get("format"))
	if err != nil {
		return r, err
	}
	r.Format = f
	sel := &r.Selection
	sel.Roots = list(q["roots"])
	for _, p := range list(q["predicates"]) {
		sel.Predicates = append(sel.Predicates, NormalizePredicate(p))
	}
	for _, k := range list(q["kinds"]) {
		sel.Kinds = append(sel.Kinds, domain.Kind(strings.ToUpper(k)))
	}
	sel.From, sel.To = q.Get("from"), q.Get("to")
	ints := []struct {
		name string
		dst  *int
	}{{"depth", &sel.Depth}, {"maxNodes", &sel.MaxNodes}, {"maxHops", &sel.MaxHops}}
	for _, p := range ints {
		v := q.Get(p.name)
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			return r, invalid("%s must be a whole number, not %q", p.name, v)
		}
		*p.dst = n
	}
	if len(sel.Roots) > 0 && !q.Has("depth") {
		sel.Depth = DefaultDepth
	}
	if v := q.Get("evidence"); v != "" {
		if f != CSV {
			return r, invalid("evidence applies to the csv format only")
		}
		b, err := strconv.ParseBool(v)
		if err != nil {
			return r, invalid("evidence must be true or false, not %q", v)
		}
		r.NoEvidence = !b
	}
	return r, nil
}

// ParseRawQuery is ParseQuery of a URL's raw query. A malformed one (a bad
// %-escape, a semicolon) is refused: dropping the pairs it spoils would
// turn a selection into the whole graph.
func ParseRawQuery(raw string) (Request, error) {
	q, err := url.ParseQuery(raw)
	if err != nil {
		return Request{}, invalid("the query string is malformed: %v", err)
	}
	return ParseQuery(q)
}

// list splits comma-separated values and drops empty ones.
func list(vs []string) []string {
	var out []string
	for _, v := range vs {
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

// NormalizePredicate takes a predicate as the API's enum writes it
// (CALLS_ON) or as IRIs do (calls-on), and returns the id.
func NormalizePredicate(p string) string {
	return strings.ToLower(strings.ReplaceAll(p, "_", "-"))
}

// Query writes the request as /export's query, parameters in a fixed order
// and lists comma-separated, so the same request gives the same URL.
func (r Request) Query() string {
	vals := map[string]string{"format": string(r.Format)}
	s := r.Selection
	if len(s.Roots) > 0 {
		vals["roots"] = strings.Join(s.Roots, ",")
		vals["depth"] = strconv.Itoa(s.Depth)
	}
	if len(s.Predicates) > 0 {
		vals["predicates"] = strings.Join(s.Predicates, ",")
	}
	if len(s.Kinds) > 0 {
		ks := make([]string, len(s.Kinds))
		for i, k := range s.Kinds {
			ks[i] = string(k)
		}
		vals["kinds"] = strings.Join(ks, ",")
	}
	if s.MaxNodes > 0 {
		vals["maxNodes"] = strconv.Itoa(s.MaxNodes)
	}
	if s.From != "" || s.To != "" {
		vals["from"], vals["to"] = s.From, s.To
		if s.MaxHops > 0 {
			vals["maxHops"] = strconv.Itoa(s.MaxHops)
		}
	}
	if r.NoEvidence && r.Format == CSV {
		vals["evidence"] = "false"
	}
	var b strings.Builder
	for _, k := range queryParams {
		v, ok := vals[k]
		if !ok {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		// commas separate list items: keep them readable
		fmt.Fprintf(&b, "%s=%s", k, strings.ReplaceAll(url.QueryEscape(v), "%2C", ","))
	}
	return b.String()
}

// Path is the request as a URL path and query on the API's origin.
func (r Request) Path() string { return "/export?" + r.Query() }
