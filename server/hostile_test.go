package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/digidip/digidip/data/datatest"
	"github.com/digidip/digidip/server"
)

// hostile is one bad, odd or malicious request and the exact answer it must
// get: its status, its extensions.code ("" for none) and a part of its
// message.
type hostile struct {
	name   string
	method string // default POST
	target string // default /graphql
	ctype  string // default application/json
	accept string // default application/graphql-response+json
	origin string
	body   string
	status int
	code   string
	msg    string
	check  func(t *testing.T, r result)
}

func gql(q string) string {
	b, _ := json.Marshal(map[string]string{"query": q})
	return string(b)
}

func repeat(s string, n int) string { return strings.Repeat(s, n) }

func hostileCases() []hostile {
	nested := `{ entities(first: 100) { nodes { relations(first: 100) { nodes { subject { relations(first: 100) { nodes { object { relations(first: 100) { nodes { id } } } } } } } } } } }`
	deep := `{ entity(id: "global-gateway") { ` + repeat("relations { nodes { subject { ", 17) + "id" + repeat(" } } }", 17) + " } }"
	var aliases strings.Builder
	aliases.WriteString("{ ")
	for i := range 100 {
		fmt.Fprintf(&aliases, "a%d: stats { entities } ", i)
	}
	aliases.WriteString("}")
	// Fields that answer to one key but differ: validation compares them
	// pair by pair and reports every pair (a 250 MB error list at 1,000).
	conflicts := func(pairs int) string {
		return `{ entity(id: "eu") { ` + repeat("x: name x: id ", pairs) + `} }`
	}
	// F0 spreads F1 twice, F1 spreads F2 twice...: 2^20 fields once expanded.
	var bomb strings.Builder
	bomb.WriteString("{ entity(id: \"eu\") { ...F0 } }")
	for i := range 20 {
		fmt.Fprintf(&bomb, " fragment F%d on Entity { ...F%d ...F%d }", i, i+1, i+1)
	}
	bomb.WriteString(" fragment F20 on Entity { id }")
	var intro30 strings.Builder
	intro30.WriteString("{ ")
	for i := range 30 {
		fmt.Fprintf(&intro30, "s%d: __schema { types { name kind description fields { name description args { name type { name } } type { name ofType { name } } } } } ", i)
	}
	intro30.WriteString("}")
	var wide strings.Builder
	wide.WriteString("{ entity(id: \"eu\") { ")
	for i := range 250 {
		fmt.Fprintf(&wide, "f%d: id ", i)
	}
	wide.WriteString("} }")
	// Ten `x: name` and ten `x: id` make 100 conflicting pairs: the first
	// 20 are listed, then how many more.
	truncated := func(t *testing.T, r result) {
		if n := len(r.resp.Errors); n != 21 || r.resp.Errors[20].Message != "and 80 more errors" {
			t.Errorf("%d errors, the last %q; want 20 and a count of the rest", n, r.resp.Errors[n-1].Message)
		}
	}
	small := func(t *testing.T, r result) {
		if len(r.body) > 4<<10 {
			t.Errorf("the refusal is %d bytes", len(r.body))
		}
	}
	notNull := func(field string) func(t *testing.T, r result) {
		return func(t *testing.T, r result) {
			var d map[string]json.RawMessage
			json.Unmarshal(r.resp.Data, &d)
			if string(d[field]) == "null" || d[field] == nil {
				t.Errorf("%s is null: %s", field, r.body)
			}
		}
	}
	isNull := func(field string) func(t *testing.T, r result) {
		return func(t *testing.T, r result) {
			var d map[string]json.RawMessage
			json.Unmarshal(r.resp.Data, &d)
			if string(d[field]) != "null" {
				t.Errorf("%s is %s, want null", field, d[field])
			}
		}
	}
	costIn := func(t *testing.T, r result) {
		cost, _ := r.resp.Errors[0].Extensions["cost"].(map[string]any)
		if cost == nil || cost["requested"].(float64) <= cost["limit"].(float64) {
			t.Errorf("no cost over the limit in the error: %s", r.body)
		}
	}
	noCORS := func(t *testing.T, r result) {
		if v := r.header.Get("Access-Control-Allow-Origin"); v != "" {
			t.Errorf("Access-Control-Allow-Origin %q for a foreign origin", v)
		}
	}
	return []hostile{
		// the request itself
		{name: "malformed JSON", body: `{"query":`, status: 400, code: "BAD_REQUEST", msg: "not valid JSON"},
		{name: "JSON that is not an object", body: `42`, status: 400, code: "BAD_REQUEST", msg: "JSON object"},
		{name: "a batch array", body: `[` + gql(`{ stats { entities } }`) + `]`, status: 400, code: "BAD_REQUEST", msg: "JSON object"},
		{name: "missing query", body: `{"variables":{}}`, status: 400, code: "BAD_REQUEST", msg: "no `query`"},
		{name: "members in another case", body: `{"Query":"{ stats { entities } }"}`, status: 400, code: "BAD_REQUEST", msg: "no `query`"},
		{name: "a persisted query that is not one", body: `{"extensions":{"persistedQuery":""}}`, status: 400, code: "PERSISTED_QUERY_INVALID", msg: "invalid APQ extension data"},
		{name: "a persisted query whose hash lies", body: `{"query":"{ stats { entities } }","extensions":{"persistedQuery":{"version":1,"sha256Hash":"00"}}}`, status: 400, code: "PERSISTED_QUERY_INVALID", msg: "hash does not match"},
		{name: "query not a string", body: `{"query":["{ stats { entities } }"]}`, status: 400, code: "BAD_REQUEST", msg: "`query` must be a string"},
		{name: "wrong Content-Type", ctype: "text/plain", body: gql(`{ stats { entities } }`), status: 415, code: "UNSUPPORTED_MEDIA_TYPE", msg: "application/json"},
		{name: "form Content-Type", ctype: "application/x-www-form-urlencoded", body: "query=%7Bstats%7Bentities%7D%7D", status: 415, code: "UNSUPPORTED_MEDIA_TYPE", msg: "application/json"},
		{name: "GET with a mutation", method: "GET", target: "/graphql?query=" + url.QueryEscape(`mutation { stats { entities } }`), status: 405, code: "METHOD_NOT_ALLOWED", msg: "send a mutation with POST"},
		{name: "GET with a subscription", method: "GET", target: "/graphql?query=" + url.QueryEscape(`subscription { stats { entities } }`), status: 405, code: "METHOD_NOT_ALLOWED", msg: "send a subscription with POST"},
		{name: "POST with a mutation", body: gql(`mutation { stats { entities } }`), status: 400, code: "GRAPHQL_VALIDATION_FAILED", msg: "mutation"},
		{name: "unknown operation name", body: `{"query":"query A { stats { entities } }","operationName":"B"}`, status: 400, code: "GRAPHQL_VALIDATION_FAILED", msg: "operation B not found"},
		{name: "several operations and no name", body: gql(`query A { stats { entities } } query B { stats { relations } }`), status: 400, code: "GRAPHQL_VALIDATION_FAILED", msg: "name the one to run in operationName"},
		{name: "a body over the limit", body: `{"query":"` + repeat(" ", 600<<10) + `{ stats { entities } }"}`, status: 413, code: "REQUEST_TOO_LARGE", msg: "512 KiB"},
		{name: "a 1 MB query string", body: gql(`{ search(text: "` + repeat("x", 1<<20) + `") { id } }`), status: 413, code: "REQUEST_TOO_LARGE", msg: "512 KiB"},
		{name: "a 1 MB query in a GET URL", method: "GET", target: "/graphql?query=" + repeat("x", 1<<20), status: 431, code: "", msg: ""},
		{name: "the token limit", body: gql(`{ ` + repeat("stats { entities } ", 4000) + `}`), status: 400, code: "GRAPHQL_PARSE_FAILED", msg: "token limit"},
		// the query's shape
		{name: "depth 50", body: gql(deep), status: 400, code: "DEPTH_LIMIT_EXCEEDED", msg: "the limit is 15"},
		{name: "100 aliases of one field", body: gql(aliases.String()), status: 400, code: "ALIAS_LIMIT_EXCEEDED", msg: "100 aliases; the limit is 30"},
		{name: "1,000 pairs of conflicting aliases", body: gql(conflicts(1000)), status: 400, code: "DOCUMENT_LIMIT_EXCEEDED", msg: "the document holds 2001 fields", check: small},
		{name: "80 pairs of conflicting aliases", body: gql(conflicts(80)), status: 400, code: "DOCUMENT_LIMIT_EXCEEDED", msg: "`x` is asked for 160 times at `entity`; the limit is 30", check: small},
		{name: "10 pairs of conflicting aliases", body: gql(conflicts(10)), status: 400, code: "GRAPHQL_VALIDATION_FAILED", msg: `Fields "x" conflict`, check: truncated},
		{name: "2,400 pairs of conflicting aliases", body: gql(conflicts(2400)), status: 400, code: "DOCUMENT_LIMIT_EXCEEDED", msg: "the document holds 4801 fields", check: small},
		{name: "one field 14,900 times", body: gql(`{ ` + repeat("__typename ", 14900) + `}`), status: 400, code: "DOCUMENT_LIMIT_EXCEEDED", msg: "the document holds 14900 fields", check: small},
		{name: "one field 1,900 times", body: gql(`{ ` + repeat("__typename ", 1900) + `}`), status: 400, code: "DOCUMENT_LIMIT_EXCEEDED", msg: "the selection at the top level holds 1900 fields", check: small},
		{name: "250 fields at one place", body: gql(wide.String()), status: 400, code: "DOCUMENT_LIMIT_EXCEEDED", msg: "the selection at `entity` holds 250 fields", check: small},
		{name: "a fragment bomb (2^20 fields)", body: gql(bomb.String()), status: 400, code: "DOCUMENT_LIMIT_EXCEEDED", msg: "the document holds", check: small},
		{name: "30 aliased introspection queries", body: gql(intro30.String()), status: 400, code: "COMPLEXITY_LIMIT_EXCEEDED", check: small},
		{name: "a fragment cycle", body: gql(`query { ...A } fragment A on Query { ...B stats { entities } } fragment B on Query { ...A }`), status: 400, code: "GRAPHQL_VALIDATION_FAILED", msg: "Cannot spread fragment"},
		{name: "a fragment spread 10,000 times", body: gql(`{ ` + repeat("...F ", 10000) + `} fragment F on Query { stats { entities } }`), status: 400, code: "GRAPHQL_PARSE_FAILED", msg: "token limit"},
		{name: "1,000 directives on a field", body: gql(`{ stats ` + repeat("@skip(if: false) ", 1000) + `{ entities } }`), status: 400, code: "DOCUMENT_LIMIT_EXCEEDED", msg: "1000 directives", check: small},
		{name: "a directive used twice", body: gql(`{ stats @skip(if: false) @skip(if: false) { entities } }`), status: 400, code: "GRAPHQL_VALIDATION_FAILED", msg: "can only be used once"},
		{name: "first:100 four lists deep", body: gql(nested), status: 400, code: "COMPLEXITY_LIMIT_EXCEEDED", msg: "the limit is 20000", check: costIn},
		{name: "first: -1", body: gql(`{ entities(first: -1) { totalCount } }`), status: 200, code: "BAD_USER_INPUT", msg: "first must be between 1 and 100, not -1"},
		{name: "first: 0", body: gql(`{ entities(first: 0) { totalCount } }`), status: 200, code: "BAD_USER_INPUT", msg: "first must be between 1 and 100, not 0"},
		{name: "first: 1000000", body: gql(`{ entities(first: 1000000) { totalCount } }`), status: 200, code: "BAD_USER_INPUT", msg: "first must be between 1 and 100, not 1000000"},
		{name: "a forged cursor", body: gql(`{ entities(after: "djE6Z2xvYmFs=") { totalCount } }`), status: 200, code: "BAD_CURSOR", msg: "cursor this API gave out"},
		{name: "a garbled cursor", body: gql(`{ entities(after: "%%%") { totalCount } }`), status: 200, code: "BAD_CURSOR", msg: "cursor this API gave out"},
		// the values
		{name: "an unknown id", body: gql(`{ entity(id: "no-such-entity") { id } }`), status: 200, code: "NOT_FOUND", msg: `entity "no-such-entity" not found`, check: isNull("entity")},
		{name: "an id of another type", body: gql(`{ entity(id: "council-2023:7") { id } }`), status: 200, code: "NOT_FOUND", msg: `entity "council-2023:7" not found`, check: isNull("entity")},
		{name: "an id that is not an ID", body: gql(`{ entity(id: true) { id } }`), status: 400, code: "GRAPHQL_VALIDATION_FAILED", msg: "ID cannot represent a non-string and non-integer value: true"},
		{name: "a variable of the wrong type", body: `{"query":"query($n: Int) { entities(first: $n) { totalCount } }","variables":{"n":"ten"}}`, status: 400, code: "GRAPHQL_VALIDATION_FAILED", msg: "cannot use string as Int"},
		{name: "an enum value that is not one", body: gql(`{ entities(kind: SPACESHIP) { totalCount } }`), status: 400, code: "GRAPHQL_VALIDATION_FAILED", msg: "SPACESHIP"},
		{name: "NUL bytes in strings", body: gql("{ search(text: \"ITU\\u0000\") { id } entity(id: \"itu\\u0000\") { id } }"), status: 200, code: "NOT_FOUND", msg: `did you mean "itu"`, check: isNull("entity")},
		{name: "invalid UTF-8 in strings", body: "{\"query\":\"{ search(text: \\\"I\xffT\xfeU\\\") { id } }\"}", status: 200, check: notNull("search")},
		{name: "a 100 KB search text", body: gql(`{ search(text: "` + repeat("a", 100<<10) + `") { id } }`), status: 200, code: "BAD_USER_INPUT", msg: "longer than 200 characters"},
		{name: "a path between unknown ids", body: gql(`{ path(from: "x", to: "y") { length } }`), status: 200, code: "NOT_FOUND", msg: `entity "x"`},
		{name: "a timeline window that is not a date", body: gql(`{ timeline(from: "yesterday") { date } }`), status: 200, code: "BAD_USER_INPUT", msg: "not an ISO 8601 date"},
		{name: "introspection of the whole schema (on by default)", body: gql(`{ __schema { types { name fields { name args { name } } } } }`), status: 200, check: notNull("__schema")},
		{name: "an Origin not in the allow-list", origin: "https://evil.example", body: gql(`{ stats { entities } }`), status: 200, check: noCORS},
		// the export endpoint
		{name: "export: unknown format", method: "GET", target: "/export?format=xlsx", status: 400, code: "BAD_USER_INPUT", msg: "graphml"},
		{name: "export: unknown root", method: "GET", target: "/export?format=graphml&roots=no-such-root", status: 404, code: "NOT_FOUND", msg: "no-such-root"},
		{name: "export: depth above the maximum", method: "GET", target: "/export?format=graphml&roots=global-gateway&depth=99", status: 400, code: "BAD_USER_INPUT", msg: "maximum, 4"},
		{name: "export: depth not a number", method: "GET", target: "/export?format=graphml&roots=global-gateway&depth=two", status: 400, code: "BAD_USER_INPUT", msg: "depth"},
		{name: "export: 10,000 roots", method: "GET", target: "/export?format=graphml&roots=" + repeat("global-gateway,", 10000), status: 431},
		{name: "export: unknown parameter", method: "GET", target: "/export?format=graphml&rooots=global-gateway", status: 400, code: "BAD_USER_INPUT", msg: "rooots"},
		{name: "export: NUL in a root", method: "GET", target: "/export?format=graphml&roots=global%00gateway", status: 404, code: "NOT_FOUND"},
		// the pages
		{name: "explorer: a script in the query string", method: "GET", target: "/explore?q=%3Cscript%3Ealert(1)%3C/script%3E", accept: "text/html", status: 200,
			check: func(t *testing.T, r result) {
				if bytes.Contains(r.body, []byte("<script>alert")) {
					t.Error("the page reflects the query string")
				}
			}},
		{name: "explorer: a path outside the assets", method: "GET", target: "/assets/../../../etc/passwd", accept: "text/html", status: 404},
		{name: "explorer: an unknown asset", method: "GET", target: "/assets/nosuch.js", accept: "*/*", status: 404},
		{name: "a method the API has not", method: "DELETE", status: 405, code: "METHOD_NOT_ALLOWED", msg: "GET or POST"},
	}
}

