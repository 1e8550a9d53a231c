package server

import (
	"encoding/json"
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/digidip/digidip/domain/domaintest"
	"github.com/digidip/digidip/engine"
	"github.com/digidip/digidip/engine/projection"
	"github.com/digidip/digidip/store"
)

// fakeStore is a store in whatever state a test needs.
type fakeStore struct {
	g      *engine.Graph
	gen    string
	health store.Health
}

func (f fakeStore) Graph() *engine.Graph { return f.g }
func (f fakeStore) Generation() string   { return f.gen }
func (f fakeStore) Health() store.Health { return f.health }

// /readyz is ready while a graph is served, the database answering or not;
// not ready while draining, or once the store has failed for longer than
// the grace to read the generation its backend names.
func TestReadyz(t *testing.T) {
	g := projection.NewGraph(domaintest.Memo())
	now := time.Now()
	draining := &Drain{}
	draining.Start()
	for _, tc := range []struct {
		name    string
		gen     string
		health  store.Health
		drain   *Drain
		status  int
		state   string
		dbReach bool
	}{
		{"serving, database answers", "g1", store.Health{Checked: now, Current: "g1"}, nil, 200, "ready", true},
		{"serving, database down", "g1", store.Health{Checked: now, Err: errors.New("dial tcp: refused"), Current: "g1"}, nil, 200, "ready", false},
		{"never checked", "g1", store.Health{}, &Drain{}, 200, "ready", false},
		{"draining", "g1", store.Health{Checked: now, Current: "g1"}, draining, 503, "draining", true},
		{"behind within the grace", "g1", store.Health{Checked: now, Current: "g2", Behind: now.Add(-5 * time.Second)}, nil, 200, "ready", true},
		{"behind past the grace", "g1", store.Health{Checked: now, Current: "g2", Behind: now.Add(-2 * time.Minute)}, nil, 503, "behind", true},
		{"nothing loaded yet", "", store.Health{Checked: now}, nil, 503, "empty", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			readyz(fakeStore{g: g, gen: tc.gen, health: tc.health}, tc.drain, time.Minute)(rec, httptest.NewRequest("GET", "/readyz", nil))
			var body struct {
				Status, Generation, Reason string
				Database                   struct{ Reachable bool }
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatal(err)
			}
			if rec.Code != tc.status || body.Status != tc.state || body.Generation != tc.gen || body.Database.Reachable != tc.dbReach {
				t.Errorf("%d %s", rec.Code, rec.Body)
			}
			if tc.status == 503 && body.Reason == "" {
				t.Errorf("503 without a reason: %s", rec.Body)
			}
		})
	}
}
