package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"net/url"
	"os"
	"regexp"
	"strings"

	"github.com/digidip/digidip/domain"

	"github.com/cayleygraph/cayley/clog"
	"github.com/cayleygraph/cayley/graph"
	csql "github.com/cayleygraph/cayley/graph/sql"
	_ "github.com/cayleygraph/cayley/graph/sql/postgres" // registers Cayley's PostgreSQL backend
	"github.com/cayleygraph/quad"
	"github.com/lib/pq"

	"github.com/digidip/digidip/redact"
)

// A PostgreSQL store keeps each generation in a schema of its own,
// <prefix>_g<n> (n orders generations, see genSeq), holding Cayley's
// tables, and the generation's blobs in a table of its own, digidip_blobs
// (name, data), so that they come and go with the schema; the table
// <prefix>_current names the current one. A load writes a new schema, then
// switches the name in one transaction, so every server on the database
// sees the old graph or the new one. The prefix (default "digidip", set with the address's
// digidip_prefix parameter) lets several stores share one database.
type pgBackend struct {
	dsn      string // without digidip_prefix
	prefix   string
	maxConns int
	db       *sql.DB
}

// DefaultPGMaxConns is the default of Options.PGMaxConns.
const DefaultPGMaxConns = 6

// Cayley's SQL backend logs through clog, and logs the whole address
// (password included) when it cannot connect: send its lines to slog,
// without credentials.
func init() { clog.SetLogger(clogLogger{}) }

type clogLogger struct{}

func (clogLogger) Infof(format string, args ...any) {
	slog.Info(redact.String(fmt.Sprintf(format, args...)), "from", "cayley")
}
func (clogLogger) Warningf(format string, args ...any) {
	slog.Warn(redact.String(fmt.Sprintf(format, args...)), "from", "cayley")
}
func (clogLogger) Errorf(format string, args ...any) {
	slog.Error(redact.String(fmt.Sprintf(format, args...)), "from", "cayley")
}
func (clogLogger) Fatalf(format string, args ...any) {
	slog.Error(redact.String(fmt.Sprintf(format, args...)), "from", "cayley")
	os.Exit(1)
}
func (clogLogger) V(int) bool { return false }
func (clogLogger) SetV(int)   {}

var pgPrefix = regexp.MustCompile(`^[a-z][a-z0-9_]{0,30}$`)

// openPostgres connects to the database at addr. maxConns bounds each of
// the store's connection pools (0: DefaultPGMaxConns); errors never show the
// address's password.
func openPostgres(ctx context.Context, addr string, maxConns int) (*pgBackend, error) {
	b, err := connectPostgres(ctx, addr, maxConns)
	return b, redact.Error(err)
}

