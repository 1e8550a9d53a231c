package server_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/digidip/digidip/server"
)

// A malformed query string is a bad request wherever a handler reads the
// query: dropping the pairs it spoils would answer another question (the
// whole graph for a selection).
func TestMalformedQueryStrings(t *testing.T) {
	st := openStore(t)
	srv, _ := newServer(t, st, server.Config{})
	long := strings.Repeat("x", 60<<10)
	for _, tc := range []struct {
		name, target string
		status       int
		msg          string
	}{
		{"bad escape in roots", "/export?format=nquads&roots=%zz", 400, `the query string is malformed: invalid URL escape "%zz"`},
		{"bad escape in a name", "/export?format=graphml&%zzroots=d4d-hub", 400, "the query string is malformed"},
		{"semicolon", "/export?format=graphml;roots=d4d-hub", 400, "the query string is malformed"},
		{"truncated escape", "/export?format=graphml&roots=d4d-hub%2", 400, "the query string is malformed"},
		{"GraphQL over GET", "/graphql?query=%7Bstats%7Bentities%7D%7D&x=%zz", 400, "the query string is malformed"},
		{"60 KB unknown root", "/export?format=nquads&roots=" + long, 400, "root 1 is 61440 bytes, longer than the longest an id may be, 256"},
		{"60 KB unknown path end", "/export?format=gexf&from=d4d-hub&to=" + long, 400, "to entity id is 61440 bytes"},
		// the well-formed neighbours still work
		{"well formed", "/export?format=nquads&roots=d4d-hub%2Cglobal-gateway", 200, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, srv.URL+tc.target, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Accept", "application/graphql-response+json")
			r := do(t, req)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %.300s", r.status, tc.status, r.body)
			}
			if tc.msg == "" {
				return
			}
			if len(r.resp.Errors) == 0 || !strings.Contains(r.resp.Errors[0].Message, tc.msg) {
				t.Errorf("answer %.300s, want a message with %q", r.body, tc.msg)
			}
			if len(r.body) > 1000 {
				t.Errorf("the answer is %d bytes: it quotes the input", len(r.body))
			}
		})
	}
}
