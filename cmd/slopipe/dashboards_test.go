package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slopipe/slopipe/dashboards"
)

// The dashboards' acceptance test: a daemon fed the way users feed it —
// traces from telemetrygen, request counters over OTLP burning an SLO,
// a tenant over its limits, a billing export — evaluates SLOs, pages
// through a webhook, allocates cost and exports its own metrics into the
// store. Then every panel of every dashboard in dashboards/ is expanded as
// the Grafana ClickHouse plugin expands it and run through the store's
// ClickHouse HTTP interface, as Grafana runs it.

// dashboardsSeedConfig is the part of the configuration the default one
// lacks for cost data: a shared pool, a budget, telemetry prices.
const dashboardsSeedConfig = `extensions:
  cost:
    lookback_days: 20
    rules:
      shared:
        - name: platform
          services: [observability]
          driver: ingest_bytes
    budgets:
      - name: checkout-monthly
        team: checkout
        currency: USD
        monthly: 50
    chargeback:
      currency: USD
      price_per_gb_ingested: 0.5
      price_per_gb_month_retained: 0.1
      retention_days: 30
processors:
  sli:
    flush_interval: 1s
`

const dashboardsAlertingConfig = `route:
  receiver: on-call
  group_by: [alertname, slo, tenant]
  group_wait: 1s
  group_interval: 1m
receivers:
  - name: on-call
    webhook_configs:
      - url: {{HOOK}}/alerts
`

