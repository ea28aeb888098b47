package audit

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"math"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// PostgresSink stores records in an append-only PostgreSQL table, one row
// per record with primary key (origin, seq):
//
//	CREATE TABLE ragguard_audit_records (
//	    origin    text        NOT NULL,
//	    seq       bigint      NOT NULL CHECK (seq >= 0),
//	    type      text        NOT NULL,
//	    data      bytea       NOT NULL,   -- the canonical bytes, as written
//	    stored_at timestamptz NOT NULL DEFAULT now(),
//	    PRIMARY KEY (origin, seq)
//	);
//
// Migrate creates it (Write does on first use) together with triggers that
// refuse UPDATE, DELETE and TRUNCATE, so that even the sink's own role
// cannot rewrite history by accident. The triggers do not stop a table
// owner or superuser who drops them: in production let another role own the
// table and grant the writer only what it needs,
//
//	REVOKE ALL ON ragguard_audit_records FROM ragguard_writer;
//	GRANT SELECT, INSERT ON ragguard_audit_records TO ragguard_writer;
//
// and anchor checkpoints elsewhere too.
//
// Write inserts a batch with one multi-row INSERT ... ON CONFLICT DO
// NOTHING; rows that already existed are read back and compared, so a
// redelivered record succeeds and a different one under the same key is a
// *ConflictError. PostgreSQL 11 or later.
type PostgresSink struct {
	pool   *pgxpool.Pool
	table  pgTable
	batch  int
	closed atomic.Bool

	migrateMu sync.Mutex
	migrated  bool
}

var _ Sink = (*PostgresSink)(nil)

type pgTable struct {
	schema, name string // schema may be empty
}

func (t pgTable) ident() string {
	if t.schema == "" {
		return pgx.Identifier{t.name}.Sanitize()
	}
	return pgx.Identifier{t.schema, t.name}.Sanitize()
}

// qualified names an object in the table's schema.
func (t pgTable) qualified(name string) string {
	if t.schema == "" {
		return pgx.Identifier{name}.Sanitize()
	}
	return pgx.Identifier{t.schema, name}.Sanitize()
}

