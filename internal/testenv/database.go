package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// adminTimeout bounds each administrative statement (create, drop); a
// server that cannot answer in this time is broken, not slow.
const adminTimeout = 30 * time.Second

// NewDatabase creates a fresh, uniquely named database on the PostgreSQL
// server at baseURL and returns a connection string for it: baseURL with the
// database replaced. The database is dropped, with any connections left
// open, when the test and its subtests have finished. Close pools in
// t.Cleanup functions registered after NewDatabase so they run first.
//
// baseURL may be a postgres:// URL or a keyword/value string; its role must
// be allowed to create databases. PGlite serves a single database and is
// refused: use NewSchema there.
func NewDatabase(t testing.TB, baseURL string) string {
	t.Helper()
	name := uniqueName(t)
	dbURL, err := withParam(baseURL, "dbname", name)
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	err = withConn(baseURL, func(ctx context.Context, conn *pgx.Conn) error {
		lite, err := isPGlite(ctx, conn)
		if err != nil {
			return err
		}
		if lite {
			return errors.New("the server is PGlite, which serves one database: use testenv.NewSchema")
		}
		_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize(), pgx.QueryExecModeSimpleProtocol)
		return err
	})
	if err != nil {
		t.Fatalf("testenv: create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		if err := dropDatabase(baseURL, name); err != nil {
			t.Errorf("testenv: drop database %s: %v", name, err)
		}
	})
	return dbURL
}

// NewSchema creates a fresh, uniquely named schema in the database at url
// and returns url with search_path set to that schema, then public (where
// extensions such as vector live). The schema is dropped with everything in
// it when the test ends; SchemaOf tells its name.
//
// On PostgreSQL each connection opened with the returned URL starts with
// that search_path, so tests may run in parallel. PGlite ignores connection
// parameters and shares one session among all its connections, so there
// NewSchema sets the search_path of that shared session (and resets it at
// cleanup), and gives the test exclusive use of PGlite until it ends: other
// tests calling NewSchema on it, in any test binary on the machine, wait
// (at most three minutes, then fail). A test may call it more than once,
// but a parallel subtest of a test holding PGlite would wait for its
// parent: give PGlite to the subtests, not to the parent.
func NewSchema(t testing.TB, url string) string {
	t.Helper()
	name := uniqueName(t)
	ident := pgx.Identifier{name}.Sanitize()
	schemaURL, err := withParam(url, "search_path", name+",public")
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	var lite bool
	err = withConn(url, func(ctx context.Context, conn *pgx.Conn) error {
		var err error
		lite, err = isPGlite(ctx, conn)
		return err
	})
	if err != nil {
		t.Fatalf("testenv: create schema %s: %v", name, err)
	}
	if lite {
		cfg, err := pgconn.ParseConfig(url)
		if err != nil {
			t.Fatalf("testenv: %v", err)
		}
		if err := lockServer(t, fmt.Sprintf("PGlite at %s:%d", cfg.Host, cfg.Port), pgliteWait); err != nil {
			t.Fatalf("testenv: create schema %s: %v", name, err)
		}
	}
	err = withConn(url, func(ctx context.Context, conn *pgx.Conn) error {
		if _, err := conn.Exec(ctx, "CREATE SCHEMA "+ident, pgx.QueryExecModeSimpleProtocol); err != nil {
			return err
		}
		if lite {
			_, err = conn.Exec(ctx, "SET search_path TO "+ident+", public", pgx.QueryExecModeSimpleProtocol)
		}
		return err
	})
	if err != nil {
		t.Fatalf("testenv: create schema %s: %v", name, err)
	}
	t.Cleanup(func() {
		err := withConn(url, func(ctx context.Context, conn *pgx.Conn) error {
			if lite {
				if _, err := conn.Exec(ctx, "RESET search_path", pgx.QueryExecModeSimpleProtocol); err != nil {
					return err
				}
			}
			_, err := conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+ident+" CASCADE", pgx.QueryExecModeSimpleProtocol)
			return err
		})
		if err != nil {
			t.Errorf("testenv: drop schema %s: %v", name, err)
		}
	})
	return schemaURL
}

