package server

import (
	"encoding/json"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/digidip/digidip/engine"
	"github.com/digidip/digidip/store"
)

// Drain is a replica's way out of a balancer's pool: once started, /readyz
// answers 503 while the server keeps answering everything else, so that
// balancers stop sending it requests before it stops accepting them.
type Drain struct {
	since atomic.Int64 // unix nanoseconds; 0 while not draining
}

// Start turns the server not-ready, for good.
func (d *Drain) Start() { d.since.CompareAndSwap(0, time.Now().UnixNano()) }

// draining reports since when the server has been draining.
func (d *Drain) draining() (time.Time, bool) {
	if d == nil {
		return time.Time{}, false
	}
	n := d.since.Load()
	return time.Unix(0, n), n != 0
}

// DefaultReadyGrace is how long a replica may fail to read a newer
// generation its store names as current before /readyz turns 503: long
// enough for a large generation to be read, short enough that a replica
// stuck on old data leaves the pool.
const DefaultReadyGrace = time.Minute

// Livez answers /livez: the process runs and serves HTTP. It reads nothing
// and never fails, so that an orchestrator restarts only a process that
// stopped answering at all.
func Livez(w http.ResponseWriter, _ *http.Request) {
	probeJSON(w, http.StatusOK, map[string]any{"status": "alive"})
}

// served is what /readyz reads of a store.
type served interface {
	Graph() *engine.Graph
	Generation() string
	Health() store.Health
}

// readyz answers /readyz from what the server already knows, never
// waiting on the store's backend: ready while a graph is served and the
// server is not draining, whether or not the database answers (the graph
// is in memory), unless the store has for longer than grace failed to
// read a newer generation its backend names as current, or holds none yet.
func readyz(st served, drain *Drain, grace time.Duration) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		g := st.Graph()
		h := st.Health()
		db := map[string]any{"reachable": h.Err == nil && !h.Checked.IsZero()}
		if !h.Checked.IsZero() {
			db["checked"] = h.Checked.UTC().Format(time.RFC3339Nano)
			db["checkAge"] = time.Since(h.Checked).Round(time.Millisecond).String()
		}
		if h.Err != nil {
			db["error"] = "the store did not answer its last check"
		}
		if h.Current != "" {
			db["current"] = h.Current
		}
		gen := st.Generation()
		body := map[string]any{
			"status":      "ready",
			"generation":  gen,
			"engine":      g.Engine(),
			"dataHash":    g.Hash(),
			"dataVersion": g.DataVersion(),
			"database":    db,
		}
		status := http.StatusOK
		if since, ok := drain.draining(); ok {
			status = http.StatusServiceUnavailable
			body["status"] = "draining"
			body["reason"] = "the server is shutting down; draining since " + since.UTC().Format(time.RFC3339Nano)
		} else if !h.Behind.IsZero() && grace > 0 && time.Since(h.Behind) > grace {
			status = http.StatusServiceUnavailable
			body["status"] = "behind"
			body["reason"] = "generation " + h.Current + " is current in the store but has not been read for " +
				time.Since(h.Behind).Round(time.Second).String() + " (grace " + grace.String() + "): see the log"
		} else if gen == "" {
			// a read-only replica started before any load: nothing to serve
			status = http.StatusServiceUnavailable
			body["status"] = "empty"
			body["reason"] = "nothing has been loaded into the store yet: run digidip load"
		}
		probeJSON(w, status, body)
	}
}

func probeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body) // a client gone: nothing to do
}
