package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/digidip/digidip/domain/domaintest"

	"github.com/digidip/digidip/engine/projection"

	"github.com/digidip/digidip/data"
	"github.com/digidip/digidip/domain"
	"github.com/digidip/digidip/engine"
	"github.com/digidip/digidip/loaders"
	"github.com/digidip/digidip/store"
	"github.com/digidip/digidip/store/storetest"
)

// dataB is a copy of the embedded data with one entity renamed, so two loads
// can be told apart by a name.
func dataB(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "data-b")
	copyDir(t, "data", dir)
	f := filepath.Join(dir, "graph", "entities", "instruments.yaml")
	b, _ := os.ReadFile(f)
	s := strings.Replace(string(b), `name: "Global Gateway"`, `name: "Global Gateway (B)"`, 1)
	if s == string(b) {
		t.Fatal("could not rename Global Gateway in the copy")
	}
	os.WriteFile(f, []byte(s), 0o644)
	return dir
}

// shape is what a reader sees of a graph: counts and the name of one entity.
type shape struct {
	Entities, Relations int
	Name                string
}

func shapeOf(t *testing.T, fsys func() (*domain.Dataset, error)) shape {
	t.Helper()
	ds, err := fsys()
	if err != nil {
		t.Fatal(err)
	}
	g := projection.NewGraph(ds)
	return shape{len(domaintest.Must(g.Entities(context.Background(), ""))), len(domaintest.Must(g.Relations(context.Background(), engine.RelationFilter{}))), domaintest.Must(g.Entity(context.Background(), "global-gateway")).Name}
}

// kill -9 of a load at random moments: every time, the store opens on the
// last complete graph, A or B, never something in between.
func TestKillDuringLoad(t *testing.T) {
	b := dataB(t)
	a := shapeOf(t, func() (*domain.Dataset, error) { return loaders.Read(data.FS(), "data") })
	bb := shapeOf(t, func() (*domain.Dataset, error) { return loaders.Read(os.DirFS(b), "b") })
	db := filepath.Join(t.TempDir(), "db")
	if _, stderr, code := digidip(t, "load", "--store", db); code != 0 {
		t.Fatal(stderr)
	}
	// Kill at moments spread over a whole load, from its start to past its end.
	start := time.Now()
	if _, stderr, code := digidip(t, "load", "--store", db, "--data", b); code != 0 {
		t.Fatal(stderr)
	}
	span := time.Since(start) * 3 / 2
	rng := rand.New(rand.NewPCG(1, 2))
	killed, completed := 0, 0
	for i := range 24 {
		args := []string{"load", "--store", db}
		if i%2 == 0 {
			args = append(args, "--data", b)
		}
		cmd := exec.Command(bin, args...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(rng.Int64N(int64(span))))
		cmd.Process.Signal(syscall.SIGKILL)
		if err := cmd.Wait(); err != nil {
			killed++
		} else {
			completed++
		}
		st, err := store.Open(context.Background(), store.Options{Backend: "bolt", Address: db})
		if err != nil {
			t.Fatalf("try %d: the store does not open after kill -9: %v", i, err)
		}
		g := st.Graph()
		got := shape{len(domaintest.Must(g.Entities(context.Background(), ""))), len(domaintest.Must(g.Relations(context.Background(), engine.RelationFilter{}))), domaintest.Must(g.Entity(context.Background(), "global-gateway")).Name}
		st.Close()
		if got != a && got != bb {
			t.Fatalf("try %d: the store holds %+v, neither A %+v nor B %+v", i, got, a, bb)
		}
	}
	t.Logf("24 loads: %d killed mid-way, %d completed first; the store opened whole every time", killed, completed)
	if killed == 0 || completed == 0 {
		t.Errorf("%d killed, %d completed: the kills did not spread over the load", killed, completed)
	}
	// what dead loads left behind is swept by the next one
	if _, stderr, code := digidip(t, "load", "--store", db); code != 0 {
		t.Fatal(stderr)
	}
	entries, _ := os.ReadDir(db)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".part") {
			t.Errorf("%s left behind", e.Name())
		}
	}
}

