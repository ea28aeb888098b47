package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"iter"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ragguard/ragguard/audit"
)

// sourceFlags selects where records are read from: a FileSink directory or
// a PostgresSink table.
type sourceFlags struct {
	dir     string
	pg      string
	origin  string
	pgTable string
}

func (s *sourceFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&s.dir, "dir", "", "read the FileSink directory `DIR`")
	fs.StringVar(&s.pg, "pg", "", "read the PostgresSink table at PostgreSQL `URL`")
	fs.StringVar(&s.origin, "origin", "", "only the stream `ORIGIN` (default: every stream)")
	fs.StringVar(&s.pgTable, "pg-table", "", "PostgresSink `TABLE` (default ragguard_audit_records)")
}

func (s *sourceFlags) check() error {
	switch {
	case s.dir == "" && s.pg == "":
		return errors.New("one of --dir or --pg is required")
	case s.dir != "" && s.pg != "":
		return errors.New("--dir and --pg exclude each other")
	case s.pgTable != "" && s.pg == "":
		return errors.New("--pg-table needs --pg")
	}
	return nil
}

// open returns the records, stream after stream, and a function to release
// what open acquired.
func (s *sourceFlags) open(ctx context.Context) (iter.Seq2[audit.Record, error], func(), error) {
	if s.dir != "" {
		if s.origin != "" {
			return audit.ReadDirOrigin(s.dir, s.origin), func() {}, nil
		}
		if _, err := audit.DirOrigins(s.dir); err != nil {
			return nil, nil, err
		}
		return audit.ReadDir(s.dir), func() {}, nil
	}
	pool, err := pgxpool.New(ctx, s.pg)
	if err != nil {
		return nil, nil, fmt.Errorf("connect: %w", err)
	}
	opts := []audit.SinkOption{audit.WithPostgresTable(s.pgTable)}
	origins := []string{s.origin}
	if s.origin == "" {
		origins, err = audit.PostgresOrigins(ctx, pool, opts...)
		if err != nil {
			pool.Close()
			return nil, nil, err
		}
	}
	seq := func(yield func(audit.Record, error) bool) {
		for _, o := range origins {
			for r, err := range audit.ReadPostgres(ctx, pool, o, opts...) {
				if !yield(r, err) {
					return
				}
			}
		}
	}
	return seq, pool.Close, nil
}
