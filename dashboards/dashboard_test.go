package dashboards

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

const sampleDashboard = `{
  "uid": "slo-overview",
  "title": "SLO overview",
  "panels": [
    {"id": 1, "type": "timeseries", "title": "Burn rate",
     "datasource": {"type": "grafana-clickhouse-datasource", "uid": "ch"},
     "interval": "1m", "maxDataPoints": 500,
     "targets": [{"refId": "A", "editorType": "sql", "format": 0, "queryType": "timeSeries",
                  "rawSql": "SELECT $__timeInterval(ts) AS t, count() FROM spans WHERE $__timeFilter(ts) GROUP BY t"}]},
    {"id": 2, "type": "row", "title": "Tenants", "collapsed": true, "panels": [
      {"id": 3, "type": "table", "title": "Usage",
       "datasource": "ClickHouse",
       "targets": [{"refId": "A", "format": 1, "rawSql": "SELECT 1", "hide": true},
                   {"refId": "B", "format": "table", "rawSql": "SELECT 2",
                    "datasource": {"type": "grafana-clickhouse-datasource", "uid": "other"}}]}
    ]},
    {"id": 4, "type": "stat", "title": "No targets"}
  ],
  "templating": {"list": [
    {"name": "tenant", "type": "query", "query": "SELECT DISTINCT tenant FROM usage", "multi": true, "includeAll": true,
     "allValue": null, "current": {"text": ["All"], "value": ["$__all"]},
     "options": [{"text": "All", "value": "$__all"}, {"text": "acme", "value": "acme"}, {"text": "beta", "value": "beta"}]},
    {"name": "slo", "type": "custom", "query": "checkout,search", "current": {"text": "checkout", "value": "checkout"}},
    {"name": "window", "type": "constant", "query": "30d", "current": {"value": "30d"}},
    {"name": "q", "type": "query", "query": {"rawSql": "SELECT 1", "editorType": "sql"}, "current": {}}
  ]}
}`

func TestParse(t *testing.T) {
	d, err := Parse([]byte(sampleDashboard))
	if err != nil {
		t.Fatal(err)
	}
	if d.UID != "slo-overview" || d.Title != "SLO overview" {
		t.Errorf("uid/title = %q/%q", d.UID, d.Title)
	}
	var ids []int
	for _, p := range d.Panels {
		ids = append(ids, p.ID)
	}
	if want := []int{1, 2, 3, 4}; !reflect.DeepEqual(ids, want) {
		t.Errorf("panel ids = %v, want %v (collapsed row panels flattened)", ids, want)
	}
	p := d.Panels[0]
	if p.Datasource != (Datasource{Type: DatasourceType, UID: "ch"}) || p.MinInterval != "1m" || p.MaxDataPoints != 500 {
		t.Errorf("panel 1 = %+v", p)
	}
	if tg := p.Targets[0]; tg.Format != FormatTimeSeries || tg.QueryType != "timeSeries" || tg.EditorType != "sql" {
		t.Errorf("panel 1 target = %+v", tg)
	}
	if d.Panels[2].Datasource.UID != "ClickHouse" {
		t.Errorf("legacy datasource name = %+v", d.Panels[2].Datasource)
	}

	queries := d.Queries()
	if len(queries) != 3 {
		t.Fatalf("Queries() = %d, want 3", len(queries))
	}
	if q := queries[1]; !q.Target.Hide || q.SQL() != "SELECT 1" || q.Target.Format != FormatTable {
		t.Errorf("query 2 = %+v", q)
	}
	if q := queries[2]; q.Datasource().UID != "other" || q.Target.Format != FormatTable || q.Panel.ID != 3 {
		t.Errorf("query 3 = %+v", q)
	}

	tenant, ok := d.Variable("tenant")
	want := Variable{Name: "tenant", Type: "query", Query: "SELECT DISTINCT tenant FROM usage", Multi: true, IncludeAll: true,
		Current: VariableValue{All: true, Values: []string{"acme", "beta"}}, Options: []string{"acme", "beta"}}
	if !ok || !reflect.DeepEqual(tenant, want) {
		t.Errorf("tenant = %+v, want %+v", tenant, want)
	}
	if slo, _ := d.Variable("slo"); !reflect.DeepEqual(slo.Current, VariableValue{Values: []string{"checkout"}}) || slo.Query != "checkout,search" {
		t.Errorf("slo = %+v", slo)
	}
	if q, _ := d.Variable("q"); q.Query != "SELECT 1" {
		t.Errorf("object query = %q", q.Query)
	}

	// The saved selections are enough to expand every query.
	ctx := ExpandContext{Definitions: d.Variables}
	if got, err := Expand("tenant IN ($tenant) AND slo = '$slo'", ctx); err != nil || got != "tenant IN ('acme','beta') AND slo = 'checkout'" {
		t.Errorf("Expand with saved values = %q, %v", got, err)
	}
}

func TestLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.json")
	if err := os.WriteFile(path, []byte(sampleDashboard), 0o600); err != nil {
		t.Fatal(err)
	}
	if d, err := Load(path); err != nil || len(d.Panels) != 4 {
		t.Errorf("Load = %d panels, %v", len(d.Panels), err)
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte(`{"panels": [{"id": 1, "targets": [{"format": 9}]}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(bad); err == nil {
		t.Error("format 9: want an error")
	}
}

func TestRangeAndFieldOverrides(t *testing.T) {
	d, err := Parse([]byte(`{"time": {"from": "now-6h", "to": "now"}, "panels": [{"id": 1, "type": "table",
		"fieldConfig": {"overrides": [{"matcher": {"id": "byName", "options": "cost"}}, {"matcher": {"id": "byRegexp", "options": ".*_bytes"}}]}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	from, to, err := d.Range(now)
	if err != nil || !from.Equal(now.Add(-6*time.Hour)) || !to.Equal(now) {
		t.Errorf("Range = %v, %v, %v; want 6h before now, now", from, to, err)
	}
	if got := d.Panels[0].FieldOverrides; len(got) != 1 || got[0] != "cost" {
		t.Errorf("FieldOverrides = %q, want the byName matcher's [cost]", got)
	}
	for _, bad := range []string{"now-", "now-6", "now-6y", "yesterday", "now-0d"} {
		d.TimeFrom = bad
		if _, _, err := d.Range(now); err == nil {
			t.Errorf("time.from %q: no error", bad)
		}
	}
	d.TimeFrom, d.TimeTo = "now", "now-1h"
	if _, _, err := d.Range(now); err == nil {
		t.Error("a range ending before it starts: no error")
	}
}
