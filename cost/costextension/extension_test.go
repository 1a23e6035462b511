package costextension

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"

	"github.com/slopipe/slopipe/cost/allocation"
	"github.com/slopipe/slopipe/internal/decimal"
	"github.com/slopipe/slopipe/slo/sloextension/sloextensiontest"
	"github.com/slopipe/slopipe/store"
	"github.com/slopipe/slopipe/store/storeextension/storeextensiontest"
	"github.com/slopipe/slopipe/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m, "costextension")) }

// A shared line and two tenants whose ingest volumes are 3:1: the shared
// cost splits 3:1 to the cent, tagged costs go to their tenant, an
// untagged one to unallocated, and the total is the bill's exactly.
func TestSharedCostSplitsByIngestVolume(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	day := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	item := func(service, cost string, tags map[string]string) store.BillingLineItem {
		at := day.Add(time.Hour)
		return store.BillingLineItem{BillingAccountId: "A1", SubAccountId: "S1", ServiceName: service, BillingCurrency: "USD",
			BillingPeriodStart: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), BillingPeriodEnd: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC),
			ChargePeriodStart: at, ChargePeriodEnd: at.Add(time.Hour), BilledCost: decimal.MustParse(cost), EffectiveCost: decimal.MustParse(cost), Tags: tags}
	}
	items := []store.BillingLineItem{
		item("observability", "100.01", nil),
		item("EC2", "40.005", map[string]string{"tenant": "acme", "team": "checkout"}),
		item("S3", "3.3333333333", nil),
	}
	if _, err := store.ImportBilling(ctx, st, store.BillingImport{Provider: "AWS", SourceFile: "bill.csv", ImportedAt: day}, items); err != nil {
		t.Fatal(err)
	}
	usage := store.NewIngestUsage()
	usage.Add("acme", "traces", day.Add(time.Minute).Unix(), 1, 3_000_000)
	usage.Add("beta", "logs", day.Add(2*time.Hour).Unix(), 1, 1_000_000)
	if err := usage.Insert(ctx, st); err != nil {
		t.Fatal(err)
	}

	cfg := createDefaultConfig().(*Config)
	cfg.Interval, cfg.LookbackDays = time.Hour, 2
	cfg.Rules.Shared = []allocation.SharedPool{{Name: "platform", Services: []string{"observability"}, Driver: "ingest_bytes"}}
	cfg.Alerting = component.ID{}
	engine := sloextensiontest.NewEngine()
	x := newExtension(cfg, componenttest.NewNopTelemetrySettings())
	x.now = func() time.Time { return day.Add(30 * time.Hour) }
	if err := x.Start(ctx, storeextensiontest.NewHostWith(cfg.Store, st, map[component.ID]component.Component{cfg.API: engine})); err != nil {
		t.Fatal(err)
	}
	defer x.Shutdown(ctx)
	if err := x.Recompute(ctx); err != nil {
		t.Fatal(err)
	}

	srv := httptest.NewServer(engine.Handler())
	defer srv.Close()
	get := func(query string) (int, []CostEntry, string) {
		resp, err := http.Get(srv.URL + "/api/v1/cost?" + query)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body struct {
			Data  []CostEntry
			Error string
		}
		json.NewDecoder(resp.Body).Decode(&body)
		return resp.StatusCode, body.Data, body.Error
	}
	code, data, _ := get("from=2026-11-01&to=2026-11-04&group_by=tenant&granularity=day")
	if code != 200 {
		t.Fatalf("%d", code)
	}
	got := map[string]string{}
	total := decimal.Zero
	for _, e := range data {
		got[e.Period+" "+e.Group] = e.Cost.String()
		total = total.Add(e.Cost)
	}
	want := map[string]string{
		"2026-11-02 acme":        "115.015", // 40.005 tagged + 75.01, 3/4 of 100.01 to the cent
		"2026-11-02 beta":        "25",
		"2026-11-02 unallocated": "3.3333333333",
	}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %s, want %s", k, got[k], v)
		}
	}
	if bill := decimal.MustParse("143.3483333333"); total.Cmp(bill) != 0 {
		t.Errorf("allocations total %s, the bill is %s", total, bill)
	}
	// 3:1 of 100.01 to the cent: 75.01 (75.0075, the sub-cent residue on
	// the largest share) and 25.00.
	acmeShared := decimal.MustParse(got["2026-11-02 acme"]).Sub(decimal.MustParse("40.005"))
	if acmeShared.String() != "75.01" || got["2026-11-02 beta"] != "25" {
		t.Errorf("shared split acme %s, beta %s; want 75.01 and 25", acmeShared, got["2026-11-02 beta"])
	}

	code, data, _ = get("from=2026-11-01&to=2026-12-01&group_by=category&granularity=month")
	if code != 200 || len(data) != 3 {
		t.Fatalf("by category: %d %+v", code, data)
	}
	for _, bad := range []string{"group_by=cost_center", "granularity=week", "from=yesterday", "from=2026-11-03&to=2026-11-01", "tenant=acme"} {
		if code, _, msg := get(bad); code != 400 || msg == "" || !strings.Contains(msg, strings.SplitN(bad, "=", 2)[0]) && !strings.Contains(msg, "to:") {
			t.Errorf("%s: %d %q", bad, code, msg)
		}
	}
}