// SchemaOf returns the first schema of the search_path in a connection
// string made by NewSchema, or "" when it has none.
func SchemaOf(connString string) string {
	cfg, err := pgconn.ParseConfig(connString)
	if err != nil {
		return ""
	}
	first, _, _ := strings.Cut(cfg.RuntimeParams["search_path"], ",")
	return strings.TrimSpace(first)
}

// withConn runs fn on a connection of its own, within adminTimeout. The
// statements use the simple protocol, safe on PGlite whatever the URL says.
func withConn(connString string, fn func(context.Context, *pgx.Conn) error) error {
	ctx, cancel := context.WithTimeout(context.Background(), adminTimeout)
	defer cancel()
	conn, err := pgx.Connect(ctx, connString)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	return fn(ctx, conn)
}

// exec runs one statement on a connection of its own.
func exec(connString, sql string) error {
	return withConn(connString, func(ctx context.Context, conn *pgx.Conn) error {
		_, err := conn.Exec(ctx, sql, pgx.QueryExecModeSimpleProtocol)
		return err
	})
}

// isPGlite tells PGlite from PostgreSQL by its version string.
func isPGlite(ctx context.Context, conn *pgx.Conn) (bool, error) {
	var version string
	if err := conn.QueryRow(ctx, "SELECT version()", pgx.QueryExecModeSimpleProtocol).Scan(&version); err != nil {
		return false, err
	}
	return strings.Contains(version, "PGlite"), nil
}

func dropDatabase(baseURL, name string) error {
	ident := pgx.Identifier{name}.Sanitize()
	err := exec(baseURL, "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)")
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42601" {
		// Servers before PostgreSQL 13 have no FORCE option.
		err = exec(baseURL, "DROP DATABASE IF EXISTS "+ident)
	}
	return err
}

// uniqueName derives a lower-case identifier from the test name, made
// unique by a random suffix, and short enough for PostgreSQL's 63 bytes.
func uniqueName(t testing.TB) string {
	var b strings.Builder
	b.WriteString("rg_")
	for _, r := range strings.ToLower(t.Name()) {
		if b.Len() >= 40 {
			break
		}
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	var suffix [6]byte
	if _, err := rand.Read(suffix[:]); err != nil {
		t.Fatalf("testenv: random name: %v", err)
	}
	b.WriteByte('_')
	b.WriteString(hex.EncodeToString(suffix[:]))
	return b.String()
}

// withParam returns connString with one connection parameter set, for a
// postgres:// URL (the database goes in the path) or a keyword/value
// string (where a later keyword overrides an earlier one).
func withParam(connString, key, value string) (string, error) {
	if strings.ContainsRune(value, 0) {
		return "", fmt.Errorf("connection parameter %s contains a NUL byte", key)
	}
	if strings.HasPrefix(connString, "postgres://") || strings.HasPrefix(connString, "postgresql://") {
		u, err := url.Parse(connString)
		if err != nil {
			return "", fmt.Errorf("parse connection URL: %w", err)
		}
		q := u.Query()
		if key == "dbname" {
			q.Del("dbname")
			u.Path = "/" + value
		} else {
			q.Set(key, value)
		}
		// pgx reads '+' in a query literally: spell a space %20.
		u.RawQuery = strings.ReplaceAll(q.Encode(), "+", "%20")
		return u.String(), nil
	}
	if _, err := pgconn.ParseConfig(connString); err != nil {
		return "", fmt.Errorf("parse connection string: %w", err)
	}
	return strings.TrimSpace(connString) + " " + key + "=" + quoteValue(value), nil
}

// quoteValue quotes a keyword/value connection-string value. Quoting
// always is simplest: any white space would otherwise end the value.
func quoteValue(v string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'"
}
