package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"syscall"

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
	readOnly bool
	db       *sql.DB
}

// storeConns is the size of the store's own pool: a load holds one
// connection for its lock and writes with another; each poll takes one.
const storeConns = 2

// MinPGMaxConns is the least Options.PGMaxConns: the store's own pool and
// two for a streaming export (see acquireStream).
const MinPGMaxConns = storeConns + 2

// cayleyConns is the size of the pool Cayley opens for a generation (one
// being written, or one the cayley engine answers): what is left of
// maxConns once the store's own pool has its share.
func (b *pgBackend) cayleyConns() int { return b.maxConns - storeConns }

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

// openPostgres connects to the database at addr. maxConns bounds the
// connections the store holds (0: DefaultPGMaxConns); a read-only store
// writes nothing, not even the generation table. Errors never show the
// address's password; those Transient does not report are permanent (a
// setting is wrong) and say which setting where they can.
func openPostgres(ctx context.Context, addr string, maxConns int, readOnly bool) (*pgBackend, error) {
	b, err := connectPostgres(ctx, addr, maxConns, readOnly)
	return b, redact.Error(err)
}

func connectPostgres(ctx context.Context, addr string, maxConns int, readOnly bool) (*pgBackend, error) {
	if maxConns == 0 {
		maxConns = DefaultPGMaxConns
	}
	if maxConns < MinPGMaxConns {
		return nil, fmt.Errorf("postgres store: at least %d connections are needed (two for the store, two for an export streaming from Cayley), not %d: %w", MinPGMaxConns, maxConns, domain.ErrInvalidArgument)
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
	if mode := q.Get("sslmode"); !slices.Contains(sslModes, mode) {
		return nil, fmt.Errorf("postgres store: sslmode %q in the URL: use one of %s (require encrypts without checking the server's certificate; verify-full checks it against sslrootcert)", mode, strings.Join(sslModes[1:], ", "))
	}
	b := &pgBackend{dsn: u.String(), prefix: prefix, maxConns: maxConns, readOnly: readOnly}
	b.db, err = sql.Open("postgres", b.dsn)
	if err == nil {
		b.db.SetMaxOpenConns(storeConns)
		b.db.SetMaxIdleConns(storeConns)
	}
	if err != nil {
		return nil, fmt.Errorf("postgres store %s: %w", redact.String(u.String()), err)
	}
	fail := func(err error) (*pgBackend, error) {
		b.db.Close()
		return nil, fmt.Errorf("postgres store %s: %w%s", redact.String(u.String()), err, pgHint(err, b))
	}
	if err := b.db.PingContext(ctx); err != nil {
		return fail(err)
	}
	if !readOnly {
		_, err = b.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS `+b.table()+` (id int PRIMARY KEY CHECK (id = 1), generation text NOT NULL)`)
		if err != nil {
			return fail(err)
		}
	}
	// A read-only store's privileges are checked now, not at the first
	// poll: a role that cannot read the generation table is a setting to
	// fix, not a database to wait for.
	if _, err := b.current(ctx); err != nil {
		return fail(err)
	}
	return b, nil
}

// sslModes are the sslmode values lib/pq knows ("" is its default, require).
var sslModes = []string{"", "disable", "require", "verify-ca", "verify-full"}

// pgHint says which setting a permanent error is about.
func pgHint(err error, b *pgBackend) string {
	var pqErr *pq.Error
	if !errors.As(err, &pqErr) {
		return ""
	}
	switch {
	case pqErr.Code.Class() == "28":
		return " (the role or its password is not accepted: check the URL's user, and the password in the URL or PGPASSWORD)"
	case pqErr.Code == "3D000":
		return " (the URL names a database that does not exist: create it, or fix the name)"
	case pqErr.Code == "42501":
		if b.readOnly {
			return " (the role lacks the reader's privileges that README's \"Running a fleet\" grants)"
		}
		return " (the role lacks the writer's privileges that README's \"Running a fleet\" grants)"
	}
	return ""
}

// Transient reports an error opening or reading a store that waiting may
// cure: the database is unreachable, starting, shutting down or out of
// connections. Others (a wrong password, a missing database or privilege,
// a bad setting) are permanent: retrying would only hide them.
func Transient(err error) bool {
	if err == nil {
		return false
	}
	var pqErr *pq.Error
	if errors.As(err, &pqErr) {
		switch pqErr.Code.Class() {
		case "08", "57", "53": // connection exception, operator intervention, insufficient resources
			return true
		}
		return false
	}
	var netErr net.Error
	var opErr *net.OpError
	return errors.As(err, &opErr) || errors.As(err, &netErr) || errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, driver.ErrBadConn) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET)
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
	return graph.Options{"maxopenconnections": b.cayleyConns(), "maxidleconnections": b.cayleyConns()}
}

func (b *pgBackend) table() string { return pq.QuoteIdentifier(b.prefix + "_current") }

func (b *pgBackend) current(ctx context.Context) (string, error) {
	var gen string
	err := b.db.QueryRowContext(ctx, `SELECT generation FROM `+b.table()+` WHERE id = 1`).Scan(&gen)
	var pqErr *pq.Error
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	} else if b.readOnly && errors.As(err, &pqErr) && pqErr.Code == "42P01" {
		// undefined_table: no writer has run yet; a read-only store waits
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
func (b *pgBackend) remote() bool { return true }