var pgNamePart = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,47}$`)

func parsePgTable(s string) (pgTable, error) {
	parts := strings.Split(s, ".")
	if len(parts) > 2 {
		return pgTable{}, fmt.Errorf("audit: table name %q: at most schema.table", s)
	}
	for _, p := range parts {
		if !pgNamePart.MatchString(p) {
			return pgTable{}, fmt.Errorf("audit: table name %q: parts must match %s", s, pgNamePart)
		}
	}
	if len(parts) == 2 {
		return pgTable{schema: parts[0], name: parts[1]}, nil
	}
	return pgTable{name: parts[0]}, nil
}

// NewPostgresSink returns a sink writing through pool, which stays the
// caller's (Close does not close it). Options: WithPostgresTable.
func NewPostgresSink(pool *pgxpool.Pool, opts ...SinkOption) (*PostgresSink, error) {
	if pool == nil {
		return nil, errors.New("audit: NewPostgresSink: nil pool")
	}
	cfg := newSinkConfig(opts)
	t, err := parsePgTable(cfg.pgTable)
	if err != nil {
		return nil, err
	}
	return &PostgresSink{pool: pool, table: t, batch: 1000}, nil
}

// Migrate creates the table, its append-only triggers and their function
// if they do not exist. It is safe to run concurrently from several
// processes (an advisory lock serialises them).
func (s *PostgresSink) Migrate(ctx context.Context) error {
	s.migrateMu.Lock()
	defer s.migrateMu.Unlock()
	if err := migratePostgres(ctx, s.pool, s.table); err != nil {
		return err
	}
	s.migrated = true
	return nil
}

func (s *PostgresSink) ensureMigrated(ctx context.Context) error {
	s.migrateMu.Lock()
	done := s.migrated
	s.migrateMu.Unlock()
	if done {
		return nil
	}
	return s.Migrate(ctx)
}

func migratePostgres(ctx context.Context, pool *pgxpool.Pool, t pgTable) error {
	tbl := t.ident()
	fn := t.qualified("ragguard_audit_refuse_change")
	rowTrig := pgx.Identifier{t.name + "_append_only"}.Sanitize()
	truncTrig := pgx.Identifier{t.name + "_no_truncate"}.Sanitize()
	// The trigger names go into a string literal inside the DO block.
	lit := func(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
	stmts := []string{
		`SELECT pg_advisory_xact_lock(hashtext(` + lit("ragguard audit migrate "+tbl) + `))`,
		`CREATE TABLE IF NOT EXISTS ` + tbl + ` (
			origin    text        NOT NULL,
			seq       bigint      NOT NULL CHECK (seq >= 0),
			type      text        NOT NULL,
			data      bytea       NOT NULL,
			stored_at timestamptz NOT NULL DEFAULT now(),
			PRIMARY KEY (origin, seq)
		)`,
		`CREATE OR REPLACE FUNCTION ` + fn + `() RETURNS trigger LANGUAGE plpgsql AS $fn$
		BEGIN
			RAISE EXCEPTION 'ragguard audit table %.% is append-only: % refused', TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_OP
				USING ERRCODE = 'insufficient_privilege';
		END
		$fn$`,
		`DO $do$ BEGIN
			IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = ` + lit(tbl) + `::regclass AND tgname = ` + lit(t.name+"_append_only") + `) THEN
				EXECUTE ` + lit(`CREATE TRIGGER `+rowTrig+` BEFORE UPDATE OR DELETE ON `+tbl+` FOR EACH ROW EXECUTE FUNCTION `+fn+`()`) + `;
			END IF;
			IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = ` + lit(tbl) + `::regclass AND tgname = ` + lit(t.name+"_no_truncate") + `) THEN
				EXECUTE ` + lit(`CREATE TRIGGER `+truncTrig+` BEFORE TRUNCATE ON `+tbl+` FOR EACH STATEMENT EXECUTE FUNCTION `+fn+`()`) + `;
			END IF;
		END $do$`,
	}
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		for _, q := range stmts {
			if _, err := tx.Exec(ctx, q); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("audit: postgres sink: migrate %s: %w", tbl, err)
	}
	return nil
}

// Write inserts recs, in batches of up to 1000 rows per statement, and
// compares those that were already stored.
func (s *PostgresSink) Write(ctx context.Context, recs []Record) error {
	if s.closed.Load() {
		return ErrSinkClosed
	}
	if err := sinkValidBatch(recs); err != nil {
		return err
	}
	for _, r := range recs {
		if r.Seq > math.MaxInt64 {
			return fmt.Errorf("%w: %s/%d: seq beyond PostgreSQL bigint", ErrInvalidRecord, r.Origin, r.Seq)
		}
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("audit: postgres sink: %w", err)
	}
	if err := s.ensureMigrated(ctx); err != nil {
		return err
	}
	for i := 0; i < len(recs); i += s.batch {
		if err := s.insert(ctx, recs[i:min(i+s.batch, len(recs))]); err != nil {
			return err
		}
	}
	return nil
}

type pgKey struct {
	origin string
	seq    int64
}

func (s *PostgresSink) insert(ctx context.Context, recs []Record) error {
	origins := make([]string, len(recs))
	seqs := make([]int64, len(recs))
	types := make([]string, len(recs))
	datas := make([][]byte, len(recs))
	for i, r := range recs {
		origins[i], seqs[i], types[i], datas[i] = r.Origin, int64(r.Seq), string(r.Type), r.Data
	}
	tbl := s.table.ident()
	rows, err := s.pool.Query(ctx, `INSERT INTO `+tbl+` (origin, seq, type, data)
		SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::bytea[])
		ON CONFLICT (origin, seq) DO NOTHING
		RETURNING origin, seq`, origins, seqs, types, datas)
	if err != nil {
		return fmt.Errorf("audit: postgres sink: insert: %w", err)
	}
	inserted := make(map[pgKey]bool, len(recs))
	var k pgKey
	_, err = pgx.ForEachRow(rows, []any{&k.origin, &k.seq}, func() error {
		inserted[k] = true
		return nil
	})
	if err != nil {
		return fmt.Errorf("audit: postgres sink: insert: %w", err)
	}
	if len(inserted) == len(recs) {
		return nil
	}
	// Some keys were already there (redelivery, or a conflict): compare.
	var qo []string
	var qs []int64
	want := make(map[pgKey][]Record)
	for _, r := range recs {
		key := pgKey{r.Origin, int64(r.Seq)}
		if inserted[key] {
			continue
		}
		if want[key] == nil {
			qo, qs = append(qo, r.Origin), append(qs, int64(r.Seq))
		}
		want[key] = append(want[key], r)
	}
	// Duplicates inside one batch make RETURNING name a key once.
	for key := range inserted {
		for _, r := range recs {
			if r.Origin == key.origin && int64(r.Seq) == key.seq {
				want[key] = append(want[key], r)
			}
		}
		if len(want[key]) > 1 {
			qo, qs = append(qo, key.origin), append(qs, key.seq)
		} else {
			delete(want, key)
		}
	}
	rows, err = s.pool.Query(ctx, `SELECT t.origin, t.seq, t.type, t.data FROM `+tbl+` t
		JOIN unnest($1::text[], $2::bigint[]) AS k(origin, seq) USING (origin, seq)`, qo, qs)
	if err != nil {
		return fmt.Errorf("audit: postgres sink: compare: %w", err)
	}
	var typ string
	var data []byte
	found := 0
	_, err = pgx.ForEachRow(rows, []any{&k.origin, &k.seq, &typ, &data}, func() error {
		found++
		for _, r := range want[k] {
			if string(r.Type) != typ || string(r.Data) != string(data) {
				return &ConflictError{Origin: k.origin, Seq: uint64(k.seq), Sink: "postgres"}
			}
		}
		return nil
	})
	if err != nil {
		var ce *ConflictError
		if errors.As(err, &ce) {
			return ce
		}
		return fmt.Errorf("audit: postgres sink: compare: %w", err)
	}
	if found != len(want) {
		return fmt.Errorf("audit: postgres sink: %d of %d rows vanished after insert (table not append-only?)", len(want)-found, len(want))
	}
	return nil
}

// Close marks the sink closed; the pool stays open (it is the caller's).
func (s *PostgresSink) Close() error {
	s.closed.Store(true)
	return nil
}

// ReadPostgres iterates over the records of one origin in Seq order, in
// pages of 1000 rows. Options: WithPostgresTable. After an error it stops.
func ReadPostgres(ctx context.Context, pool *pgxpool.Pool, origin string, opts ...SinkOption) iter.Seq2[Record, error] {
	return func(yield func(Record, error) bool) {
		cfg := newSinkConfig(opts)
		t, err := parsePgTable(cfg.pgTable)
		if err != nil {
			yield(Record{}, err)
			return
		}
		after := int64(-1)
		for {
			rows, err := pool.Query(ctx, `SELECT seq, type, data FROM `+t.ident()+`
				WHERE origin = $1 AND seq > $2 ORDER BY seq LIMIT 1000`, origin, after)
			if err != nil {
				yield(Record{}, fmt.Errorf("audit: read postgres: %w", err))
				return
			}
			var page []Record
			var seq int64
			var typ string
			var data []byte
			_, err = pgx.ForEachRow(rows, []any{&seq, &typ, &data}, func() error {
				page = append(page, Record{Origin: origin, Seq: uint64(seq), Type: RecordType(typ), Data: data})
				data = nil
				return nil
			})
			if err != nil {
				yield(Record{}, fmt.Errorf("audit: read postgres: %w", err))
				return
			}
			for _, r := range page {
				if !yield(r, nil) {
					return
				}
			}
			if len(page) < 1000 {
				return
			}
			after = int64(page[len(page)-1].Seq)
		}
	}
}

// PostgresOrigins lists the origins stored in the table, sorted. Options:
// WithPostgresTable.
func PostgresOrigins(ctx context.Context, pool *pgxpool.Pool, opts ...SinkOption) ([]string, error) {
	cfg := newSinkConfig(opts)
	t, err := parsePgTable(cfg.pgTable)
	if err != nil {
		return nil, err
	}
	rows, err := pool.Query(ctx, `SELECT DISTINCT origin FROM `+t.ident()+` ORDER BY origin`)
	if err != nil {
		return nil, fmt.Errorf("audit: postgres origins: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("audit: postgres origins: %w", err)
	}
	return out, nil
}
