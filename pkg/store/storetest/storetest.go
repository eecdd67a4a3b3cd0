// Package storetest opens fresh, migrated stores for tests: always a SQLite
// file, and a PostgreSQL schema of its own when UNIMESH_TEST_POSTGRES_URL is
// set (make test and .ci/run set it).
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/unimesh/unimesh/pkg/store"
)

// PostgresEnv names the variable holding the test database's URL.
const PostgresEnv = "UNIMESH_TEST_POSTGRES_URL"

// Run runs fn once per available database as a subtest named "sqlite" or "postgres".
func Run(t *testing.T, fn func(t *testing.T, s *store.Store)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) {
		s := Postgres(t)
		if s == nil {
			t.Skip(PostgresEnv + " is not set")
		}
		fn(t, s)
	})
}

// SQLite opens a migrated store in a temporary file.
func SQLite(t testing.TB) *store.Store {
	t.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "unimesh.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}

// Postgres opens a migrated store in a new schema of the test database, and
// drops the schema afterwards. It returns nil when no database is configured.
func Postgres(t testing.TB) *store.Store {
	t.Helper()
	u := PostgresURL(t)
	if u == "" {
		return nil
	}
	ctx := context.Background()
	s, err := store.Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}

// PostgresURL creates a new schema in the test database and returns a URL
// that uses it; the schema is dropped afterwards. It returns "" when no
// database is configured.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(PostgresEnv)
	if base == "" {
		return ""
	}
	ctx := context.Background()
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create test schema (is PostgreSQL running at %s?): %v", base, err)
	}
	t.Cleanup(func() {
		a, err := sql.Open("pgx", base)
		if err == nil {
			_, _ = a.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
			_ = a.Close()
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
