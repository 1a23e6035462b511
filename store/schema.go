package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"text/template"
	"time"
)

//go:embed schema/*.sql
var schemaFiles embed.FS

// SchemaOptions shape the DDL: where it runs and how long data is kept.
type SchemaOptions struct {
	Database string
	// Cluster, when set, creates Replicated*MergeTree tables named <table>_local
	// on every node (ON CLUSTER) and a Distributed table under the plain
	// name in front of them, so readers and writers use the same names.
	Cluster string
	// TTLDays keeps rows of a table for that many days; 0 or absent keeps
	// them forever.
	TTLDays map[string]int
}

// Migration is one versioned step of the schema.
type Migration struct {
	Version    int
	Name       string
	Statements []string
	Checksum   string // of the rendered statements
}

const migrationsTable = "slopipe_schema_migrations"

// Migrations renders the embedded schema files for opts, in version order.
// The same options always render the same bytes (golden-tested).
func Migrations(opts SchemaOptions) ([]Migration, error) {
	names, err := fs.Glob(schemaFiles, "schema/*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var out []Migration
	for _, name := range names {
		base := path.Base(name)
		prefix, rest, ok := strings.Cut(base, "_")
		version, err := strconv.Atoi(prefix)
		if !ok || err != nil {
			return nil, fmt.Errorf("schema file %s: name must be NNN_description.sql", base)
		}
		text, err := schemaFiles.ReadFile(name)
		if err != nil {
			return nil, err
		}
		rendered, err := renderSchema(base, string(text), opts)
		if err != nil {
			return nil, err
		}
		stmts := SplitStatements(rendered)
		sum := sha256.Sum256([]byte(strings.Join(stmts, ";\n")))
		out = append(out, Migration{
			Version:    version,
			Name:       strings.TrimSuffix(rest, ".sql"),
			Statements: stmts,
			Checksum:   hex.EncodeToString(sum[:8]),
		})
	}
	return out, nil
}

type metricKind struct{ Name, Table string }

var metricKinds = []metricKind{
	{"gauge", "otel_metrics_gauge"},
	{"sum", "otel_metrics_sum"},
	{"histogram", "otel_metrics_histogram"},
	{"exponential_histogram", "otel_metrics_exponential_histogram"},
	{"summary", "otel_metrics_summary"},
}

// k8sAttributes are the resource attributes the contrib exporter
// materializes as columns of otel_logs.
var k8sAttributes = []string{
	"k8s.cluster.name", "k8s.container.name", "k8s.deployment.name", "k8s.namespace.name",
	"k8s.node.name", "k8s.pod.name", "k8s.pod.uid", "deployment.environment.name",
}

func renderSchema(name, text string, opts SchemaOptions) (string, error) {
	db := QuoteIdent(opts.Database)
	clustered := opts.Cluster != ""
	funcs := template.FuncMap{
		"metricKinds":   func() []metricKind { return metricKinds },
		"k8sAttributes": func() []string { return k8sAttributes },
		"table": func(table string) string {
			if clustered {
				return db + "." + QuoteIdent(table+"_local")
			}
			return db + "." + QuoteIdent(table)
		},
		"list": func(items ...string) []string { return items },
		// syncOnCluster makes a DROP release a replicated table's path in
		// the coordinator at once, so that re-creating it does not fail.
		"syncOnCluster": func() string {
			if clustered {
				return "SYNC"
			}
			return ""
		},
		// plain names a table as readers and writers do: on a cluster, its
		// Distributed table, so a statement covers every shard.
		"plain": func(table string) string { return db + "." + QuoteIdent(table) },
		"dropDistributed": func(table string) string {
			if !clustered {
				return ""
			}
			return fmt.Sprintf("DROP TABLE IF EXISTS %s.%s ON CLUSTER %s SYNC;", db, QuoteIdent(table), QuoteIdent(opts.Cluster))
		},
		"alterDistributed": func(table, alteration string) string {
			if !clustered {
				return ""
			}
			return fmt.Sprintf("ALTER TABLE %s.%s ON CLUSTER %s %s;", db, QuoteIdent(table), QuoteIdent(opts.Cluster), alteration)
		},
		"onCluster": func() string {
			if clustered {
				return "ON CLUSTER " + QuoteIdent(opts.Cluster)
			}
			return ""
		},
		"engine": func(engine string, args ...string) string {
			if !clustered {
				return engine + "(" + strings.Join(args, ", ") + ")"
			}
			replicated := append([]string{"'/clickhouse/tables/{shard}/{database}/{table}'", "'{replica}'"}, args...)
			return "Replicated" + engine + "(" + strings.Join(replicated, ", ") + ")"
		},
		"ttl": func(table, timeExpr string) string {
			if days := opts.TTLDays[table]; days > 0 {
				return fmt.Sprintf("TTL %s + toIntervalDay(%d)", timeExpr, days)
			}
			return ""
		},
		"distributed": func(table, shardingKey string) string {
			if !clustered {
				return ""
			}
			return fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s.%s ON CLUSTER %s AS %s.%s\nENGINE = Distributed(%s, %s, %s, %s);",
				db, QuoteIdent(table), QuoteIdent(opts.Cluster), db, QuoteIdent(table+"_local"),
				QuoteString(opts.Cluster), QuoteString(opts.Database), QuoteString(table+"_local"), shardingKey)
		},
	}
	tmpl, err := template.New(name).Funcs(funcs).Option("missingkey=error").Parse(text)
	if err != nil {
		return "", fmt.Errorf("schema file %s: %w", name, err)
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, nil); err != nil {
		return "", fmt.Errorf("schema file %s: %w", name, err)
	}
	return buf.String(), nil
}