// TestHostile sends every hostile request of the table to a real server
// (with the connection limits `digidip serve` uses) and checks the exact
// answer, then that a normal query is still answered.
func TestHostile(t *testing.T) {
	st := datatest.Store(t)
	cfg := server.Config{CORSOrigins: []string{"https://explorer.example"}}
	logs := &logBuffer{}
	cfg.Logger = slog.New(slog.NewTextHandler(logs, nil))
	srv := httptest.NewUnstartedServer(server.New(st, cfg))
	hs := server.NewHTTPServer(srv.Config.Handler, cfg)
	srv.Config = hs
	srv.Start()
	t.Cleanup(srv.Close)

	var rows []string
	for _, tt := range hostileCases() {
		t.Run(tt.name, func(t *testing.T) {
			method, target, ctype, accept := tt.method, tt.target, tt.ctype, tt.accept
			if method == "" {
				method = http.MethodPost
			}
			if target == "" {
				target = "/graphql"
			}
			if ctype == "" && method == http.MethodPost {
				ctype = "application/json"
			}
			if accept == "" {
				accept = "application/graphql-response+json"
			}
			req, err := http.NewRequest(method, srv.URL+target, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if ctype != "" {
				req.Header.Set("Content-Type", ctype)
			}
			req.Header.Set("Accept", accept)
			if tt.origin != "" {
				req.Header.Set("Origin", tt.origin)
			}
			start := time.Now()
			r := do(t, req)
			took := time.Since(start)
			pass := true
			if r.status != tt.status {
				t.Errorf("status %d, want %d: %.300s", r.status, tt.status, r.body)
				pass = false
			}
			if r.resp.code() != tt.code {
				t.Errorf("code %q, want %q: %.300s", r.resp.code(), tt.code, r.body)
				pass = false
			}
			if tt.msg != "" && (len(r.resp.Errors) == 0 || !strings.Contains(r.resp.Errors[0].Message, tt.msg)) {
				t.Errorf("message %.300s, want it to contain %q", r.body, tt.msg)
				pass = false
			}
			if tt.check != nil {
				tt.check(t, r)
				pass = pass && !t.Failed()
			}
			// Whatever came before, a normal query is answered.
			after := post(t, srv, `{ entity(id: "global-gateway") { name } }`, nil)
			if after.status != 200 || after.resp.code() != "" || !strings.Contains(string(after.body), "Global Gateway") {
				t.Errorf("the normal query after it: %d %s", after.status, after.body)
				pass = false
			}
			verdict := "ok"
			if !pass {
				verdict = "FAIL"
			}
			rows = append(rows, fmt.Sprintf("| %s | %d | %s | %s | %s |", tt.name, r.status, orDash(r.resp.code()), took.Round(time.Millisecond), verdict))
		})
	}
	t.Logf("hostile inputs: %d tried\n| input | status | code | took | |\n|---|---|---|---|---|\n%s", len(rows), strings.Join(rows, "\n"))
	if strings.Contains(logs.String(), "panic") {
		t.Errorf("the server panicked:\n%s", logs)
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// With introspection off, the schema does not describe itself, and errors
// do not suggest field names.
func TestIntrospectionOff(t *testing.T) {
	st := datatest.Store(t)
	srv, _ := newServer(t, st, server.Config{NoIntrospection: true})
	if r := post(t, srv, `{ __schema { types { name } } }`, nil); r.resp.code() != "GRAPHQL_VALIDATION_FAILED" || !strings.Contains(r.resp.Errors[0].Message, "introspection is disabled") {
		t.Errorf("introspection when off: %s", r.body)
	}
	if r := post(t, srv, `{ entit(id: "x") { id } }`, nil); strings.Contains(string(r.body), "Did you mean") {
		t.Errorf("a suggestion leaks the schema: %s", r.body)
	}
	if r := post(t, srv, `{ stats { entities } }`, nil); r.status != 200 || r.resp.code() != "" {
		t.Errorf("a normal query: %s", r.body)
	}
}
