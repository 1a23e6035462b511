package store

import (
	"context"
	"errors"
	"fmt"
	"regexp"
)

// Config selects and configures the backend. The zero value, after
// Defaults, is the embedded store in ./data.
type Config struct {
	// DSN of a ClickHouse server or cluster (clickhouse-go/v2 syntax). Empty
	// selects the embedded engine.
	DSN string `mapstructure:"dsn"`
	// Cluster name for ON CLUSTER DDL and Replicated/Distributed tables (server mode).
	Cluster string `mapstructure:"cluster"`
	// AsyncInsert asks the server to buffer inserts (server mode).
	AsyncInsert bool `mapstructure:"async_insert"`
	// Database holds slopipe's tables (default "otel"; in server mode the
	// DSN's database, if it names one, wins).
	Database string `mapstructure:"database"`
	// DataDir is where the embedded engine keeps its data.
	DataDir string `mapstructure:"data_dir"`
	// Library is the path of libchdb.so (default: $SLOPIPE_LIBCHDB, then the
	// per-user cache `make engine` fills).
	Library string `mapstructure:"libchdb"`
	// TTLDays keeps a table's rows that many days (0: forever).
	TTLDays map[string]int `mapstructure:"ttl_days"`
}

// Defaults fills unset fields.
func (c *Config) Defaults() {
	if c.Database == "" {
		c.Database = "otel"
	}
	if c.DataDir == "" {
		c.DataDir = "./data"
	}
}

var identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// Validate names the first bad field.
func (c *Config) Validate() error {
	if c.Database != "" && !identifier.MatchString(c.Database) {
		return fmt.Errorf("database: %q is not a plain identifier (letters, digits, underscore)", c.Database)
	}
	if c.Cluster != "" && c.DSN == "" {
		return errors.New("cluster: needs a dsn; the embedded store is a single node")
	}
	for table, days := range c.TTLDays {
		if days < 0 {
			return fmt.Errorf("ttl_days.%s: %d is negative", table, days)
		}
	}
	return nil
}

// Open opens the configured backend and brings its schema up to date.
func Open(ctx context.Context, c Config) (Store, error) {
	c.Defaults()
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	var (
		s   Store
		err error
	)
	if c.DSN != "" {
		s, err = OpenServer(ctx, c.DSN, ServerOptions{Cluster: c.Cluster, AsyncInsert: c.AsyncInsert, Database: c.Database})
	} else {
		s, err = OpenEmbedded(c.Library, c.DataDir, c.Database)
	}
	if err != nil {
		return nil, err
	}
	if _, err := Migrate(ctx, s, SchemaOptions{Cluster: c.Cluster, TTLDays: c.TTLDays}); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}
