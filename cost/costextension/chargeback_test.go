package costextension

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"

	"github.com/slopipe/slopipe/cost/budget"
	"github.com/slopipe/slopipe/cost/chargeback"
	"github.com/slopipe/slopipe/internal/decimal"
	"github.com/slopipe/slopipe/slo/sloextension/sloextensiontest"
	"github.com/slopipe/slopipe/store"
	"github.com/slopipe/slopipe/store/storeextension/storeextensiontest"
	"github.com/slopipe/slopipe/store/storetest"
)

// startWithAPI starts a cost extension over st at now, with its API on a
// test server.
func startWithAPI(t *testing.T, st store.Store, cfg *Config, now time.Time) (*costExtension, *httptest.Server) {
	t.Helper()
	ctx := context.Background()
	cfg.Alerting = component.ID{}
	engine := sloextensiontest.NewEngine()
	x := newExtension(cfg, componenttest.NewNopTelemetrySettings())
	x.now = func() time.Time { return now }
	if err := x.Start(ctx, storeextensiontest.NewHostWith(cfg.Store, st, map[component.ID]component.Component{cfg.API: engine})); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { x.Shutdown(ctx) })
	srv := httptest.NewServer(engine.Handler())
	t.Cleanup(srv.Close)
	return x, srv
}

// getJSON GETs path and decodes the envelope's data into data.
func getJSON(t *testing.T, srv *httptest.Server, path string, data any) (int, string) {
	t.Helper()
	resp, err := http.Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Data  json.RawMessage
		Error string
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(body.Data, data); err != nil {
			t.Fatal(err)
		}
	}
	return resp.StatusCode, body.Error
}

// Two tenants send 3 GB and 1 GB on a day of November (30 days), with no
// bill at all: at 0.25 per GB and 0.03 per GB-month kept 30 days, acme
// owes 0.75 + 0.003 that day and beta 0.25 + 0.001; the next day only
// the retention again.
func TestChargebackPricesTelemetryWithoutBills(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	day := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	usage := store.NewIngestUsage()
	usage.Add("acme", "traces", day.Add(time.Minute).Unix(), 1, 2_000_000_000)
	usage.Add("acme", "logs", day.Add(23*time.Hour).Unix(), 1, 1_000_000_000)
	usage.Add("beta", "metrics", day.Add(2*time.Hour).Unix(), 1, 1_000_000_000)
	if err := usage.Insert(ctx, st); err != nil {
		t.Fatal(err)
	}
	cfg := createDefaultConfig().(*Config)
	cfg.LookbackDays = 2
	x, srv := startWithAPI(t, st, cfg, day.Add(30*time.Hour))

	// Off by default: nothing priced.
	if err := x.Recompute(ctx); err != nil {
		t.Fatal(err)
	}
	var entries []ChargebackEntry
	if code, msg := getJSON(t, srv, "/api/v1/cost/chargeback?from=2026-11-01&to=2026-11-04", &entries); code != 200 || len(entries) != 0 {
		t.Fatalf("chargeback off: %d %s %+v", code, msg, entries)
	}

	cfg.Chargeback = chargeback.Config{
		PricePerGBIngested:      budget.AmountOf(decimal.MustParse("0.25")),
		PricePerGBMonthRetained: budget.AmountOf(decimal.MustParse("0.03")),
		RetentionDays:           30,
	}
	if err := x.Recompute(ctx); err != nil {
		t.Fatal(err)
	}
	show := func(es []ChargebackEntry) string {
		var b strings.Builder
		for _, e := range es {
			fmt.Fprintf(&b, "%s %s %d %s %s %s %s; ", e.Tenant, e.Currency, e.IngestedBytes, e.RetainedGBDays, e.IngestCost, e.RetentionCost, e.Cost)
		}
		return b.String()
	}
	for query, want := range map[string]string{
		"from=2026-11-02&to=2026-11-03": "acme USD 3000000000 3 0.75 0.003 0.753; beta USD 1000000000 1 0.25 0.001 0.251; ",
		"from=2026-11-03&to=2026-11-04": "acme USD 0 3 0 0.003 0.003; beta USD 0 1 0 0.001 0.001; ",
		"from=2026-11-01&to=2026-11-04": "acme USD 3000000000 6 0.75 0.006 0.756; beta USD 1000000000 2 0.25 0.002 0.252; ",
	} {
		entries = nil
		code, msg := getJSON(t, srv, "/api/v1/cost/chargeback?"+query, &entries)
		if got := show(entries); code != 200 || got != want {
			t.Errorf("%s: %d %s %s, want %s", query, code, msg, got, want)
		}
	}
	// The table Grafana reads holds the same, day by day.
	rows, err := store.CostChargeback(ctx, st, day, day.Add(24*time.Hour))
	if err != nil || len(rows) != 2 || rows[0].IngestCost.String() != "0.75" || rows[0].RetainedBytes != 3_000_000_000 {
		t.Fatalf("slopipe_cost_chargeback: %+v %v", rows, err)
	}
	for _, bad := range []string{"group_by=tenant", "from=2026-11", "from=2026-11-03&to=2026-11-02"} {
		if code, msg := getJSON(t, srv, "/api/v1/cost/chargeback?"+bad, nil); code != 400 || !strings.Contains(msg, strings.SplitN(bad, "=", 2)[0]) && !strings.Contains(msg, "to:") {
			t.Errorf("%s: %d %q", bad, code, msg)
		}
	}
}

