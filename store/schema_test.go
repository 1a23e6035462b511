package store_test

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slopipe/slopipe/store"
)

var update = flag.Bool("update", false, "rewrite golden files")

// The DDL slopipe runs is reviewed as text: a change to it shows in the diff
// of these files. Cluster mode is checked here because no cluster runs in CI.
func TestSchemaGolden(t *testing.T) {
	cases := map[string]store.SchemaOptions{
		"single.sql":  {Database: "otel"},
		"cluster.sql": {Database: "otel", Cluster: "prod", TTLDays: map[string]int{"otel_traces": 7, "slopipe_sli_events": 400}},
	}
	for name, opts := range cases {
		migrations, err := store.Migrations(opts)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for _, m := range migrations {
			for _, s := range m.Statements {
				b.WriteString(s)
				b.WriteString(";\n\n")
			}
		}
		path := filepath.Join("testdata", name)
		if *update {
			os.MkdirAll("testdata", 0o755)
			os.WriteFile(path, []byte(b.String()), 0o644)
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if b.String() != string(want) {
			t.Errorf("%s: rendered DDL differs from the golden file (run go test ./store -run TestSchemaGolden -update and review the diff)", name)
		}
	}
}

func TestClusterDDLShape(t *testing.T) {
	migrations, err := store.Migrations(store.SchemaOptions{Database: "otel", Cluster: "prod"})
	if err != nil {
		t.Fatal(err)
	}
	var local, distributed int
	for _, m := range migrations {
		for _, s := range m.Statements {
			// An INSERT … SELECT between Distributed tables (a table
			// rebuilt under a new key) reaches every shard without ON
			// CLUSTER.
			copying := strings.HasPrefix(s, "INSERT INTO `otel`.") && strings.Contains(s, "\nSELECT ") && !strings.Contains(s, "_local`")
			if !strings.Contains(s, "ON CLUSTER `prod`") && !copying {
				t.Errorf("statement without ON CLUSTER: %.80s", s)
			}
			if strings.HasPrefix(s, "CREATE TABLE") && strings.Contains(s, "_local` ON CLUSTER") {
				local++
				if !strings.Contains(s, "ENGINE = Replicated") {
					t.Errorf("local table not replicated: %.80s", s)
				}
			}
			if strings.Contains(s, "ENGINE = Distributed('prod', 'otel', ") {
				distributed++
			}
		}
	}
	if local == 0 || local != distributed {
		t.Fatalf("%d local tables, %d distributed ones; want one Distributed per local", local, distributed)
	}
}

func TestSingleNodeTTL(t *testing.T) {
	migrations, err := store.Migrations(store.SchemaOptions{Database: "otel", TTLDays: map[string]int{"otel_logs": 3}})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, s := range migrations[0].Statements {
		if strings.Contains(s, "`otel_logs`") {
			found = strings.Contains(s, "TTL toDateTime(Timestamp) + toIntervalDay(3)")
		}
		if strings.Contains(s, "`otel_traces`") && strings.Contains(s, "TTL ") {
			t.Error("otel_traces has a TTL nobody asked for")
		}
	}
	if !found {
		t.Fatal("otel_logs lacks its 3-day TTL")
	}

	// Every table's TTL expression must be one the engine accepts.
	ttl := map[string]int{}
	for _, m := range migrations {
		for _, s := range m.Statements {
			if i := strings.Index(s, "`otel`.`"); i >= 0 {
				name := s[i+len("`otel`.`"):]
				ttl[name[:strings.IndexByte(name, '`')]] = 30
			}
		}
	}
	s, err := store.OpenEmbedded("", embedded.Engine().DataDir(), "ttl_everywhere")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Migrate(context.Background(), s, store.SchemaOptions{TTLDays: ttl}); err != nil {
		t.Fatal(err)
	}
	rows, err := s.Query(context.Background(), "SELECT count() FROM system.tables WHERE database = 'ttl_everywhere' AND engine_full LIKE '% TTL %'", nil)
	if err != nil {
		t.Fatal(err)
	}
	var n uint64
	store.ScanAll(rows, func(r store.Rows) error { return r.Scan(&n) })
	if n < 15 {
		t.Fatalf("%d tables carry a TTL, want every table that has one in the schema", n)
	}
}
