package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"iter"

	"github.com/google/uuid"
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

// parseArgs parses args into fs (on which s is registered), refuses
// positional arguments and checks the source flags. On failure it returns
// the exit code to return, and false.
func (s *sourceFlags) parseArgs(e *env, fs *flag.FlagSet, args []string) (int, bool) {
	pos, code, ok := parse(fs, args)
	if !ok {
		return code, false
	}
	if len(pos) > 0 {
		return usageErr(e, fs, "unexpected argument %q", pos[0]), false
	}
	if err := s.check(); err != nil {
		return usageErr(e, fs, "%v", err), false
	}
	return 0, true
}

// eventFlags are the flags of a command about one event of a source:
// the source and --id.
type eventFlags struct {
	sourceFlags
	id *string
}

func registerEventFlags(fs *flag.FlagSet) *eventFlags {
	f := &eventFlags{}
	f.register(fs)
	f.id = fs.String("id", "", "the event's `ID` (UUID)")
	return f
}

// parseArgs is sourceFlags.parseArgs plus a valid --id.
func (f *eventFlags) parseArgs(e *env, fs *flag.FlagSet, args []string) (uuid.UUID, int, bool) {
	if code, ok := f.sourceFlags.parseArgs(e, fs, args); !ok {
		return uuid.UUID{}, code, false
	}
	id, err := parseEventID(*f.id)
	if err != nil {
		return uuid.UUID{}, usageErr(e, fs, "%v", err), false
	}
	return id, 0, true
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
