// Package fleet_test runs digidip as an operator runs a fleet: one writer
// role that loads, three read-only replicas under a role that may only
// read, HAProxy in front, all set up from the README's "Running a fleet"
// (its SQL and its HAProxy configuration are read from README.md). It
// restarts every replica under steady load and counts the requests lost
// (none may be), loads a new graph and times how long each replica takes to
// serve it, bounds the connections a replica holds, cuts a replica off its
// database, checks that an older release never takes the graph back, and
// that configuration mistakes fail fast with a message naming the setting.
//
// It needs DIGIDIP_TEST_FLEET=1, a superuser's URL in DIGIDIP_TEST_POSTGRES
// and haproxy; CI (.ci/run) provides all three.
package fleet_test

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	_ "github.com/lib/pq"
)

const (
	replicas     = 3
	pgMaxConns   = 4                      // each replica's --pg-max-conns
	readyWithin  = 5 * time.Second        // a replica's start, and a load's propagation
	probeWithin  = 100 * time.Millisecond // /readyz and /livez, whatever else happens
	prefix       = "digidip"              // the store's default digidip_prefix
	entityQuery  = `{ entity(id: "global-gateway") { id name } }`
	statsQuery   = `{ stats { entities relations dataHash } }`
	rollRequests = 3000 // the rolling restart's load runs until this many are done
)

// fleet is what the steps share.
type fleet struct {
	t       *testing.T
	repo    string // the repository's root
	dir     string
	bin     string
	haproxy string

	suBase *url.URL // the superuser, on the database DIGIDIP_TEST_POSTGRES names
	su     *sql.DB  // the superuser, on the fleet's database
	pgHost string   // host:port of PostgreSQL

	suffix                     string
	dbName, writer, reader     string
	writerPW, readerPW, noPriv string
	dbCreated                  bool

	mu       sync.Mutex
	procs    []*proc // every process started, for cleanup and failure reports
	replica  [replicas]*proc
	addr     [replicas]string
	proxy    *tcpProxy // between replica 3 and PostgreSQL
	haAddr   string
	haproxyP *proc
	gen      string // the generation the replicas should serve

	client *http.Client
}

func TestFleet(t *testing.T) {
	if os.Getenv("DIGIDIP_TEST_FLEET") != "1" {
		t.Skip("DIGIDIP_TEST_FLEET is not 1: the fleet test (PostgreSQL, HAProxy, three replicas) is off")
	}
	dsn := os.Getenv("DIGIDIP_TEST_POSTGRES")
	if dsn == "" {
		t.Fatal("DIGIDIP_TEST_FLEET=1 needs DIGIDIP_TEST_POSTGRES, a superuser's postgres:// URL")
	}
	su, err := url.Parse(dsn)
	if err != nil || (su.Scheme != "postgres" && su.Scheme != "postgresql") {
		t.Fatalf("DIGIDIP_TEST_POSTGRES is not a postgres:// URL")
	}
	haproxy, err := exec.LookPath("haproxy")
	if err != nil {
		if fi, err := os.Stat("/usr/sbin/haproxy"); err == nil && fi.Mode()&0o111 != 0 {
			haproxy = "/usr/sbin/haproxy"
		} else {
			t.Fatal("DIGIDIP_TEST_FLEET=1 needs haproxy, on PATH or at /usr/sbin/haproxy (apt-get install haproxy)")
		}
	}
	repo, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	host := su.Host
	if host == "" {
		host = "127.0.0.1:5432"
	} else if su.Port() == "" {
		host = net.JoinHostPort(su.Hostname(), "5432")
	}
	f := &fleet{
		t: t, repo: repo, dir: t.TempDir(), haproxy: haproxy, suBase: su, pgHost: host,
		suffix: randomHex(4),
		client: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 16, IdleConnTimeout: 5 * time.Second}},
	}
	f.dbName = "digidip_fleet_" + f.suffix
	f.writer, f.reader, f.noPriv = "digidip_fleet_w_"+f.suffix, "digidip_fleet_r_"+f.suffix, "digidip_fleet_n_"+f.suffix
	f.writerPW, f.readerPW = randomHex(12), randomHex(12)
	t.Cleanup(f.cleanup)

	// The first four steps set the fleet up: without them nothing else can run.
	for _, s := range []struct {
		name    string
		timeout time.Duration
		run     func(*testing.T, context.Context)
	}{
		{"1-build", 5 * time.Minute, f.build},
		{"2-database-and-roles", time.Minute, f.database},
		{"3-load-and-replicas", 2 * time.Minute, f.loadAndReplicas},
		{"4-haproxy", time.Minute, f.startHAProxy},
	} {
		if !f.step(s.name, s.timeout, s.run) {
			t.FailNow()
		}
	}
	f.step("5-rolling-restart-under-load", 3*time.Minute, f.rollingRestart)
	f.step("6-propagation", 3*time.Minute, f.propagation)
	f.step("7-replica-start-at-100k", time.Minute, f.startAt100k)
	f.step("8-concurrent-exports", 3*time.Minute, f.exports)
	f.step("9-database-cut-off", time.Minute, f.cutOff)
	f.step("10-older-release", 2*time.Minute, f.olderRelease)
	f.step("11-configuration-mistakes", time.Minute, f.mistakes)
}