// A load while serve answers: every response shows graph A or graph B
// whole, never a mix, and the server switches without a restart.
func TestLoadWhileServing(t *testing.T) {
	b := dataB(t)
	a := shapeOf(t, func() (*domain.Dataset, error) { return loaders.Read(data.FS(), "data") })
	bb := shapeOf(t, func() (*domain.Dataset, error) { return loaders.Read(os.DirFS(b), "b") })
	db := filepath.Join(t.TempDir(), "db")
	base, _, logs := serve(t, "--store", db, "--poll", "50ms", "--cache-entries", "0")
	q := `{ stats { entities relations } entity(id: "global-gateway") { name } }`
	var (
		mu            sync.Mutex
		seen          = map[shape]int{}
		bad           []string
		stop          = make(chan struct{})
		done          = make(chan struct{})
		body, _       = json.Marshal(map[string]string{"query": q})
		requests, ers int
	)
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
			}
			res, err := http.Post(base+"/graphql", "application/json", bytes.NewReader(body))
			if err != nil {
				mu.Lock()
				ers++
				mu.Unlock()
				continue
			}
			var r struct {
				Data struct {
					Stats  struct{ Entities, Relations int }
					Entity struct{ Name string }
				}
				Errors []any
			}
			json.NewDecoder(res.Body).Decode(&r)
			res.Body.Close()
			got := shape{r.Data.Stats.Entities, r.Data.Stats.Relations, r.Data.Entity.Name}
			mu.Lock()
			requests++
			seen[got]++
			if res.StatusCode != 200 || r.Errors != nil || got != a && got != bb {
				bad = append(bad, fmt.Sprintf("%d %+v %v", res.StatusCode, got, r.Errors))
			}
			mu.Unlock()
		}
	}()
	for i := range 6 {
		args := []string{"load", "--store", db}
		if i%2 == 0 {
			args = append(args, "--data", b)
		}
		if _, stderr, code := digidip(t, args...); code != 0 {
			t.Fatalf("load %d: %s", i, stderr)
		}
		time.Sleep(300 * time.Millisecond)
	}
	close(stop)
	<-done
	if len(bad) > 0 {
		t.Errorf("%d of %d answers were neither graph: %v", len(bad), requests, bad[:min(5, len(bad))])
	}
	if ers > 0 {
		t.Errorf("%d requests failed", ers)
	}
	if seen[a] == 0 || seen[bb] == 0 {
		t.Errorf("the server did not switch between the graphs: %v\n%s", seen, logs)
	}
	t.Logf("%d answers during 6 loads: %v", requests, seen)
}

// proxy forwards TCP to PostgreSQL and can be cut and restored, to play a
// database that is down at start and restarts while digidip serves.
type proxy struct {
	addr, target string
	mu           sync.Mutex
	ln           net.Listener
	conns        []net.Conn
}

func (p *proxy) up(t *testing.T) {
	t.Helper()
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, s)
			p.mu.Unlock()
			go func() { io.Copy(s, c); s.Close() }()
			go func() { io.Copy(c, s); c.Close() }()
		}
	}()
}

func (p *proxy) down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func health(base string) int { return status(base, "/healthz") }

// status is the HTTP status of GET base+path, 0 when it cannot be had.
func status(base, path string) int {
	res, err := http.Get(base + path)
	if err != nil {
		return 0
	}
	res.Body.Close()
	return res.StatusCode
}