// seededDaemon runs a daemon and feeds it every kind of data the
// dashboards read, waiting until each has landed in the store.
func seededDaemon(t *testing.T) (*daemon, endpoints) {
	t.Helper()
	telemetrygen := peer(t, "SLOPIPE_TELEMETRYGEN", "telemetrygen")
	dir := t.TempDir()
	slos := filepath.Join(dir, "slos")
	if err := os.MkdirAll(slos, 0o755); err != nil {
		t.Fatal(err)
	}
	writeSpec(t, filepath.Join(slos, "checkout.yaml"), checkoutSloth)
	writeSpec(t, filepath.Join(slos, "search.yaml"), searchSloth)
	writeSpec(t, filepath.Join(slos, "loadgen.yaml"), loadgenSLO)
	hook := newRecorder(t, `{}`, http.StatusOK)
	alertingFile := filepath.Join(dir, "alerting.yml")
	writeSpec(t, alertingFile, strings.ReplaceAll(dashboardsAlertingConfig, "{{HOOK}}", hook.server.URL))
	// noisy's every request is larger than it may send.
	overrides := filepath.Join(dir, "overrides.yaml")
	writeSpec(t, overrides, "overrides:\n  noisy:\n    max_request_bytes: 64\n")
	seed := filepath.Join(dir, "seed.yaml")
	writeSpec(t, seed, dashboardsSeedConfig)

	ep := newEndpoints(t)
	d := startDaemon(t, filepath.Join(dir, "data"), ep, []string{
		"SLOPIPE_SLO_DIR=" + slos, "SLOPIPE_SLO_INTERVAL=1s", "SLOPIPE_ALERTING_CONFIG=" + alertingFile,
		"SLOPIPE_TENANT_OVERRIDES=" + overrides, "SLOPIPE_COST_INTERVAL=1s", "SLOPIPE_SELF_TELEMETRY_INTERVAL_MS=1000",
	}, "--config", defaultConfigURI, "--config", seed)

	// Telemetry: checkout burning its budget, search healthy, loadgen's
	// spans a quarter failed, and noisy refused.
	checkout, search := burningTraffic(time.Now())
	checkout.send(t, ep.otlpHTTP, 0, 200)
	search.send(t, ep.otlpHTTP, 0, 200)
	for _, run := range []struct{ tenant, status string }{{"acme", "Ok"}, {"beta", "Ok"}, {"acme", "Error"}} {
		out, err := exec.Command(telemetrygen, "traces", "--otlp-insecure", "--otlp-endpoint", ep.otlpGRPC,
			"--otlp-header", fmt.Sprintf("X-Scope-OrgID=%q", run.tenant), "--service", "loadgen", "--status-code", run.status,
			"--traces", "100", "--rate", "0").CombinedOutput()
		if err != nil {
			t.Fatalf("telemetrygen: %v\n%s", err, out)
		}
	}
	client := &http.Client{Timeout: 10 * time.Second}
	if r := postTraces(client, ep.otlpHTTP, "noisy", traceRequest(t, 1, 10)); r.status != http.StatusBadRequest {
		t.Fatalf("noisy's oversized request answered %d %v, want 400", r.status, r.err)
	}
	// No client may write into the rows of slopipe's own metrics.
	if r := postTraces(client, ep.otlpHTTP, "slopipe", traceRequest(t, 2, 1)); r.status != http.StatusBadRequest {
		t.Fatalf("a request as the reserved tenant slopipe answered %d %v, want 400", r.status, r.err)
	}

	// Billing: two weeks of EC2 tagged to acme's checkout team with a spike
	// yesterday, an untagged bucket, the platform's own shared service and
	// a disk billed yesterday with nothing consumed.
	today := time.Now().UTC().Truncate(24 * time.Hour)
	var csv strings.Builder
	csv.WriteString("BillingAccountId,BillingPeriodStart,BillingPeriodEnd,ChargePeriodStart,ChargePeriodEnd,BillingCurrency,BilledCost,EffectiveCost,ListCost,ContractedCost,ChargeCategory,ServiceName,ProviderName,ResourceId,ConsumedQuantity,ConsumedUnit,Tags\n")
	for back := 14; back >= 0; back-- {
		day := today.AddDate(0, 0, -back)
		month := time.Date(day.Year(), day.Month(), 1, 0, 0, 0, 0, time.UTC)
		line := func(service, cost, resource, quantity, tags string) {
			fmt.Fprintf(&csv, "A1,%s,%s,%s,%s,USD,%s,%s,%s,%s,Usage,%s,AWS,%s,%s,GB-Mo,%s\n",
				month.Format(time.RFC3339), month.AddDate(0, 1, 0).Format(time.RFC3339),
				day.Add(time.Hour).Format(time.RFC3339), day.Add(2*time.Hour).Format(time.RFC3339),
				cost, cost, cost, cost, service, resource, quantity, tags)
		}
		ec2 := "10"
		if back == 1 {
			ec2 = "100"
		}
		line("EC2", ec2, "i-checkout", "24", `"{""tenant"":""acme"",""team"":""checkout"",""service"":""checkout""}"`)
		line("S3", "1.5", "bucket-logs", "100", "{}")
		line("observability", "5", "cluster-obs", "24", "{}")
		if back == 1 {
			line("EBS", "0.7", "vol-idle", "0", "{}")
		}
	}
	bill := filepath.Join(dir, "bill.csv")
	writeSpec(t, bill, csv.String())
	if out, code := cli(t, ep.api, "billing", "import", bill); code != 0 {
		t.Fatalf("billing import exited %d:\n%s", code, out)
	}

	// Everything the dashboards read has landed.
	for _, check := range []string{
		"SELECT count() FROM otel_traces WHERE TenantId = 'beta'",
		"SELECT count() FROM slopipe_sli_events WHERE Slo = 'loadgen-availability'",
		"SELECT count() FROM slopipe_sli_metric_minutes WHERE Slo = 'requests-availability'",
		"SELECT count() FROM slopipe_slo_status WHERE Slo = 'requests-availability' AND BurnRate5m > 14.4",
		"SELECT count() FROM slopipe_alert_state WHERE State = 'firing'",
		"SELECT count() FROM slopipe_notifications WHERE Status = 'delivered'",
		"SELECT count() FROM slopipe_cost_allocations_current WHERE Category = 'shared'",
		"SELECT count() FROM slopipe_cost_allocations_current WHERE Category = 'idle'",
		"SELECT count() FROM slopipe_cost_allocations_current WHERE Category = 'unallocated'",
		"SELECT count() FROM slopipe_cost_chargeback_current",
		"SELECT count() FROM slopipe_cost_unit_costs_current WHERE Service = 'checkout' AND Requests > 0",
		"SELECT count() FROM slopipe_cost_budgets_current WHERE notEmpty(Crossed)",
		"SELECT count() FROM slopipe_cost_anomalies_current",
		"SELECT count() FROM slopipe_cost_recommendations_current WHERE Kind = 'billed_without_usage'",
		"SELECT count() FROM otel_metrics_sum WHERE TenantId = 'slopipe' AND MetricName = 'slopipe_tenant_refused_items'",
		"SELECT count() FROM otel_metrics_sum WHERE TenantId = 'slopipe' AND MetricName = 'slopipe_notifications'",
		"SELECT count() FROM otel_metrics_sum WHERE TenantId = 'slopipe' AND MetricName = 'slopipe_billing_imports'",
		"SELECT count() FROM otel_metrics_histogram WHERE TenantId = 'slopipe' AND MetricName = 'slopipe_slo_evaluation_duration_seconds'",
	} {
		waitForNonZero(t, d, ep.clickhouseHTTP, check, 120*time.Second)
	}
	if len(hook.received()) == 0 {
		t.Fatal("the webhook received no notification")
	}
	return d, ep
}