func connectPostgres(ctx context.Context, addr string, maxConns int) (*pgBackend, error) {
	if maxConns == 0 {
		maxConns = DefaultPGMaxConns
	}
	if maxConns < 2 {
		// a load holds one connection for its lock and writes on another
		return nil, fmt.Errorf("postgres store: at least 2 connections are needed, not %d: %w", maxConns, domain.ErrInvalidArgument)
	}
	u, err := url.Parse(addr)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return nil, fmt.Errorf("postgres store: the address must be a postgres:// URL")
	}
	q := u.Query()
	prefix := q.Get("digidip_prefix")
	if prefix == "" {
		prefix = "digidip"
	}
	if !pgPrefix.MatchString(prefix) {
		return nil, fmt.Errorf("postgres store: digidip_prefix %q: use lower-case letters, digits and _", prefix)
	}
	q.Del("digidip_prefix")
	u.RawQuery = q.Encode()
	b := &pgBackend{dsn: u.String(), prefix: prefix, maxConns: maxConns}
	b.db, err = sql.Open("postgres", b.dsn)
	if err == nil {
		b.db.SetMaxOpenConns(maxConns)
		b.db.SetMaxIdleConns(maxConns)
	}
	if err != nil {
		return nil, fmt.Errorf("postgres store %s: %w", redact.String(u.String()), err)
	}
	if err := b.db.PingContext(ctx); err != nil {
		b.db.Close()
		return nil, fmt.Errorf("postgres store %s: %w", redact.String(u.String()), err)
	}
	_, err = b.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS `+b.table()+` (id int PRIMARY KEY CHECK (id = 1), generation text NOT NULL)`)
	if err != nil {
		b.db.Close()
		return nil, fmt.Errorf("postgres store %s: %w", redact.String(u.String()), err)
	}
	return b, nil
}

// acquireStream waits, until ctx ends, for a PostgreSQL store to have
// connections free for one more export: Cayley's reader holds one for its
// rows and takes a second for each quad's values, so more streams than half
// the pool would each hold one and wait forever for another.
func (s *Store) acquireStream(ctx context.Context) (release func(), err error) {
	if s.streams == nil {
		return func() {}, nil
	}
	select {
	case s.streams <- struct{}{}:
		return func() { <-s.streams }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// cayleyOptions make each generation's own pool (Cayley's SQL backend
// opens one per quad store) as bounded as the store's.
func (b *pgBackend) cayleyOptions() graph.Options {
	return graph.Options{"maxopenconnections": b.maxConns, "maxidleconnections": b.maxConns}
}

func (b *pgBackend) table() string { return pq.QuoteIdentifier(b.prefix + "_current") }

func (b *pgBackend) current(ctx context.Context) (string, error) {
	var gen string
	err := b.db.QueryRowContext(ctx, `SELECT generation FROM `+b.table()+` WHERE id = 1`).Scan(&gen)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	} else if err != nil {
		return "", redact.Error(fmt.Errorf("postgres store: %w", err))
	}
	if !strings.HasPrefix(gen, b.prefix+"_g") {
		return "", fmt.Errorf("postgres store: %s names %q, which is not a generation of %s", b.table(), gen, b.prefix)
	}
	if _, err := genSeq(gen); err != nil {
		return "", fmt.Errorf("postgres store: %s: %w", b.table(), err)
	}
	return gen, nil
}

// schemaDSN is the address of one generation: Cayley creates and reads its
// tables in the first schema of the search path.
func (b *pgBackend) schemaDSN(gen string) string {
	u, _ := url.Parse(b.dsn)
	q := u.Query()
	q.Set("search_path", gen)
	u.RawQuery = q.Encode()
	return u.String()
}

func (b *pgBackend) open(ctx context.Context, gen string) (graph.QuadStore, error) {
	if gen == "" {
		return emptyStore(), nil
	}
	qs, err := csql.New("postgres", b.schemaDSN(gen), b.cayleyOptions())
	if err != nil {
		return nil, redact.Error(fmt.Errorf("postgres store: generation %s: %w", gen, err))
	}
	return qs, nil
}

// blobTable is the table of a generation's blobs.
func blobTable(gen string) string { return pq.QuoteIdentifier(gen) + ".digidip_blobs" }

func (b *pgBackend) putBlobs(ctx context.Context, gen string, blobs map[string][]byte) error {
	if _, err := b.db.ExecContext(ctx, `CREATE TABLE `+blobTable(gen)+` (name text PRIMARY KEY, data bytea NOT NULL)`); err != nil {
		return redact.Error(fmt.Errorf("postgres store: generation %s: %w", gen, err))
	}
	for name, data := range blobs {
		if _, err := b.db.ExecContext(ctx, `INSERT INTO `+blobTable(gen)+` (name, data) VALUES ($1, $2)`, name, data); err != nil {
			return redact.Error(fmt.Errorf("postgres store: generation %s: blob %s: %w", gen, name, err))
		}
	}
	return nil
}

func (b *pgBackend) blob(ctx context.Context, gen, name string) ([]byte, error) {
	var data []byte
	err := b.db.QueryRowContext(ctx, `SELECT data FROM `+blobTable(gen)+` WHERE name = $1`, name).Scan(&data)
	var pqErr *pq.Error
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, fmt.Errorf("postgres store: generation %s: blob %s: %w", gen, name, errNoBlob)
	case errors.As(err, &pqErr) && pqErr.Code == "42P01": // undefined_table: written before blobs were
		return nil, fmt.Errorf("postgres store: generation %s has no blobs: %w", gen, errNoBlob)
	case err != nil:
		return nil, redact.Error(fmt.Errorf("postgres store: generation %s: blob %s: %w", gen, name, err))
	}
	return data, nil
}

func (b *pgBackend) write(ctx context.Context, quads []quad.Quad, blobs map[string][]byte, floor uint64) (string, error) {
	// One load at a time: a session-level advisory lock on a connection of
	// our own, released when the load ends (or its connection dies).
	conn, err := b.db.Conn(ctx)
	if err != nil {
		return "", redact.Error(fmt.Errorf("postgres store: %w", err))
	}
	defer conn.Close()
	h := fnv.New64a()
	h.Write([]byte("digidip-load:" + b.prefix))
	key := int64(h.Sum64())
	var got bool
	if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock($1)`, key).Scan(&got); err != nil {
		return "", redact.Error(fmt.Errorf("postgres store: %w", err))
	}
	if !got {
		return "", redact.Error(fmt.Errorf("postgres store: %w (a load is running)", ErrLocked))
	}
	defer conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock($1)`, key)

	// Under the lock, so the number comes after the current one even when
	// this server's clock is behind the one that made it.
	cur, err := b.current(ctx)
	if err != nil {
		return "", err
	}
	seq, err := nextSeq(cur, floor)
	if err != nil {
		return "", fmt.Errorf("postgres store: %w", err)
	}
	gen := fmt.Sprintf("%s_g%d", b.prefix, seq)
	if _, err := b.db.ExecContext(ctx, `CREATE SCHEMA `+pq.QuoteIdentifier(gen)); err != nil {
		return "", redact.Error(fmt.Errorf("postgres store: %w", err))
	}
	drop := func() {
		b.db.ExecContext(context.Background(), `DROP SCHEMA IF EXISTS `+pq.QuoteIdentifier(gen)+` CASCADE`)
	}
	if err := b.fill(ctx, gen, quads); err != nil {
		drop()
		return "", err
	}
	if err := b.putBlobs(ctx, gen, blobs); err != nil {
		drop()
		return "", err
	}
	_, err = b.db.ExecContext(ctx, `INSERT INTO `+b.table()+` (id, generation) VALUES (1, $1)
		ON CONFLICT (id) DO UPDATE SET generation = EXCLUDED.generation`, gen)
	if err != nil {
		drop()
		return "", redact.Error(fmt.Errorf("postgres store: %w", err))
	}
	b.sweep(ctx, gen)
	return gen, nil
}

func (b *pgBackend) fill(ctx context.Context, gen string, quads []quad.Quad) error {
	dsn := b.schemaDSN(gen)
	if err := csql.Init("postgres", dsn, b.cayleyOptions()); err != nil {
		return redact.Error(fmt.Errorf("postgres store: create generation %s: %w", gen, err))
	}
	qs, err := csql.New("postgres", dsn, b.cayleyOptions())
	if err != nil {
		return redact.Error(fmt.Errorf("postgres store: generation %s: %w", gen, err))
	}
	defer qs.Close()
	// One transaction for the whole generation: Cayley's SQL writer commits
	// per batch, which is slower and would leave nothing to gain here.
	deltas := make([]graph.Delta, 0, len(quads))
	for _, q := range quads {
		deltas = append(deltas, graph.Delta{Quad: q, Action: graph.Add})
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := qs.ApplyDeltas(deltas, graph.IgnoreOpts{IgnoreDup: true}); err != nil {
		return redact.Error(fmt.Errorf("postgres store: write generation %s: %w", gen, err))
	}
	return nil
}

// sweep drops generations other than the current one and the one before it.
func (b *pgBackend) sweep(ctx context.Context, keep string) {
	rows, err := b.db.QueryContext(ctx, `SELECT nspname FROM pg_namespace WHERE nspname LIKE $1`, b.prefix+`\_g%`)
	if err != nil {
		return
	}
	var gens []string
	for rows.Next() {
		var n string
		if rows.Scan(&n) == nil && strings.HasPrefix(n, b.prefix+"_g") {
			gens = append(gens, n)
		}
	}
	rows.Close()
	sortGens(gens)
	for i, g := range gens {
		if g != keep && i < len(gens)-2 {
			b.db.ExecContext(ctx, `DROP SCHEMA IF EXISTS `+pq.QuoteIdentifier(g)+` CASCADE`)
		}
	}
}

func (b *pgBackend) close() error { return b.db.Close() }
