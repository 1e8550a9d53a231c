package server_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/digidip/digidip/data/datatest"
	"github.com/digidip/digidip/server"
)

var update = flag.Bool("update", false, "rewrite the golden responses under testdata/queries")

// TestAnalystQueries runs each query under testdata/queries against a real
// server on the embedded data, answered by each engine, and compares the
// response with its golden file (-update rewrites them).
func TestAnalystQueries(t *testing.T) {
	for _, engine := range []string{"projection", "cayley"} {
		t.Run(engine, func(t *testing.T) { analystQueries(t, engine) })
	}
}

func analystQueries(t *testing.T, engine string) {
	st := datatest.StoreEngine(t, engine)
	if got := st.Graph().Engine(); got != engine {
		t.Fatalf("the store answers with %s, not %s", got, engine)
	}
	srv, _ := newServer(t, st, server.Config{})
	files, _ := filepath.Glob("testdata/queries/*.graphql")
	if len(files) < 10 {
		t.Fatalf("only %d golden queries", len(files))
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".graphql")
		t.Run(name, func(t *testing.T) {
			q, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			r := post(t, srv, string(q), nil)
			if r.status != 200 {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			// a golden may show how an unknown id is answered, nothing else
			for _, e := range r.resp.Errors {
				if e.Extensions["code"] != "NOT_FOUND" {
					t.Fatalf("error %q: %s", e.Message, r.body)
				}
			}
			var pretty bytes.Buffer
			if err := json.Indent(&pretty, r.body, "", "  "); err != nil {
				t.Fatal(err)
			}
			pretty.WriteByte('\n')
			golden := strings.TrimSuffix(f, ".graphql") + ".json"
			if *update {
				if err := os.WriteFile(golden, pretty.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./server -run AnalystQueries -update)", err)
			}
			if !bytes.Equal(pretty.Bytes(), want) {
				t.Errorf("response differs from %s (-update to accept):\n%s", golden, diff(string(want), pretty.String()))
			}
		})
	}
}

// diff shows the first lines where two texts part.
func diff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			return "line " + strconv.Itoa(i+1) + ":\n- " + a + "\n+ " + b
		}
	}
	return ""
}