// 12.34 allocated to acme's checkout, whose availability and latency SLOs
// counted 1000 and 800 events: 1000 requests (not 1800), 12.34 per 1 000.
func TestUnitCostsJoinAllocationsAndSLIEvents(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	day := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	item := func(tenant, cost string) store.BillingLineItem {
		at := day.Add(time.Hour)
		return store.BillingLineItem{BillingAccountId: "A1", SubAccountId: "S1", ServiceName: "EC2", BillingCurrency: "USD",
			BillingPeriodStart: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), BillingPeriodEnd: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC),
			ChargePeriodStart: at, ChargePeriodEnd: at.Add(time.Hour), BilledCost: decimal.MustParse(cost), EffectiveCost: decimal.MustParse(cost),
			Tags: map[string]string{"tenant": tenant, "service": "checkout"}}
	}
	if _, err := store.ImportBilling(ctx, st, store.BillingImport{Provider: "AWS", SourceFile: "bill.csv", ImportedAt: day},
		[]store.BillingLineItem{item("acme", "12.34"), item("beta", "1.5")}); err != nil {
		t.Fatal(err)
	}
	events := store.NewSLIEvents()
	events.Add("acme", "checkout-availability", day.Add(time.Hour).Unix(), 598, 600)
	events.Add("acme", "checkout-availability", day.Add(5*time.Hour).Unix(), 400, 400)
	events.Add("acme", "checkout-latency", day.Add(time.Hour).Unix(), 700, 800)
	events.Add("gamma", "checkout-availability", day.Add(time.Hour).Unix(), 8, 8) // no cost: no row
	events.Add("beta", "search-availability", day.Add(time.Hour).Unix(), 5, 5)    // another service
	if err := events.Insert(ctx, st, day.Add(30*time.Hour)); err != nil {
		t.Fatal(err)
	}
	status := store.NewSLOStatus()
	for slo, service := range map[string]string{"checkout-availability": "checkout", "checkout-latency": "checkout", "search-availability": "search"} {
		status.Add(store.SLOStatusRow{EvaluatedAt: day.Add(time.Hour), Tenant: "acme", SLO: slo, Service: service, Objective: 0.999, Period: "30d"})
	}
	if err := status.Insert(ctx, st); err != nil {
		t.Fatal(err)
	}
	cfg := createDefaultConfig().(*Config)
	cfg.LookbackDays = 2
	x, srv := startWithAPI(t, st, cfg, day.Add(30*time.Hour))
	if err := x.Recompute(ctx); err != nil {
		t.Fatal(err)
	}

	str := func(d *decimal.Decimal) string {
		if d == nil {
			return "null"
		}
		return d.String()
	}
	show := func(es []UnitCostEntry) string {
		var b strings.Builder
		for _, e := range es {
			fmt.Fprintf(&b, "%s %s %s %d %d %s %s; ", e.Group, e.Currency, e.Cost, e.Requests, e.GoodEvents, str(e.CostPer1kRequests), str(e.CostPer1kGoodEvents))
		}
		return b.String()
	}
	for query, want := range map[string]string{
		"from=2026-11-01&to=2026-11-04": "acme USD 12.34 1000 998 12.34 12.3647294589; beta USD 1.5 0 0 null null; ",
		"group_by=tenant":               "acme USD 12.34 1000 998 12.34 12.3647294589; beta USD 1.5 0 0 null null; ",
		"group_by=service":              "checkout USD 13.84 1000 998 13.84 13.8677354709; ",
		"from=2026-11-03":               "",
	} {
		var entries []UnitCostEntry
		code, msg := getJSON(t, srv, "/api/v1/cost/unit?"+query, &entries)
		if got := show(entries); code != 200 || got != want {
			t.Errorf("%s: %d %s %s, want %s", query, code, msg, got, want)
		}
	}
	// Ratios are null, not 0, when nothing was counted; money is a string.
	resp, err := http.Get(srv.URL + "/api/v1/cost/unit?group_by=tenant")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if body := string(raw); !strings.Contains(body, `"group":"beta","currency":"USD","cost":"1.5","requests":0,"good_events":0,"cost_per_1k_requests":null,"cost_per_1k_good_events":null`) ||
		!strings.Contains(body, `"cost_per_1k_requests":"12.34"`) {
		t.Errorf("unit costs JSON: %s", body)
	}
	for _, bad := range []string{"group_by=team", "granularity=day", "to=soon", "from=2026-11-03&to=2026-11-03"} {
		if code, msg := getJSON(t, srv, "/api/v1/cost/unit?"+bad, nil); code != 400 || !strings.Contains(msg, strings.SplitN(bad, "=", 2)[0]) && !strings.Contains(msg, "to:") {
			t.Errorf("%s: %d %q", bad, code, msg)
		}
	}
}