// step runs one step as a subtest, with a deadline of its own.
func (f *fleet) step(name string, timeout time.Duration, fn func(*testing.T, context.Context)) bool {
	return f.t.Run(name, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		start := time.Now()
		fn(t, ctx)
		t.Logf("step took %s", time.Since(start).Round(time.Millisecond))
	})
}

// cleanup stops every process, then drops the database and the roles.
func (f *fleet) cleanup() {
	f.mu.Lock()
	procs := append([]*proc(nil), f.procs...)
	f.mu.Unlock()
	for _, p := range procs {
		p.signal(syscall.SIGTERM)
	}
	for _, p := range procs {
		if p.wait(5*time.Second) != nil && !p.exited() {
			p.kill()
		}
	}
	if f.t.Failed() {
		for _, p := range procs {
			f.t.Log(p.describe())
		}
	}
	if f.proxy != nil {
		f.proxy.stop()
	}
	if f.su != nil {
		f.su.Close()
	}
	if !f.dbCreated {
		return
	}
	db, err := sql.Open("postgres", f.suBase.String())
	if err != nil {
		f.t.Errorf("cleanup: %v", err)
		return
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := db.ExecContext(ctx, `DROP DATABASE IF EXISTS `+f.dbName+` WITH (FORCE)`); err != nil {
		f.t.Errorf("cleanup: %v", err)
	}
	for _, r := range []string{f.writer, f.reader, f.noPriv} {
		if _, err := db.ExecContext(ctx, `DROP ROLE IF EXISTS `+r); err != nil {
			f.t.Errorf("cleanup: %v", err)
		}
	}
}

func (f *fleet) track(p *proc) *proc {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.procs = append(f.procs, p)
	return p
}

// storeURL is the fleet's database as a role sees it, through host, with
// the query parameters of DIGIDIP_TEST_POSTGRES (sslmode) and extra ones.
// The password is never in it: PGPASSWORD carries it, as the README says.
func (f *fleet) storeURL(user, host, db string, extra url.Values) string {
	u := *f.suBase
	u.User = url.User(user)
	u.Host = host
	u.Path = "/" + db
	q := u.Query()
	for k, vs := range extra {
		q[k] = vs
	}
	u.RawQuery = q.Encode()
	return u.String()
}

func (f *fleet) writerURL() string { return f.storeURL(f.writer, f.pgHost, f.dbName, nil) }
func (f *fleet) writerEnv() []string {
	return []string{"PGPASSWORD=" + f.writerPW}
}
func (f *fleet) readerEnv() []string { return []string{"PGPASSWORD=" + f.readerPW} }

func appName(i int) string { return fmt.Sprintf("digidip-fleet-r%d", i+1) }

// replicaArgs are replica i's command line; replica 3 reaches the database
// through the test's proxy.
func (f *fleet) replicaArgs(i int) []string {
	host := f.pgHost
	if i == replicas-1 {
		host = f.proxy.addr
	}
	return f.serveArgs(host, f.addr[i], appName(i))
}

// serveArgs are a replica's command line: the README's.
func (f *fleet) serveArgs(host, addr, app string) []string {
	store := f.storeURL(f.reader, host, f.dbName, url.Values{"application_name": {app}})
	return []string{"serve", "--read-only", "--backend", "postgres", "--store", store,
		"--addr", addr, "--poll", "1s", "--drain", "2s", "--pg-max-conns", strconv.Itoa(pgMaxConns)}
}

func (f *fleet) base(i int) string { return "http://" + f.addr[i] }

// digidip runs a digidip command to its end.
func (f *fleet) digidip(ctx context.Context, env []string, args ...string) (result, error) {
	return run(ctx, env, f.bin, args...)
}

// load runs digidip load as the writer and returns the generation it
// wrote: the one it printed, or else the one the store names.
func (f *fleet) load(t *testing.T, ctx context.Context, args ...string) (string, result) {
	t.Helper()
	r, err := f.digidip(ctx, f.writerEnv(), append([]string{"load", "--backend", "postgres", "--store", f.writerURL()}, args...)...)
	if err != nil {
		t.Fatal(err)
	}
	if r.code != 0 {
		return "", r
	}
	if m := generationPrinted.FindStringSubmatch(r.stdout); m != nil {
		return m[1], r
	}
	g, err := currentGeneration(ctx, f.su, prefix)
	if err != nil {
		t.Fatalf("load printed no generation (%q), and the store names none: %v", r.stdout, err)
	}
	return g, r
}

// mustLoad is load that must succeed. A load refused because the store
// holds newer data is tried again with --force, and said so: the steps
// that load another source (N-Quads, then the data again) need it done.
func (f *fleet) mustLoad(t *testing.T, ctx context.Context, args ...string) string {
	t.Helper()
	g, r := f.load(t, ctx, args...)
	if r.code != 0 && strings.Contains(r.stderr, "newer") {
		t.Logf("NOTE: digidip load %s refused (exit %d): %s; loading again with --force", strings.Join(args, " "), r.code, strings.TrimSpace(r.stderr))
		g, r = f.load(t, ctx, append(args, "--force")...)
	}
	if r.code != 0 {
		t.Fatalf("digidip load %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	what := strings.Join(args, " ")
	if what == "" {
		what = "(the embedded data)"
	}
	t.Logf("load %s: %s in %s", what, g, r.took.Round(time.Millisecond))
	return g
}

// startReplica starts replica i and checks it is ready, serving f.gen,
// within limit; it returns how long that took.
func (f *fleet) startReplica(t *testing.T, ctx context.Context, i int, limit time.Duration) time.Duration {
	t.Helper()
	var p *proc
	var err error
	if old := f.replica[i]; old != nil {
		p, err = old.again()
	} else {
		p, err = startProc(fmt.Sprintf("replica %d", i+1), f.bin, f.readerEnv(), f.replicaArgs(i)...)
	}
	if err != nil {
		t.Fatal(err)
	}
	f.track(p)
	f.replica[i] = p
	r, took, err := waitReady(ctx, f.client, f.base(i), "", p.started, max(limit, 30*time.Second))
	if err != nil {
		t.Fatalf("replica %d: %v\n%s", i+1, err, p.describe())
	}
	if took > limit {
		t.Errorf("replica %d was ready %s after its start; want within %s", i+1, took.Round(time.Millisecond), limit)
	}
	if f.gen != "" && r.Generation != f.gen {
		t.Errorf("replica %d serves generation %q; want %q", i+1, r.Generation, f.gen)
	}
	return took
}

// stopReplica sends replica i SIGTERM and waits for it to exit.
func (f *fleet) stopReplica(t *testing.T, i int) time.Duration {
	t.Helper()
	p := f.replica[i]
	if p.exited() {
		t.Errorf("replica %d had exited (%v) before the test stopped it", i+1, p.wait(0))
	} else if strings.Contains(p.stderr.String(), "draining") {
		t.Errorf("replica %d was draining before the test sent it SIGTERM: did another process signal it?", i+1)
	}
	start := time.Now()
	p.signal(syscall.SIGTERM)
	if err := p.wait(30 * time.Second); err != nil {
		t.Errorf("replica %d after SIGTERM: %v", i+1, err)
		p.kill()
	}
	return time.Since(start)
}

// 1. The binary, built once, without the race detector (the test process
// has it).
func (f *fleet) build(t *testing.T, ctx context.Context) {
	f.bin = filepath.Join(f.dir, "digidip")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", f.bin, "github.com/digidip/digidip")
	cmd.Dir = f.repo
	var flags []string
	for _, fl := range strings.Fields(os.Getenv("GOFLAGS")) {
		if fl != "-race" && fl != "-race=true" && fl != "--race" {
			flags = append(flags, fl)
		}
	}
	cmd.Env = append(os.Environ(), "GOFLAGS="+strings.Join(flags, " "))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
}

// 2. A database of its own, and the README's roles and grants.
func (f *fleet) database(t *testing.T, ctx context.Context) {
	readme, err := os.ReadFile(filepath.Join(f.repo, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	block, err := readmeBlock(string(readme), "**Two roles.**", "sql")
	if err != nil {
		t.Fatal(err)
	}
	for old, new := range map[string]string{
		"digidip_writer":  f.writer,
		"digidip_reader":  f.reader,
		"'writer-secret'": "'" + f.writerPW + "'",
		"'reader-secret'": "'" + f.readerPW + "'",
	} {
		if !strings.Contains(block, old) {
			t.Fatalf("the README's SQL no longer says %s, which the test replaces:\n%s", old, block)
		}
		block = strings.ReplaceAll(block, old, new)
	}
	dbWord := regexp.MustCompile(`\bdigidip\b`)
	if !dbWord.MatchString(block) {
		t.Fatalf("the README's SQL no longer names the database digidip:\n%s", block)
	}
	block = dbWord.ReplaceAllString(block, f.dbName)

	admin, err := sql.Open("postgres", f.suBase.String())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.ExecContext(ctx, `CREATE DATABASE `+f.dbName); err != nil {
		t.Fatalf("CREATE DATABASE as the superuser of DIGIDIP_TEST_POSTGRES: %v", err)
	}
	f.dbCreated = true
	u := *f.suBase
	u.Path = "/" + f.dbName
	f.su, err = sql.Open("postgres", u.String())
	if err != nil {
		t.Fatal(err)
	}
	f.su.SetMaxOpenConns(2)
	stmts := sqlStatements(block)
	for _, s := range stmts {
		if _, err := f.su.ExecContext(ctx, s); err != nil {
			t.Fatalf("the README's SQL: %s: %v", s, err)
		}
	}
	t.Logf("ran the README's %d statements: database %s, writer %s, reader %s", len(stmts), f.dbName, f.writer, f.reader)

	// Before any load: the reader can connect and cannot write.
	reader := f.openAs(t, f.reader, f.readerPW)
	if err := reader.PingContext(ctx); err != nil {
		t.Fatalf("the reader cannot connect: %v", err)
	}
	if _, err := reader.ExecContext(ctx, `CREATE TABLE public.fleet_probe (i int)`); err == nil {
		t.Error("the reader could create a table in public")
	}
}

// openAs is the fleet's database as a role, for the test's own checks.
func (f *fleet) openAs(t *testing.T, role, password string) *sql.DB {
	t.Helper()
	u, _ := url.Parse(f.storeURL(role, f.pgHost, f.dbName, nil))
	u.User = url.UserPassword(role, password)
	db, err := sql.Open("postgres", u.String())
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db
}

// 3. The embedded data loaded as the writer; three replicas as the reader.
func (f *fleet) loadAndReplicas(t *testing.T, ctx context.Context) {
	// A replica started before any load waits, not ready, and serves the
	// first load: the reader may read what does not exist yet.
	early, err := freeAddr()
	if err != nil {
		t.Fatal(err)
	}
	p, err := startProc("replica started before any load", f.bin, f.readerEnv(), f.serveArgs(f.pgHost, early, "digidip-fleet-r0")...)
	if err != nil {
		t.Fatal(err)
	}
	f.track(p)
	for {
		r, a, err := readyz(ctx, f.client, "http://"+early)
		if err == nil && a.status == http.StatusServiceUnavailable && r.Status == "empty" {
			t.Logf("a replica started before any load answers /readyz %d %q after %s", a.status, r.Status, time.Since(p.started).Round(time.Millisecond))
			break
		}
		if err == nil && a.status == http.StatusOK {
			t.Fatalf("a replica on an empty store is ready: %s", a.body)
		}
		if time.Since(p.started) > readyWithin || p.exited() {
			t.Fatalf("a replica on an empty store does not answer /readyz 503 \"empty\" within %s: %v %d %s\n%s", readyWithin, err, a.status, a.body, p.describe())
		}
		time.Sleep(20 * time.Millisecond)
	}

	f.gen = f.mustLoad(t, ctx)
	if _, took, err := waitReady(ctx, f.client, "http://"+early, f.gen, time.Now(), readyWithin); err != nil {
		t.Errorf("the replica started before any load: %v\n%s", err, p.describe())
	} else {
		t.Logf("the replica started before any load serves it %s after the load", took.Round(time.Millisecond))
	}
	p.signal(syscall.SIGTERM)
	if err := p.wait(20 * time.Second); err != nil {
		t.Errorf("the replica started before any load, after SIGTERM: %v", err)
	}

	// What the default privileges promise: the reader reads what the
	// writer created after the grants, and writes nothing.
	reader := f.openAs(t, f.reader, f.readerPW)
	var cur string
	if err := reader.QueryRowContext(ctx, `SELECT generation FROM `+prefix+`_current LIMIT 1`).Scan(&cur); err != nil {
		t.Fatalf("the reader cannot read %s_current: %v", prefix, err)
	}
	if cur != f.gen {
		t.Errorf("%s_current names %q; the load printed %q", prefix, cur, f.gen)
	}
	var n int
	if err := reader.QueryRowContext(ctx, `SELECT count(*) FROM "`+cur+`".quads`).Scan(&n); err != nil || n == 0 {
		t.Errorf("the reader reads %d quads of %s: %v", n, cur, err)
	}
	if _, err := reader.ExecContext(ctx, `UPDATE `+prefix+`_current SET generation = generation`); err == nil {
		t.Errorf("the reader could update %s_current", prefix)
	}

	for i := range f.addr {
		if f.addr[i], err = freeAddr(); err != nil {
			t.Fatal(err)
		}
	}
	proxyAddr, err := freeAddr()
	if err != nil {
		t.Fatal(err)
	}
	f.proxy = &tcpProxy{addr: proxyAddr, target: f.pgHost}
	if err := f.proxy.start(); err != nil {
		t.Fatal(err)
	}
	for i := range replicas {
		took := f.startReplica(t, ctx, i, readyWithin)
		t.Logf("replica %d (%s, %s) ready %s after its start", i+1, f.addr[i], appName(i), took.Round(time.Millisecond))
	}
}

// 4. HAProxy with the README's configuration, in front of the replicas.
func (f *fleet) startHAProxy(t *testing.T, ctx context.Context) {
	readme, err := os.ReadFile(filepath.Join(f.repo, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := readmeBlock(string(readme), "**HAProxy**", "haproxy")
	if err != nil {
		t.Fatal(err)
	}
	if f.haAddr, err = freeAddr(); err != nil {
		t.Fatal(err)
	}
	bind := regexp.MustCompile(`(?m)^(\s*bind\s+)\S+`)
	if len(bind.FindAllString(cfg, -1)) != 1 {
		t.Fatalf("the README's HAProxy configuration should have one bind line:\n%s", cfg)
	}
	cfg = bind.ReplaceAllString(cfg, "${1}"+f.haAddr)
	servers := regexp.MustCompile(`(?m)^(\s*server\s+\S+\s+)\S+`)
	if n := len(servers.FindAllString(cfg, -1)); n != replicas {
		t.Fatalf("the README's HAProxy configuration has %d server lines; want %d:\n%s", n, replicas, cfg)
	}
	i := 0
	cfg = servers.ReplaceAllStringFunc(cfg, func(s string) string {
		m := servers.FindStringSubmatch(s)
		i++
		return m[1] + f.addr[i-1]
	})
	path := filepath.Join(f.dir, "haproxy.cfg")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := run(ctx, nil, f.haproxy, "-c", "-f", path)
	if err != nil || r.code != 0 {
		t.Fatalf("haproxy -c: %v exit %d\n%s%s\n%s", err, r.code, r.stdout, r.stderr, cfg)
	}
	p, err := startProc("haproxy", f.haproxy, nil, "-db", "-f", path)
	if err != nil {
		t.Fatal(err)
	}
	f.haproxyP = f.track(p)
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, err := graphQL(ctx, f.client, "http://"+f.haAddr, entityQuery)
		if err == nil {
			break
		}
		if time.Now().After(deadline) || p.exited() {
			t.Fatalf("HAProxy at %s does not answer: %v\n%s", f.haAddr, err, p.describe())
		}
		time.Sleep(100 * time.Millisecond)
	}
	// a few checks, so that HAProxy has seen every replica answer /readyz
	time.Sleep(1500 * time.Millisecond)
	t.Logf("HAProxy %s on %s answers", strings.TrimSpace(firstLine(haproxyVersion(ctx, f.haproxy))), f.haAddr)
}

func haproxyVersion(ctx context.Context, bin string) string {
	r, _ := run(ctx, nil, bin, "-v")
	return r.stdout
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// 5. Every replica restarted in turn while four clients query through
// HAProxy: not one request may fail.
func (f *fleet) rollingRestart(t *testing.T, ctx context.Context) {
	var total, failed, noHeader atomic.Int64
	var mu sync.Mutex
	var failures []string
	stop := make(chan struct{})
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 8, IdleConnTimeout: 5 * time.Second}}
	defer client.CloseIdleConnections()
	begin := time.Now()
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				a, err := graphQL(ctx, client, "http://"+f.haAddr, entityQuery)
				total.Add(1)
				if err == nil && !strings.Contains(string(a.body), `"global-gateway"`) {
					err = fmt.Errorf("not the entity asked for: %.200s", a.body)
				}
				if err != nil {
					failed.Add(1)
					mu.Lock()
					if len(failures) < 20 {
						failures = append(failures, fmt.Sprintf("+%s: %v", time.Since(begin).Round(time.Millisecond), err))
					}
					mu.Unlock()
				} else if a.header.Get("X-Digidip-Generation") == "" {
					noHeader.Add(1)
				}
				time.Sleep(2 * time.Millisecond)
			}
		})
	}
	for i := range replicas {
		time.Sleep(time.Second)
		down := f.stopReplica(t, i)
		took := f.startReplica(t, ctx, i, 30*time.Second)
		t.Logf("+%s: replica %d exited %s after SIGTERM, ready %s after its start (requests so far: %d, failed %d)",
			time.Since(begin).Round(time.Millisecond), i+1, down.Round(time.Millisecond), took.Round(time.Millisecond), total.Load(), failed.Load())
		time.Sleep(2 * time.Second) // HAProxy's rise 2, at fastinter
	}
	for total.Load() < rollRequests && ctx.Err() == nil {
		time.Sleep(50 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	t.Logf("%d requests through HAProxy in %s during the rolling restart, %d failed", total.Load(), time.Since(begin).Round(time.Millisecond), failed.Load())
	if total.Load() < rollRequests {
		t.Errorf("only %d requests were done; want at least %d", total.Load(), rollRequests)
	}
	if n := failed.Load(); n > 0 {
		t.Errorf("%d of %d requests failed during the rolling restart; the first:\n%s", n, total.Load(), strings.Join(failures, "\n"))
	}
	if n := noHeader.Load(); n > 0 {
		t.Errorf("%d answers of /graphql had no X-Digidip-Generation header", n)
	}
}

// 6. A load of 100k quads reaches every replica within 5 s of its end, and
// every replica's probes answer at once while it loads and while they switch.
func (f *fleet) propagation(t *testing.T, ctx context.Context) {
	nq := filepath.Join(f.dir, "q100k.nq")
	if r, err := f.digidip(ctx, nil, "gen", "--quads", "100000", "-o", nq); err != nil || r.code != 0 {
		t.Fatalf("digidip gen: %v exit %d: %s", err, r.code, r.stderr)
	}
	stopProbes := f.probeAll(t, ctx)
	defer stopProbes()
	gen := f.mustLoad(t, ctx, "--nquads", nq)
	loaded := time.Now()
	if gen == f.gen {
		t.Fatalf("the load wrote no new generation: still %s", gen)
	}
	f.gen = gen
	var wg sync.WaitGroup
	took := make([]time.Duration, replicas)
	errs := make([]error, replicas)
	for i := range replicas {
		wg.Go(func() {
			_, took[i], errs[i] = waitReady(ctx, f.client, f.base(i), gen, loaded, 60*time.Second)
		})
	}
	wg.Wait()
	stopProbes()
	for i := range replicas {
		switch {
		case errs[i] != nil:
			t.Errorf("replica %d: %v", i+1, errs[i])
		case took[i] > readyWithin:
			t.Errorf("replica %d served %s %s after the load ended; want within %s", i+1, gen, took[i].Round(time.Millisecond), readyWithin)
		default:
			t.Logf("replica %d serves %s %s after the load ended", i+1, gen, took[i].Round(time.Millisecond))
		}
	}
	// and through HAProxy, whichever replica answers
	for range 2 * replicas {
		a, err := graphQL(ctx, f.client, "http://"+f.haAddr, statsQuery)
		if err != nil {
			t.Fatalf("through HAProxy: %v", err)
		}
		if g := a.header.Get("X-Digidip-Generation"); g != gen {
			t.Errorf("through HAProxy, /graphql answers with X-Digidip-Generation %q; want %q", g, gen)
		}
	}
}

// probeAll asks every replica's /readyz and /livez every 50 ms until the
// function it returns is called (once; later calls do nothing), which then
// fails the test if any probe was not 200 or took probeWithin or more.
func (f *fleet) probeAll(t *testing.T, ctx context.Context) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	var slowest time.Duration
	var n int
	var bad []string
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 2}}
	for i := range replicas {
		wg.Go(func() {
			for {
				for _, path := range []string{"/readyz", "/livez"} {
					a, err := do(ctx, client, http.MethodGet, f.base(i)+path, nil)
					mu.Lock()
					n++
					slowest = max(slowest, a.took)
					if (err != nil || a.status != http.StatusOK || a.took >= probeWithin) && len(bad) < 10 {
						bad = append(bad, fmt.Sprintf("replica %d %s: %d in %s %v %.200s", i+1, path, a.status, a.took, err, a.body))
					}
					mu.Unlock()
				}
				select {
				case <-done:
					return
				case <-time.After(50 * time.Millisecond):
				}
			}
		})
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			close(done)
			wg.Wait()
			client.CloseIdleConnections()
			t.Logf("%d probes during the load and the switch, slowest %s", n, slowest.Round(time.Microsecond))
			for _, b := range bad {
				t.Errorf("probe not 200 within %s: %s", probeWithin, b)
			}
		})
	}
}

