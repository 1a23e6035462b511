package store

import (
	"cmp"
	"context"
	"fmt"
	"net/url"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// Server is the store backed by a ClickHouse server or cluster through
// clickhouse-go/v2.
type Server struct {
	conn     driver.Conn
	database string
	cluster  string
}

// ServerOptions configure the server backend beyond the DSN.
type ServerOptions struct {
	// Cluster, when set, makes DDL run ON CLUSTER with replicated tables
	// behind Distributed ones (see schema).
	Cluster string
	// AsyncInsert lets the server buffer small inserts into larger parts.
	AsyncInsert bool
	// Database is slopipe's database when the DSN names none (default
	// "otel").
	Database string
}

// OpenServer connects with a clickhouse-go DSN, e.g.
// clickhouse://user:pass@host1:9000,host2:9000/otel?secure=true or
// http://user:pass@host:8123/otel. The DSN's database is slopipe's database
// (else ServerOptions.Database, else "otel"); it is created if missing.
func OpenServer(ctx context.Context, dsn string, o ServerOptions) (*Server, error) {
	opts, err := clickhouse.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("clickhouse dsn: %w", err)
	}
	database := cmp.Or(opts.Auth.Database, o.Database, "otel")
	if opts.Settings == nil {
		opts.Settings = clickhouse.Settings{}
	}
	if o.AsyncInsert {
		opts.Settings["async_insert"] = 1
		opts.Settings["wait_for_async_insert"] = 1
	}
	// The database may not exist yet: create it over a connection without
	// one, then connect with it as the default for unqualified names.
	opts.Auth.Database = ""
	bootstrap, err := connect(ctx, opts, dsn)
	if err != nil {
		return nil, err
	}
	create := "CREATE DATABASE IF NOT EXISTS " + QuoteIdent(database)
	if o.Cluster != "" {
		create += " ON CLUSTER " + QuoteIdent(o.Cluster)
	}
	err = bootstrap.Exec(ctx, create)
	bootstrap.Close()
	if err != nil {
		return nil, fmt.Errorf("create database %s: %w", database, err)
	}
	opts.Auth.Database = database
	conn, err := connect(ctx, opts, dsn)
	if err != nil {
		return nil, err
	}
	return &Server{conn: conn, database: database, cluster: o.Cluster}, nil
}

func connect(ctx context.Context, opts *clickhouse.Options, dsn string) (driver.Conn, error) {
	conn, err := clickhouse.Open(opts)
	if err != nil {
		return nil, fmt.Errorf("clickhouse %s: %w", redactDSN(dsn), err)
	}
	if err := conn.Ping(ctx); err != nil {
		conn.Close()
		return nil, fmt.Errorf("clickhouse %s: %w", redactDSN(dsn), err)
	}
	return conn, nil
}

// redactDSN hides the password of a DSN for messages.
func redactDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return dsn
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

func (s *Server) Database() string { return s.database }
func (s *Server) Backend() string  { return "server" }
func (s *Server) Close() error     { return s.conn.Close() }

// Cluster is the cluster DDL runs on, or "".
func (s *Server) Cluster() string { return s.cluster }

func (s *Server) withParams(ctx context.Context, params Params) context.Context {
	opts := []clickhouse.QueryOption{}
	if len(params) > 0 {
		opts = append(opts, clickhouse.WithParameters(clickhouse.Parameters(params)))
	}
	return clickhouse.Context(ctx, opts...)
}

func (s *Server) Exec(ctx context.Context, sql string, params Params) error {
	return s.conn.Exec(s.withParams(ctx, params), sql)
}

func (s *Server) Query(ctx context.Context, sql string, params Params) (Rows, error) {
	rows, err := s.conn.Query(s.withParams(ctx, params), sql)
	if err != nil {
		return nil, err
	}
	return rows, nil
}

func (s *Server) Insert(ctx context.Context, b *Batch) error {
	rows, err := b.Rows()
	if err != nil {
		return err
	}
	if rows == 0 {
		return nil
	}
	batch, err := s.conn.PrepareBatch(ctx, fmt.Sprintf("INSERT INTO %s.%s (%s)",
		QuoteIdent(s.database), QuoteIdent(b.Table), b.quotedColumnList()))
	if err != nil {
		return fmt.Errorf("insert into %s: %w", b.Table, err)
	}
	defer batch.Abort()
	for i, c := range b.Columns {
		if err := batch.Column(i).Append(c.Values()); err != nil {
			return fmt.Errorf("insert into %s: column %s: %w", b.Table, c.Name(), err)
		}
	}
	if got := batch.Rows(); got != rows {
		return &ShortWriteError{Table: b.Table, Sent: uint64(rows), Written: uint64(got)}
	}
	// A server writes a block whole or not at all: Send's error is the answer.
	if err := batch.Send(); err != nil {
		return fmt.Errorf("insert into %s: %w", b.Table, err)
	}
	return nil
}

// foregroundInserts makes inserts into a cluster's Distributed tables reach
// their shards before returning, where a write is made visible by a later
// one (a billing import by its completion, a cost report day by its run,
// SLI hours by the minutes they sum and read by the same cycle):
// by default a Distributed table queues the rows and the later write could
// be read first.
func foregroundInserts(ctx context.Context, st Store) context.Context {
	if s, ok := Underlying(st).(*Server); ok && s.Cluster() != "" {
		return clickhouse.Context(ctx, clickhouse.WithSettings(clickhouse.Settings{"distributed_foreground_insert": 1}))
	}
	return ctx
}