// SplitStatements splits SQL text into statements at semicolons that end a
// line, dropping comment lines and blank statements.
func SplitStatements(text string) []string {
	var out []string
	var cur strings.Builder
	flush := func() {
		s := strings.TrimSpace(cur.String())
		if s != "" {
			out = append(out, s)
		}
		cur.Reset()
	}
	for _, line := range strings.Split(text, "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "--") || (trimmed == "" && cur.Len() == 0) {
			continue
		}
		if strings.HasSuffix(trimmed, ";") {
			cur.WriteString(strings.TrimSuffix(strings.TrimRight(line, " \t"), ";"))
			flush()
			continue
		}
		if trimmed == "" {
			continue
		}
		cur.WriteString(strings.TrimRight(line, " \t"))
		cur.WriteByte('\n')
	}
	flush()
	return out
}

// SchemaTooNewError says the store was migrated by a newer slopipe.
type SchemaTooNewError struct{ Applied, Known int }

func (e *SchemaTooNewError) Error() string {
	return fmt.Sprintf("store schema is at version %d but this slopipe knows versions up to %d: upgrade slopipe, or point it at another database", e.Applied, e.Known)
}

// Migrate applies the migrations the store has not seen yet, in order, and
// records each in slopipe_schema_migrations. Applying twice is a no-op; a
// store with a newer schema than this binary knows is refused.
func Migrate(ctx context.Context, s Store, opts SchemaOptions) (applied []int, err error) {
	opts.Database = s.Database()
	migrations, err := Migrations(opts)
	if err != nil {
		return nil, err
	}
	known := migrations[len(migrations)-1].Version

	onCluster, engine := "", "MergeTree()"
	if opts.Cluster != "" {
		onCluster = " ON CLUSTER " + QuoteIdent(opts.Cluster)
		// One table replicated to every node of the cluster, not one per
		// shard: whichever node slopipe connects to sees every migration
		// applied, instead of running them again on another shard's.
		engine = "ReplicatedMergeTree('/clickhouse/tables/cluster/{database}/{table}', '{replica}')"
	}
	table := QuoteIdent(s.Database()) + "." + QuoteIdent(migrationsTable)
	if err := s.Exec(ctx, "CREATE TABLE IF NOT EXISTS "+table+onCluster+` (
    Version UInt32,
    Name String,
    Checksum String,
    AppliedAt DateTime64(3)
) ENGINE = `+engine+` ORDER BY Version`, nil); err != nil {
		return nil, fmt.Errorf("migrations table: %w", err)
	}

	done := map[int]bool{}
	rows, err := s.Query(ctx, "SELECT Version FROM "+table, nil)
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	err = ScanAll(rows, func(r Rows) error {
		var v uint32
		if err := r.Scan(&v); err != nil {
			return err
		}
		done[int(v)] = true
		if int(v) > known {
			return &SchemaTooNewError{Applied: int(v), Known: known}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}

	for _, m := range migrations {
		if done[m.Version] {
			continue
		}
		for i, stmt := range m.Statements {
			if err := s.Exec(ctx, stmt, nil); err != nil {
				return applied, fmt.Errorf("migration %03d_%s statement %d: %w", m.Version, m.Name, i+1, err)
			}
		}
		err := s.Exec(ctx, "INSERT INTO "+table+" SELECT {version:UInt32}, {name:String}, {checksum:String}, {at:DateTime64(3)}", Params{
			"version": strconv.Itoa(m.Version), "name": m.Name, "checksum": m.Checksum, "at": Param(time.Now()),
		})
		if err != nil {
			return applied, fmt.Errorf("record migration %d: %w", m.Version, err)
		}
		applied = append(applied, m.Version)
	}
	return applied, nil
}