// 7. A replica starts on the 100k graph within 5 s.
func (f *fleet) startAt100k(t *testing.T, ctx context.Context) {
	const i = 1
	f.stopReplica(t, i)
	took := f.startReplica(t, ctx, i, readyWithin)
	t.Logf("replica %d ready on %s %s after its start", i+1, f.gen, took.Round(time.Millisecond))
}

// 8. Sixteen whole-graph exports at once: the replica holds no more than
// --pg-max-conns connections, and its probes answer at once throughout.
func (f *fleet) exports(t *testing.T, ctx context.Context) {
	const i, n = 0, 16
	app := appName(i)
	count := func() (int, error) {
		var c int
		err := f.su.QueryRowContext(ctx, `SELECT count(*) FROM pg_stat_activity WHERE application_name = $1`, app).Scan(&c)
		return c, err
	}
	before, err := count()
	if err != nil {
		t.Fatal(err)
	}

	done := make(chan struct{})
	var pollers sync.WaitGroup
	var maxConns, samples int
	var connErr error
	pollers.Go(func() {
		for {
			c, err := count()
			if err != nil {
				connErr = err
				return
			}
			samples++
			maxConns = max(maxConns, c)
			select {
			case <-done:
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
	})
	var probeMax time.Duration
	var probes int
	var probeErrs []string
	probeClient := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 2}}
	defer probeClient.CloseIdleConnections()
	pollers.Go(func() {
		for {
			for _, path := range []string{"/readyz", "/livez"} {
				a, err := do(ctx, probeClient, http.MethodGet, f.base(i)+path, nil)
				probes++
				probeMax = max(probeMax, a.took)
				if (err != nil || a.status != http.StatusOK) && len(probeErrs) < 10 {
					probeErrs = append(probeErrs, fmt.Sprintf("%s: %d %v %.200s", path, a.status, err, a.body))
				}
			}
			select {
			case <-done:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	})

	// The exports are read over plain TCP in large reads: the test runs
	// under the race detector, and Go's HTTP client decoding 16 streams
	// would take the CPU the replica's probes are timed on.
	type export struct {
		status int
		bytes  int64
		took   time.Duration
		err    error
	}
	results := make([]export, n)
	start := time.Now()
	var wg sync.WaitGroup
	for k := range n {
		wg.Go(func() {
			results[k].status, results[k].bytes, results[k].err = rawGet(ctx, f.addr[i], "/export?format=nquads")
			results[k].took = time.Since(start)
		})
	}
	wg.Wait()
	all := time.Since(start)
	close(done)
	pollers.Wait()

	var slowest time.Duration
	for k, r := range results {
		if r.err != nil || r.status != http.StatusOK || r.bytes == 0 {
			t.Errorf("export %d: status %d, %d bytes, %v", k+1, r.status, r.bytes, r.err)
		}
		slowest = max(slowest, r.took)
	}
	t.Logf("%d exports of %d bytes each, all done in %s; %s connections before, at most %d during (%d samples); %d probes, slowest %s",
		n, results[0].bytes, all.Round(time.Millisecond), strconv.Itoa(before), maxConns, samples, probes, probeMax.Round(time.Microsecond))
	if connErr != nil {
		t.Errorf("pg_stat_activity: %v", connErr)
	}
	if maxConns == 0 {
		t.Errorf("pg_stat_activity shows no connection of application_name %s: the count proves nothing", app)
	}
	if maxConns > pgMaxConns {
		t.Errorf("replica %d held %d connections; --pg-max-conns is %d", i+1, maxConns, pgMaxConns)
	}
	if probeMax > probeWithin {
		t.Errorf("the slowest probe took %s; want under %s", probeMax, probeWithin)
	}
	if len(probeErrs) > 0 {
		t.Errorf("probes failed:\n%s", strings.Join(probeErrs, "\n"))
	}

	// digidip export reads the store too, and needs no more than the
	// reader's role: the same file as a replica's
	out := filepath.Join(f.dir, "reader-export.nq")
	r, err := f.digidip(ctx, f.readerEnv(), "export", "--backend", "postgres", "--store", f.storeURL(f.reader, f.pgHost, f.dbName, nil), "--format", "nquads", "-o", out)
	if err != nil || r.code != 0 {
		t.Fatalf("digidip export as the reader: %v exit %d: %s", err, r.code, r.stderr)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	a, err := do(ctx, f.client, http.MethodGet, f.base(i)+"/export?format=nquads", nil)
	if err != nil || a.status != http.StatusOK {
		t.Fatalf("/export: %d %v", a.status, err)
	}
	if string(got) != string(a.body) {
		t.Errorf("digidip export as the reader wrote %d bytes, not the %d of the replica's /export", len(got), len(a.body))
	}
}

// 9. Replica 3 cut off its database: it keeps answering, and says so.
func (f *fleet) cutOff(t *testing.T, ctx context.Context) {
	const i = replicas - 1
	base := f.base(i)
	f.proxy.stop()
	cut := time.Now()
	var slowest time.Duration
	var polls int
	sawUnreachable := time.Duration(-1)
	for time.Since(cut) < 5*time.Second {
		r, a, err := readyz(ctx, f.client, base)
		polls++
		if err != nil || a.status != http.StatusOK {
			t.Errorf("+%s: /readyz %d %v %.200s", time.Since(cut).Round(time.Millisecond), a.status, err, a.body)
		}
		slowest = max(slowest, a.took)
		if !r.Database.Reachable && sawUnreachable < 0 {
			sawUnreachable = time.Since(cut)
		}
		a, err = do(ctx, f.client, http.MethodGet, base+"/livez", nil)
		if err != nil || a.status != http.StatusOK {
			t.Errorf("+%s: /livez %d %v", time.Since(cut).Round(time.Millisecond), a.status, err)
		}
		slowest = max(slowest, a.took)
		if _, err := graphQL(ctx, f.client, base, statsQuery); err != nil {
			t.Errorf("+%s: /graphql: %v", time.Since(cut).Round(time.Millisecond), err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if slowest > probeWithin {
		t.Errorf("the slowest probe took %s while the database was cut off; want under %s", slowest, probeWithin)
	}
	if sawUnreachable >= 0 {
		t.Logf("cut off: database.reachable turned false %s after the cut; %d polls, slowest probe %s", sawUnreachable.Round(time.Millisecond), polls, slowest.Round(time.Microsecond))
	} else {
		t.Logf("cut off: database.reachable stayed true for 5 s; %d polls, slowest probe %s", polls, slowest.Round(time.Microsecond))
	}

	if err := f.proxy.start(); err != nil {
		t.Fatal(err)
	}
	back := time.Now()
	for k := 0; ; k++ {
		r, a, err := readyz(ctx, f.client, base)
		if err == nil && a.status == http.StatusOK && r.Database.Reachable {
			t.Logf("database.reachable true again %s after the proxy came back", time.Since(back).Round(time.Millisecond))
			break
		}
		if k == 20 {
			t.Fatalf("database.reachable not true 10 s after the proxy came back: %d %v %s", a.status, err, a.body)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// 10. An older release never takes the graph back: neither digidip load
// nor a server in writer mode replaces data of a higher version.
//
// The releases are one data directory, at one path (a store's graph
// remembers the path it was loaded from as its source, and a writer-mode
// server leaves another source's graph alone whatever its version): first
// at the data's version plus one (the new release, loaded), then at the
// data's own version (the old release, tried again). Lowering the data's
// version instead would not do: the first release is version 1, and 0 is
// no version.
func (f *fleet) olderRelease(t *testing.T, ctx context.Context) {
	// the store holds versioned data again, not the N-Quads of step 6
	f.gen = f.mustLoad(t, ctx)
	f.waitReplicas(t, ctx, f.gen, time.Now(), "the embedded data again")

	rel := filepath.Join(f.dir, "release", "data")
	if err := os.CopyFS(rel, os.DirFS(filepath.Join(f.repo, "data"))); err != nil {
		t.Fatal(err)
	}
	vf := filepath.Join(rel, "graph", "version.yaml")
	orig, err := os.ReadFile(vf)
	if err != nil {
		t.Fatalf("data/graph/version.yaml: %v", err)
	}
	vre := regexp.MustCompile(`(?m)^version:\s*([0-9]+)\s*$`)
	m := vre.FindSubmatch(orig)
	if m == nil {
		t.Fatalf("data/graph/version.yaml has no line version: N:\n%s", orig)
	}
	v, _ := strconv.Atoi(string(m[1]))
	setVersion := func(n int) {
		t.Helper()
		if err := os.WriteFile(vf, vre.ReplaceAll(orig, []byte("version: "+strconv.Itoa(n))), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// the new release: version v+1, from the release's directory
	setVersion(v + 1)
	f.gen = f.mustLoad(t, ctx, "--data", rel)
	f.waitReplicas(t, ctx, f.gen, time.Now(), fmt.Sprintf("version %d", v+1))

	// the old release: the same directory at version v
	setVersion(v)
	unchanged := func(what string) {
		t.Helper()
		if g, err := currentGeneration(ctx, f.su, prefix); err != nil || g != f.gen {
			t.Errorf("after %s the store names %q (%v); want %q, unchanged", what, g, err, f.gen)
		}
	}
	for _, args := range [][]string{{"--data", rel}, nil} {
		what := "load " + strings.Join(args, " ")
		if args == nil {
			what = "load (the embedded data, version " + strconv.Itoa(v) + ")"
		}
		_, r := f.load(t, ctx, args...)
		if r.code == 0 || !strings.Contains(r.stderr, "newer") {
			t.Errorf("%s over version %d: exit %d; want non-zero with \"newer\" in stderr:\n%s%s", what, v+1, r.code, r.stdout, r.stderr)
		} else {
			t.Logf("%s refused: %s", what, lastLine(r.stderr))
		}
		unchanged(what)
	}

	// a server in writer mode with the old release's data serves the
	// newer graph and writes nothing
	addr, err := freeAddr()
	if err != nil {
		t.Fatal(err)
	}
	store := f.storeURL(f.writer, f.pgHost, f.dbName, url.Values{"application_name": {"digidip-fleet-old"}})
	p, err := startProc("old release, writer-mode serve", f.bin, f.writerEnv(), "serve", "--backend", "postgres", "--store", store,
		"--data", rel, "--addr", addr, "--poll", "1s", "--drain", "1s")
	if err != nil {
		t.Fatal(err)
	}
	f.track(p)
	if r, took, err := waitReady(ctx, f.client, "http://"+addr, "", p.started, 30*time.Second); err != nil {
		t.Errorf("the old release in writer mode: %v\n%s", err, p.describe())
	} else {
		t.Logf("the old release in writer mode was ready %s after its start, serving %s", took.Round(time.Millisecond), r.Generation)
		if r.Generation != f.gen {
			t.Errorf("the old release in writer mode serves %q; want %q", r.Generation, f.gen)
		}
	}
	time.Sleep(2500 * time.Millisecond) // a couple of polls
	unchanged("the old release's serve started")
	for i := range replicas {
		r, _, err := readyz(ctx, f.client, f.base(i))
		if err != nil || r.Generation != f.gen {
			t.Errorf("replica %d serves %q (%v); want %q", i+1, r.Generation, err, f.gen)
		}
		if r.DataVersion == nil {
			t.Errorf("replica %d: /readyz has no dataVersion; want %d", i+1, v+1)
		} else if *r.DataVersion != v+1 {
			t.Errorf("replica %d: /readyz dataVersion %d; want %d", i+1, *r.DataVersion, v+1)
		}
	}
	for _, l := range strings.Split(p.stderr.String(), "\n") {
		if strings.Contains(l, "level=WARN") {
			t.Logf("old release: %s", l)
		}
	}
	p.signal(syscall.SIGTERM)
	if err := p.wait(20 * time.Second); err != nil {
		t.Errorf("the old release after SIGTERM: %v", err)
	}
}

// waitReplicas waits for every replica to serve gen, and logs how long
// each took from since.
func (f *fleet) waitReplicas(t *testing.T, ctx context.Context, gen string, since time.Time, what string) {
	t.Helper()
	for i := range replicas {
		_, took, err := waitReady(ctx, f.client, f.base(i), gen, since, 30*time.Second)
		if err != nil {
			t.Fatalf("replica %d: %v", i+1, err)
		}
		t.Logf("replica %d serves %s (%s) %s after the load", i+1, what, gen, took.Round(time.Millisecond))
	}
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	return s[strings.LastIndex(s, "\n")+1:]
}

// 11. Configuration mistakes end serve within seconds, naming the setting.
func (f *fleet) mistakes(t *testing.T, ctx context.Context) {
	if _, err := f.su.ExecContext(ctx, `CREATE ROLE `+f.noPriv+` LOGIN PASSWORD 'nopriv-`+f.suffix+`'`); err != nil {
		t.Fatal(err)
	}
	if _, err := f.su.ExecContext(ctx, `GRANT CONNECT ON DATABASE `+f.dbName+` TO `+f.noPriv); err != nil {
		t.Fatal(err)
	}
	reader := func(host, db string, extra url.Values) string { return f.storeURL(f.reader, host, db, extra) }
	cases := []struct {
		name, store string
		env         []string
		want        string
	}{
		{"missing-database", reader(f.pgHost, "digidip_fleet_missing_"+f.suffix, nil), f.readerEnv(), "does not exist"},
		{"unknown-role", f.storeURL("digidip_fleet_nobody_"+f.suffix, f.pgHost, f.dbName, nil), []string{"PGPASSWORD=nobody"}, "role"},
		{"no-privileges", f.storeURL(f.noPriv, f.pgHost, f.dbName, nil), []string{"PGPASSWORD=nopriv-" + f.suffix}, "permission denied"},
		{"bad-sslmode", reader(f.pgHost, f.dbName, url.Values{"sslmode": {"bogus"}}), f.readerEnv(), "sslmode"},
		{"bad-prefix", reader(f.pgHost, f.dbName, url.Values{"digidip_prefix": {"Bad-Name"}}), f.readerEnv(), "digidip_prefix"},
	}
	// all at once: each should end within seconds, and one that does not
	// must not hold the others up
	results := make([]result, len(cases))
	errs := make([]error, len(cases))
	var wg sync.WaitGroup
	for k, tc := range cases {
		wg.Go(func() {
			addr, err := freeAddr()
			if err != nil {
				errs[k] = err
				return
			}
			cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			results[k], errs[k] = f.digidip(cctx, tc.env, "serve", "--read-only", "--backend", "postgres", "--store", tc.store, "--addr", addr, "--poll", "1s")
		})
	}
	wg.Wait()
	for k, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := results[k], errs[k]
			switch {
			case r.code == -1:
				t.Errorf("serve still ran after 10 s; want it to exit with an error naming %q\nstderr: %s", tc.want, r.stderr)
			case err != nil:
				t.Fatal(err)
			case r.code == 0:
				t.Errorf("serve exited 0; want an error naming %q\nstderr: %s", tc.want, r.stderr)
			case !strings.Contains(r.stderr, tc.want) || !strings.Contains(r.stderr, "--store"):
				t.Errorf("serve exited %d in %s; stderr should contain %q and \"--store\":\n%s", r.code, r.took.Round(time.Millisecond), tc.want, r.stderr)
			default:
				t.Logf("exit %d in %s: %s", r.code, r.took.Round(time.Millisecond), lastLine(r.stderr))
			}
		})
	}
}