func waitFor(t *testing.T, what string, d time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestPostgresDownAndRestarted(t *testing.T) {
	u := storetest.PostgresURL(t)
	free, _ := net.Listen("tcp", "127.0.0.1:0")
	p := &proxy{addr: free.Addr().String(), target: u.Host}
	free.Close()
	via := *u
	via.Host = p.addr

	// Down at start: serve waits, says why, and answers 503.
	base, _, logs := serveStarting(t, "--backend", "postgres", "--store", via.String(), "--poll", "200ms")
	waitFor(t, "a retry in the log", 20*time.Second, func() bool { return strings.Contains(logs.String(), "store unavailable; retrying") })
	if c := health(base); c != http.StatusServiceUnavailable {
		t.Errorf("healthz while the database is down at start: %d", c)
	}
	if l, r := status(base, "/livez"), status(base, "/readyz"); l != 200 || r != http.StatusServiceUnavailable {
		t.Errorf("while the database is down at start: /livez %d, /readyz %d", l, r)
	}
	if strings.Contains(logs.String(), "digidip-ci") {
		t.Error("the log shows the password")
	}
	// The database comes up: serve loads the data and answers.
	p.up(t)
	defer p.down()
	waitFor(t, "healthz 200", 90*time.Second, func() bool { return health(base) == 200 })
	if got := query(t, base, `{ entity(id: "global-gateway") { name } }`); got["entity"] == nil {
		t.Fatalf("no answer: %v", got)
	}
	// The database restarts under it: health says so; answers keep coming
	// from the read model; then health recovers, with no restart of digidip.
	p.down()
	waitFor(t, "healthz 503", 20*time.Second, func() bool { return health(base) == http.StatusServiceUnavailable })
	if got := query(t, base, `{ entity(id: "global-gateway") { name } }`); got["entity"] == nil {
		t.Errorf("no answer from the read model while the database is down: %v", got)
	}
	// ... and stays ready: a balancer on /readyz keeps sending it queries
	res, err := http.Get(base + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	var ready struct {
		Status   string
		Database struct{ Reachable bool }
	}
	json.NewDecoder(res.Body).Decode(&ready)
	res.Body.Close()
	if res.StatusCode != 200 || ready.Status != "ready" || ready.Database.Reachable {
		t.Errorf("readyz with the database down: %d %+v", res.StatusCode, ready)
	}
	p.up(t)
	waitFor(t, "healthz 200 again", 30*time.Second, func() bool { return health(base) == 200 })
}

// Two servers on one PostgreSQL: they answer the same, and a load through
// either is seen by both without a restart.
func TestTwoReplicasOnPostgres(t *testing.T) {
	addr := storetest.PostgresAddress(t)

	one, _, _ := serve(t, "--backend", "postgres", "--store", addr, "--poll", "100ms")
	two, _, _ := serve(t, "--backend", "postgres", "--store", addr, "--poll", "100ms")
	ask := `{ entity(id: "global-gateway") { name } stats { entities relations } }`
	same := func() (string, bool) {
		a, _ := json.Marshal(query(t, one, ask))
		b, _ := json.Marshal(query(t, two, ask))
		return string(a), string(a) == string(b)
	}
	if got, ok := same(); !ok || !strings.Contains(got, `"Global Gateway"`) {
		t.Fatalf("the replicas differ at start: %s", got)
	}
	if _, stderr, code := digidip(t, "load", "--backend", "postgres", "--store", addr, "--data", dataB(t)); code != 0 {
		t.Fatal(stderr)
	}
	waitFor(t, "both replicas to serve the new load", 30*time.Second, func() bool {
		got, ok := same()
		return ok && strings.Contains(got, "Global Gateway (B)")
	})
}

// A store on a read-only file system: a load is refused with an error that
// names the store, nothing changes, and reading it still works.
func TestReadOnlyStore(t *testing.T) {
	// .ci/run sets DIGIDIP_TEST_READONLY=1 where it can mount: there a
	// missing prerequisite fails the test rather than skipping it.
	unavailable := t.Skipf
	if os.Getenv("DIGIDIP_TEST_READONLY") == "1" {
		unavailable = t.Fatalf
	}
	if os.Geteuid() != 0 {
		unavailable("not root: the test mounts the store read-only in a private mount namespace")
	}
	for _, tool := range []string{"unshare", "mount"} {
		if _, err := exec.LookPath(tool); err != nil {
			unavailable("no %s: the test mounts the store read-only in a private mount namespace (util-linux, mount)", tool)
		}
	}
	db := filepath.Join(t.TempDir(), "db")
	if _, stderr, code := digidip(t, "load", "--store", db); code != 0 {
		t.Fatal(stderr)
	}
	// The mount exists only in the namespace of that one command.
	readOnly := func(args ...string) (string, string, int) {
		script := `mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" "$0" && exec "$@"`
		cmd := exec.Command("unshare", append([]string{"-m", "sh", "-c", script, db, bin}, args...)...)
		var o, e bytes.Buffer
		cmd.Stdout, cmd.Stderr = &o, &e
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return o.String(), e.String(), code
	}
	if _, stderr, code := readOnly("check"); code != 0 {
		unavailable("cannot mount the store read-only here (a container without CAP_SYS_ADMIN?): %s", strings.TrimSpace(stderr))
	}
	_, stderr, code := readOnly("load", "--store", db, "--data", dataB(t))
	if code != 1 || !strings.Contains(stderr, db) || !strings.Contains(stderr, "read-only file system") {
		t.Errorf("load into a read-only store: exit %d: %s", code, stderr)
	}
	out, stderr, code := readOnly("export", "--store", db, "--format", "nquads")
	if code != 0 || !strings.Contains(out, "global-gateway") {
		t.Errorf("export from a read-only store: exit %d: %s", code, stderr)
	}
	st, err := store.Open(context.Background(), store.Options{Backend: "bolt", Address: db})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if name := domaintest.Must(st.Graph().Entity(context.Background(), "global-gateway")).Name; name != "Global Gateway" {
		t.Errorf("the refused load changed the store: %q", name)
	}
}

// withVersion is a copy of the data at another data version, and with
// Global Gateway renamed so that the graph shows which one is served.
func withVersion(t *testing.T, version int) string {
	t.Helper()
	dir := dataB(t)
	f := filepath.Join(dir, "graph", "version.yaml")
	b, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	s := regexp.MustCompile(`(?m)^version: \d+$`).ReplaceAllString(string(b), fmt.Sprintf("version: %d", version))
	if s == string(b) && !strings.Contains(s, fmt.Sprintf("version: %d\n", version)) {
		t.Fatal("could not set the copy's version")
	}
	os.WriteFile(f, []byte(s), 0o644)
	return dir
}

// A read-only replica writes nothing: it waits, not ready, on a store
// nothing was loaded into, then serves what the writer loads; and a graph
// is never replaced by an older version of its data, neither by a load nor
// by a server of an older release that starts on the same store.
func TestReadOnlyReplicaAndDataVersions(t *testing.T) {
	u := storetest.PostgresURL(t)
	addr := u.String()
	prefix := u.Query().Get("digidip_prefix")
	admin, err := sql.Open("postgres", os.Getenv("DIGIDIP_TEST_POSTGRES"))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	tables := func() int {
		var n int
		if err := admin.QueryRow(`SELECT count(*) FROM pg_tables WHERE tablename LIKE $1`, prefix+`\_%`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	base, _, logs := serveStarting(t, "--backend", "postgres", "--store", addr, "--read-only", "--poll", "100ms")
	waitFor(t, "the replica to find the store empty", 20*time.Second, func() bool {
		return readyStatus(t, base) == "empty"
	})
	if n := tables(); n != 0 {
		t.Errorf("the read-only replica created %d tables", n)
	}

	// the writer loads a newer release's data (version 2)
	v2 := withVersion(t, 2)
	if _, stderr, code := digidip(t, "load", "--backend", "postgres", "--store", addr, "--data", v2); code != 0 {
		t.Fatal(stderr)
	}
	waitFor(t, "the replica to serve the load", 20*time.Second, func() bool { return readyStatus(t, base) == "ready" })
	gen := generationOf(t, base)
	if got := query(t, base, `{ entity(id: "global-gateway") { name } }`); fmt.Sprint(got) != "map[entity:map[name:Global Gateway (B)]]" {
		t.Errorf("the replica serves %v", got)
	}

	// the same data directory, at an older release (version 1)
	os.WriteFile(filepath.Join(v2, "graph", "version.yaml"), []byte("version: 1\n"), 0o644)
	// its load is refused, and changes nothing
	_, stderr, code := digidip(t, "load", "--backend", "postgres", "--store", addr, "--data", v2)
	if code != 1 || !strings.Contains(stderr, "version 2 of the data, newer than version 1") || !strings.Contains(stderr, "--force") {
		t.Errorf("loading version 1 over version 2: exit %d: %s", code, stderr)
	}
	// its server serves version 2, and says why
	_, _, oldLogs := serve(t, "--backend", "postgres", "--store", addr, "--poll", "100ms", "--data", v2)
	if !strings.Contains(oldLogs.String(), "newer than this release") {
		t.Errorf("the older release's server does not say why it kept the graph:\n%s", oldLogs)
	}
	time.Sleep(300 * time.Millisecond) // a few of the replica's polls
	if g := generationOf(t, base); g != gen {
		t.Errorf("the replica moved from %s to %s", gen, g)
	}
	// a rollback is possible, on purpose
	if _, stderr, code := digidip(t, "load", "--backend", "postgres", "--store", addr, "--data", v2, "--force"); code != 0 {
		t.Fatal(stderr)
	}
	waitFor(t, "the replica to serve the rollback", 20*time.Second, func() bool { return generationOf(t, base) != gen })
	if strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("the replica logged errors:\n%s", logs)
	}
}

func readyStatus(t *testing.T, base string) string {
	t.Helper()
	res, err := http.Get(base + "/readyz")
	if err != nil {
		return err.Error()
	}
	defer res.Body.Close()
	var body struct{ Status string }
	json.NewDecoder(res.Body).Decode(&body)
	return body.Status
}

// generationOf is the generation a server answers GraphQL from.
func generationOf(t *testing.T, base string) string {
	t.Helper()
	res, err := http.Post(base+"/graphql", "application/json", strings.NewReader(`{"query":"{ __typename }"}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	gen := res.Header.Get("X-Digidip-Generation")
	if gen == "" {
		t.Fatal("no X-Digidip-Generation header")
	}
	return gen
}

// A setting the database refuses is not retried: serve exits at once,
// naming the setting; only a database that cannot be reached is waited for.
func TestServeExitsOnConfigurationMistakes(t *testing.T) {
	u := storetest.PostgresURL(t)
	with := func(edit func(u *url.URL, q url.Values)) string {
		v := *u
		q := v.Query()
		edit(&v, q)
		v.RawQuery = q.Encode()
		return v.String()
	}
	for _, tc := range []struct{ name, addr, want string }{
		{"missing database", with(func(u *url.URL, _ url.Values) { u.Path = "/digidip_no_such_db" }), `database "digidip_no_such_db" does not exist`},
		// trust authentication says the role does not exist, password
		// authentication that the password failed: both name the role
		{"unknown role", with(func(u *url.URL, _ url.Values) { u.User = url.User("digidip_no_such_role") }), `"digidip_no_such_role"`},
		{"bad sslmode", with(func(_ *url.URL, q url.Values) { q.Set("sslmode", "bogus") }), `sslmode "bogus"`},
		{"bad prefix", with(func(_ *url.URL, q url.Values) { q.Set("digidip_prefix", "Bad-Name") }), `digidip_prefix "Bad-Name"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, args := range [][]string{{"serve", "--read-only", "--addr", "127.0.0.1:0"}, {"serve", "--addr", "127.0.0.1:0"}, {"load"}} {
				start := time.Now()
				_, stderr, code := digidipWithin(t, append(args, "--backend", "postgres", "--store", tc.addr)...)
				if code != 1 || !strings.Contains(stderr, tc.want) || !strings.Contains(stderr, "--store") || strings.Contains(stderr, "retrying") {
					t.Errorf("%s: exit %d after %s:\n%s", args[0], code, time.Since(start).Round(time.Millisecond), stderr)
				}
			}
		})
	}
}
