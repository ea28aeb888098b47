package mask

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// PGConn is what PostgresVault needs from a connection: *pgxpool.Pool
// satisfies it (and *pgx.Conn, for single-goroutine use).
type PGConn interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// PostgresVault keeps tokens in a PostgreSQL table, shared by every replica
// of a service. The table is created on first use. Values are stored as
// given: restrict access to the table as you would to the data itself.
type PostgresVault struct {
	db    PGConn
	table string
	mu    sync.Mutex
	ready bool
}

var tableName = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

// NewPostgresVault returns a vault over db using table (default
// "ragguard_mask_tokens"; lower-case letters, digits and underscores).
func NewPostgresVault(db PGConn, table string) (*PostgresVault, error) {
	if db == nil {
		return nil, errors.New("mask: postgres vault needs a connection")
	}
	if table == "" {
		table = "ragguard_mask_tokens"
	}
	if !tableName.MatchString(table) {
		return nil, fmt.Errorf("mask: invalid vault table name %q", table)
	}
	return &PostgresVault{db: db, table: table}, nil
}

func (v *PostgresVault) init(ctx context.Context) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.ready {
		return nil
	}
	_, err := v.db.Exec(ctx, `CREATE TABLE IF NOT EXISTS `+v.table+` (
		tenant     text NOT NULL,
		token      text NOT NULL,
		value      text NOT NULL,
		expires_at timestamptz NOT NULL,
		PRIMARY KEY (tenant, token))`)
	if err == nil {
		_, err = v.db.Exec(ctx, `CREATE INDEX IF NOT EXISTS `+v.table+`_expires ON `+v.table+` (expires_at)`)
	}
	if err != nil {
		return fmt.Errorf("mask: create vault table: %w", err) // retried on the next call
	}
	v.ready = true
	return nil
}

// Put implements Vault.
func (v *PostgresVault) Put(ctx context.Context, tenant, token, value string, ttl time.Duration) error {
	if ttl <= 0 {
		return errors.New("mask: vault ttl must be positive")
	}
	if err := v.init(ctx); err != nil {
		return err
	}
	_, err := v.db.Exec(ctx, `INSERT INTO `+v.table+` (tenant, token, value, expires_at)
		VALUES ($1, $2, $3, now() + $4 * interval '1 millisecond')
		ON CONFLICT (tenant, token) DO UPDATE SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at`,
		tenant, token, value, ttl.Milliseconds())
	if err != nil {
		return fmt.Errorf("mask: vault put: %w", err)
	}
	return nil
}

// Get implements Vault.
func (v *PostgresVault) Get(ctx context.Context, tenant, token string) (string, bool, error) {
	if err := v.init(ctx); err != nil {
		return "", false, err
	}
	var value string
	err := v.db.QueryRow(ctx, `SELECT value FROM `+v.table+` WHERE tenant = $1 AND token = $2 AND expires_at > now()`,
		tenant, token).Scan(&value)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("mask: vault get: %w", err)
	}
	return value, true, nil
}

// Sweep deletes expired tokens and returns how many it deleted.
func (v *PostgresVault) Sweep(ctx context.Context) (int64, error) {
	if err := v.init(ctx); err != nil {
		return 0, err
	}
	tag, err := v.db.Exec(ctx, `DELETE FROM `+v.table+` WHERE expires_at <= now()`)
	if err != nil {
		return 0, fmt.Errorf("mask: vault sweep: %w", err)
	}
	return tag.RowsAffected(), nil
}

// LogValue never logs the held values.
func (v *PostgresVault) LogValue() slog.Value {
	return slog.GroupValue(slog.String("kind", "postgres"), slog.String("table", v.table))
}
