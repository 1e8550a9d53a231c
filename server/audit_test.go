package server_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"testing"

	"github.com/digidip/digidip/data/datatest"
	"github.com/digidip/digidip/server"
)

// TestGraphQLHTTPAudit runs the graphql-http audit suite (npm) against the
// real server. .ci/run installs it and sets DIGIDIP_TEST_AUDIT=1, which makes
// the test required; without the variable it skips.
func TestGraphQLHTTPAudit(t *testing.T) {
	if os.Getenv("DIGIDIP_TEST_AUDIT") == "" {
		t.Skip("DIGIDIP_TEST_AUDIT not set: the graphql-http audit needs node and `npm ci` in server/testdata/audit")
	}
	if _, err := os.Stat("testdata/audit/node_modules/graphql-http"); err != nil {
		t.Fatalf("graphql-http is not installed: run npm ci in server/testdata/audit (%v)", err)
	}
	st := datatest.Store(t)
	srv, _ := newServer(t, st, server.Config{})
	cmd := exec.Command("node", "audit.mjs", srv.URL+"/graphql")
	cmd.Dir = "testdata/audit"
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("audit: %v\n%s", err, stderr.String())
	}
	n := 0
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		var r struct{ ID, Name, Status, Reason string }
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("audit output %q: %v", sc.Text(), err)
		}
		n++
		if r.Status != "ok" {
			t.Errorf("%s %s: %s (%s)", r.Status, r.ID, r.Name, r.Reason)
		}
	}
	if n < 50 {
		t.Errorf("only %d audits ran", n)
	}
	t.Logf("%d audits, all ok", n)
}