// The chargeback block decodes as written in the collector's YAML, and a
// bad field is named from the extension's root.
func TestChargebackConfig(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	conf := confmap.NewFromStringMap(map[string]any{"chargeback": map[string]any{
		"currency": "EUR", "price_per_gb_ingested": 0.25, "price_per_gb_month_retained": "0.03", "retention_days": 90,
	}})
	if err := conf.Unmarshal(cfg); err != nil {
		t.Fatal(err)
	}
	c := cfg.Chargeback
	if err := cfg.Validate(); err != nil || !c.Enabled() || c.PricePerGBIngested.String() != "0.25" ||
		c.PricePerGBMonthRetained.String() != "0.03" || c.Currency != "EUR" || c.Retention() != 90 {
		t.Fatalf("%+v: %v", c, err)
	}
	if def := createDefaultConfig().(*Config); def.Chargeback.Enabled() || def.Validate() != nil {
		t.Error("chargeback on by default")
	}
	for field, bad := range map[string]any{"price_per_gb_ingested": -0.25, "currency": "dollars", "retention_days": -1} {
		cfg := createDefaultConfig().(*Config)
		if err := confmap.NewFromStringMap(map[string]any{"chargeback": map[string]any{field: bad}}).Unmarshal(cfg); err != nil {
			t.Fatal(err)
		}
		if err := cfg.Validate(); err == nil || !strings.HasPrefix(err.Error(), "chargeback."+field+": ") {
			t.Errorf("%s: %v: %v", field, bad, err)
		}
	}
}