// waitForNonZero polls a count until it is above zero.
func waitForNonZero(t *testing.T, d *daemon, addr, sql string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		got := query(t, addr, sql)
		if got != "0" && got != "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: still %s after %v\n%s", sql, got, timeout, d.out)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// result is a query's answer in ClickHouse's JSONCompact format.
type result struct {
	Meta []struct{ Name, Type string } `json:"meta"`
	Data [][]json.RawMessage           `json:"data"`
}

// runPanelSQL sends sql to the store's HTTP interface as the plugin does, and
// returns the answer or the server's error text.
func runPanelSQL(addr, sql string) (result, error) {
	resp, err := http.Post("http://"+addr+"/?default_format=JSONCompact", "text/plain", strings.NewReader(sql))
	if err != nil {
		return result{}, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return result{}, fmt.Errorf("%d: %s", resp.StatusCode, strings.TrimSpace(string(body)))
	}
	var r result
	if err := json.Unmarshal(body, &r); err != nil {
		return result{}, fmt.Errorf("decoding the answer: %v\n%s", err, body)
	}
	return r, nil
}

// dashboardsDir holds the dashboards users import or provision.
const dashboardsDir = "../../dashboards"

// preferred are the values a user looking at the seeded data would pick
// for one-value selections.
var preferred = map[string]string{
	"tenant": "acme", "service": "checkout", "slo": "requests-availability", "currency": "USD",
}

// Every panel of every dashboard, expanded as the ClickHouse plugin expands
// it over each dashboard's default time range, runs against the store the
// pipeline filled, returns the columns its visualization needs and, with
// every variable at All, at least one row. One and two selected values of
// each variable must run too.
func TestDashboardsOverPipelineData(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(dashboardsDir, "*.json"))
	if err != nil || len(files) != 5 {
		t.Fatalf("dashboards: %v %v, want the five of dashboards/", files, err)
	}
	d, ep := seededDaemon(t)
	defer d.stop()
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			checkDashboard(t, ep.clickhouseHTTP, file)
		})
	}
}

