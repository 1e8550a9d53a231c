// Package storetest gives each test a PostgreSQL store of its own on the
// database that DIGIDIP_TEST_POSTGRES names, and drops it when the test ends.
package storetest

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lib/pq"
)

var stores atomic.Int64

// PostgresURL is the address of a store of the test's own: the database of
// DIGIDIP_TEST_POSTGRES with a digidip_prefix no other test uses, so tests
// (and test binaries) run side by side on one database. Without the
// variable the test skips.
func PostgresURL(t testing.TB) *url.URL {
	t.Helper()
	dsn := os.Getenv("DIGIDIP_TEST_POSTGRES")
	if dsn == "" {
		t.Skip("DIGIDIP_TEST_POSTGRES not set: no PostgreSQL to test on")
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("DIGIDIP_TEST_POSTGRES: %v", err)
	}
	// the time keeps test binaries apart, the count the tests of one binary
	prefix := fmt.Sprintf("t%dx%d", time.Now().UnixNano(), stores.Add(1))
	q := u.Query()
	q.Set("digidip_prefix", prefix)
	u.RawQuery = q.Encode()
	t.Cleanup(func() {
		if err := drop(context.Background(), dsn, prefix); err != nil {
			t.Errorf("drop the test's store %s: %v", prefix, err)
		}
	})
	return u
}

// PostgresAddress is PostgresURL as a string.
func PostgresAddress(t testing.TB) string {
	t.Helper()
	return PostgresURL(t).String()
}

// drop removes every schema and table a store of that prefix made: the store
// names each of them <prefix>_..., which is what lets stores share a database.
func drop(ctx context.Context, dsn, prefix string) error {
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	like := strings.ReplaceAll(prefix, "_", `\_`) + `\_%`
	schemas, err := names(ctx, db, `SELECT nspname FROM pg_namespace WHERE nspname LIKE $1`, like)
	if err != nil {
		return err
	}
	for _, s := range schemas {
		if _, err := db.ExecContext(ctx, `DROP SCHEMA IF EXISTS `+pq.QuoteIdentifier(s)+` CASCADE`); err != nil {
			return fmt.Errorf("drop schema %s: %w", s, err)
		}
	}
	tables, err := names(ctx, db, `SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) FROM pg_tables WHERE tablename LIKE $1`, like)
	if err != nil {
		return err
	}
	for _, tb := range tables {
		if _, err := db.ExecContext(ctx, `DROP TABLE IF EXISTS `+tb); err != nil {
			return fmt.Errorf("drop table %s: %w", tb, err)
		}
	}
	return nil
}

func names(ctx context.Context, db *sql.DB, query string, args ...any) ([]string, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("list: %w", err)
		}
		out = append(out, n)
	}
	return out, rows.Err()
}