func checkDashboard(t *testing.T, addr, file string) {
	dash, err := dashboards.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	from, to, err := dash.Range(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	// The variables' options, each query expanded with the variables
	// before it at All, as Grafana refreshes them in order.
	options := map[string][]string{}
	all := map[string]dashboards.VariableValue{}
	for _, v := range dash.Variables {
		switch v.Type {
		case "datasource":
			if v.Query != dashboards.DatasourceType {
				t.Errorf("variable %s: a data source variable of type %q, want %s", v.Name, v.Query, dashboards.DatasourceType)
			}
			continue
		case "constant":
			options[v.Name] = []string{v.Query}
		case "query":
			sql, err := dashboards.Expand(v.Query, dashboards.ExpandContext{From: from, To: to, Interval: time.Minute, Variables: all, Definitions: dash.Variables})
			if err != nil {
				t.Fatalf("variable %s: %v", v.Name, err)
			}
			res, err := runPanelSQL(addr, sql)
			if err != nil {
				t.Fatalf("variable %s: %v\n%s", v.Name, err, sql)
			}
			for _, row := range res.Data {
				var value string
				if err := json.Unmarshal(row[0], &value); err != nil {
					t.Fatalf("variable %s: value %s is not a string", v.Name, row[0])
				}
				options[v.Name] = append(options[v.Name], value)
			}
			if len(options[v.Name]) == 0 {
				t.Fatalf("variable %s has no options:\n%s", v.Name, sql)
			}
		default:
			t.Fatalf("variable %s: type %s is not one the test knows", v.Name, v.Type)
		}
		all[v.Name] = dashboards.VariableValue{Values: options[v.Name], All: v.IncludeAll}
		if !v.IncludeAll {
			all[v.Name] = dashboards.VariableValue{Values: pick(options[v.Name], v.Name, 1)}
		}
	}
	one, two := map[string]dashboards.VariableValue{}, map[string]dashboards.VariableValue{}
	for name, opts := range options {
		one[name] = dashboards.VariableValue{Values: pick(opts, name, 1)}
		two[name] = dashboards.VariableValue{Values: pick(opts, name, 2)}
		if v, _ := dash.Variable(name); !v.Multi {
			two[name] = one[name]
		}
	}

	queries := dash.Queries()
	if len(queries) == 0 {
		t.Fatal("no panel queries")
	}
	for _, q := range queries {
		if ds := q.Datasource(); ds.Type != dashboards.DatasourceType || ds.UID != "${datasource}" {
			t.Errorf("panel %q queries data source %+v, want the ${datasource} variable's", q.Panel.Title, ds)
		}
		interval, err := dashboards.PanelInterval(from, to, max(q.Panel.MaxDataPoints, 0)+boolInt(q.Panel.MaxDataPoints == 0)*1000, q.Panel.MinInterval)
		if err != nil {
			t.Fatal(err)
		}
		for _, sel := range []struct {
			name     string
			values   map[string]dashboards.VariableValue
			wantRows bool
		}{{"all", all, true}, {"one", one, false}, {"two", two, false}} {
			sql, err := dashboards.Expand(q.SQL(), dashboards.ExpandContext{From: from, To: to, Interval: interval, Variables: sel.values, Definitions: dash.Variables})
			if err != nil {
				t.Errorf("panel %q: %v", q.Panel.Title, err)
				continue
			}
			res, err := runPanelSQL(addr, sql)
			if err != nil {
				t.Errorf("panel %q, variables %s: %v\n%s", q.Panel.Title, sel.name, err, sql)
				continue
			}
			if sel.wantRows && len(res.Data) == 0 {
				t.Errorf("panel %q returned no rows over the seeded store:\n%s", q.Panel.Title, sql)
			}
			for _, problem := range visualizationProblems(q, res) {
				t.Errorf("panel %q (%s): %s\n%s", q.Panel.Title, q.Panel.Type, problem, sql)
			}
		}
	}
}

// pick returns n values of opts, the preferred one first when it is there.
func pick(opts []string, name string, n int) []string {
	var out []string
	if p, ok := preferred[name]; ok && slices.Contains(opts, p) {
		out = append(out, p)
	}
	for _, o := range opts {
		if len(out) == n {
			break
		}
		if !slices.Contains(out, o) {
			out = append(out, o)
		}
	}
	return out
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// visualizationProblems says what the panel's visualization would miss in
// the result: a time series needs a leading time column and a number, a
// stat or gauge a number, a bar or pie chart a label and a number, and a
// table's field overrides must name columns it has.
func visualizationProblems(q dashboards.PanelQuery, res result) []string {
	var problems []string
	var names []string
	numeric, text := 0, 0
	for _, c := range res.Meta {
		names = append(names, c.Name)
		typ := strings.TrimSuffix(strings.TrimPrefix(c.Type, "Nullable("), ")")
		switch {
		case strings.HasPrefix(typ, "Float"), strings.HasPrefix(typ, "Int"), strings.HasPrefix(typ, "UInt"), strings.HasPrefix(typ, "Decimal"):
			numeric++
		case strings.Contains(typ, "String"):
			text++
		}
	}
	timeColumn := len(res.Meta) > 0 && res.Meta[0].Name == "time" &&
		(strings.HasPrefix(res.Meta[0].Type, "DateTime") || strings.HasPrefix(res.Meta[0].Type, "Date"))
	switch q.Panel.Type {
	case "timeseries":
		if q.Target.Format != dashboards.FormatTimeSeries {
			problems = append(problems, fmt.Sprintf("format %d, want time series", q.Target.Format))
		}
		if !timeColumn || numeric == 0 {
			problems = append(problems, fmt.Sprintf("columns %v: want a leading time column and a number", res.Meta))
		}
		// The plugin turns long rows (time, a label, numbers) into one
		// series per label; that needs the rows in time order.
		for i := 1; i < len(res.Data); i++ {
			if string(res.Data[i][0]) < string(res.Data[i-1][0]) {
				problems = append(problems, fmt.Sprintf("row %d at %s comes after %s: want rows in time order", i, res.Data[i][0], res.Data[i-1][0]))
				break
			}
		}
	case "stat", "gauge", "bargauge":
		if numeric == 0 {
			problems = append(problems, fmt.Sprintf("columns %v: want a number", res.Meta))
		}
	case "barchart", "piechart":
		if numeric == 0 || text == 0 {
			problems = append(problems, fmt.Sprintf("columns %v: want a label and a number", res.Meta))
		}
	case "table":
		if len(res.Meta) == 0 {
			problems = append(problems, "no columns")
		}
	default:
		problems = append(problems, "a visualization the test does not know")
	}
	if q.Panel.Type != "timeseries" && q.Target.Format != dashboards.FormatTable {
		problems = append(problems, fmt.Sprintf("format %d, want table", q.Target.Format))
	}
	for _, name := range q.Panel.FieldOverrides {
		if !slices.Contains(names, name) {
			problems = append(problems, fmt.Sprintf("a field override names column %q, not among %v", name, names))
		}
	}
	return problems
}
