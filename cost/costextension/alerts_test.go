package costextension

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"

	"github.com/slopipe/slopipe/alerting"
	"github.com/slopipe/slopipe/alerting/amconfig"
	"github.com/slopipe/slopipe/alerting/manager"
	"github.com/slopipe/slopipe/alerting/notify"
	"github.com/slopipe/slopipe/alerting/notify/notifytest"
	"github.com/slopipe/slopipe/cost/budget"
	"github.com/slopipe/slopipe/internal/decimal"
	"github.com/slopipe/slopipe/store"
	"github.com/slopipe/slopipe/store/storeextension/storeextensiontest"
	"github.com/slopipe/slopipe/store/storetest"
)

// alertingComponent puts a real alerting manager where the alerting
// extension would be.
type alertingComponent struct{ m *manager.Manager }

func (alertingComponent) Start(context.Context, component.Host) error { return nil }
func (alertingComponent) Shutdown(context.Context) error              { return nil }
func (a alertingComponent) SetSourceAlerts(ctx context.Context, source string, firing []*alerting.Alert) error {
	return a.m.SetSourceAlerts(ctx, source, firing)
}

// A budget crossing and a cost spike each produce one ticket through the
// alerting pipeline, however often the costs are recomputed.
func TestBudgetCrossingAndSpikeEachTicketOnce(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	now := time.Date(2026, 11, 17, 12, 0, 0, 0, time.UTC)
	var items []store.BillingLineItem
	for d := 1; d <= 16; d++ {
		day := time.Date(2026, 11, d, 0, 0, 0, 0, time.UTC)
		cost := "10"
		if d == 16 {
			cost = "100" // the spike, on the last complete day
		}
		items = append(items, store.BillingLineItem{BillingAccountId: "A1", ServiceName: "EC2", BillingCurrency: "USD",
			BillingPeriodStart: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), BillingPeriodEnd: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC),
			ChargePeriodStart: day.Add(time.Hour), ChargePeriodEnd: day.Add(2 * time.Hour),
			BilledCost: decimal.MustParse(cost), EffectiveCost: decimal.MustParse(cost), Tags: map[string]string{"tenant": "acme", "team": "checkout"}})
	}
	if _, err := store.ImportBilling(ctx, st, store.BillingImport{Provider: "AWS", SourceFile: "nov.csv", ImportedAt: now}, items); err != nil {
		t.Fatal(err)
	}

	// The alerting pipeline: tickets to a webhook, one group per alert name.
	var mu sync.Mutex
	var tickets []string
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var msg struct {
			Status      string
			GroupLabels map[string]string
			Alerts      []struct{ Labels map[string]string }
		}
		json.Unmarshal(body, &msg)
		mu.Lock()
		tickets = append(tickets, msg.Status+" "+msg.GroupLabels["alertname"])
		mu.Unlock()
	}))
	defer hook.Close()
	clock := notifytest.NewClock(now)
	m, err := manager.New(manager.Options{Store: st, Clock: clock, Policy: alerting.DefaultPolicyConfig(), Retry: notify.RetryPolicy{Jitter: -1}})
	if err != nil {
		t.Fatal(err)
	}
	amc, err := amconfig.Parse([]byte("route:\n  receiver: hook\n  group_by: [alertname]\n  group_wait: 0s\n  repeat_interval: 72h\nreceivers:\n  - name: hook\n    webhook_configs:\n      - url: "+hook.URL+"\n"), "alerting.yml")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.SetConfig(amc); err != nil {
		t.Fatal(err)
	}
	if err := m.Start(ctx); err != nil {
		t.Fatal(err)
	}

	cfg := createDefaultConfig().(*Config)
	cfg.LookbackDays = 20
	cfg.Budgets = []budget.Budget{{Name: "checkout-monthly", Team: "checkout", Monthly: budget.AmountOf(decimal.FromInt(300))}}
	x := newExtension(cfg, componenttest.NewNopTelemetrySettings())
	x.now = clock.Now
	host := storeextensiontest.NewHostWith(cfg.Store, st, map[component.ID]component.Component{cfg.Alerting: alertingComponent{m}})
	cfg.API = component.ID{}
	if err := x.Start(ctx, host); err != nil {
		t.Fatal(err)
	}
	defer x.Shutdown(ctx)
	for range 3 {
		if err := x.Recompute(ctx); err != nil {
			t.Fatal(err)
		}
		m.Flush(ctx)
		m.Wait()
		clock.Advance(10 * time.Minute)
	}
	mu.Lock()
	got := strings.Join(tickets, ", ")
	mu.Unlock()
	if got != "firing CostAnomaly, firing CostBudget" && got != "firing CostBudget, firing CostAnomaly" {
		t.Fatalf("tickets: %s; want one for the budget and one for the spike", got)
	}
	var budgetAlerts, anomalies int
	for _, a := range m.Alerts() {
		switch a.Labels[alerting.LabelAlertName] {
		case AlertBudget:
			budgetAlerts++
			if a.Labels["team"] != "checkout" || a.Labels[alerting.LabelSeverity] != "ticket" {
				t.Errorf("budget alert %v", a.Labels)
			}
		case AlertAnomaly:
			anomalies++
			if a.Labels["service"] != "EC2" || a.Labels["tenant"] != "acme" || !strings.Contains(string(a.Annotations["summary"]), "jumped to 100") {
				t.Errorf("anomaly %v %v", a.Labels, a.Annotations)
			}
		}
	}
	// 250 spent by the 17th: past 80 % of 300, and forecast past 100 %.
	if budgetAlerts != 2 || anomalies != 1 {
		t.Errorf("%d budget alerts, %d anomalies; want 2 and 1", budgetAlerts, anomalies)
	}
	// What dashboards read: the budget as of the 17th (10/day for 15 days
	// and 100 on the 16th; 250 spent by 12:20, the third computation, after
	// 16.5 days and 20 minutes of 30 days, forecasts 454.1631623213) and the
	// spike of the 16th over its median of 10.
	today := now.Truncate(24 * time.Hour)
	statuses, err := store.CostBudgets(ctx, st, today, today.AddDate(0, 0, 1))
	if err != nil {
		t.Fatal(err)
	}
	if len(statuses) != 1 || statuses[0].Budget != "checkout-monthly" || statuses[0].Team != "checkout" || statuses[0].Amount.String() != "300" ||
		statuses[0].Actual.String() != "250" || statuses[0].Forecast.String() != "454.1631623213" ||
		strings.Join(statuses[0].Crossed, ",") != "actual 80%,forecast 100%" {
		t.Errorf("budget statuses: %+v", statuses)
	}
	spikes, err := store.CostAnomalies(ctx, st, today.AddDate(0, 0, -1), today)
	if err != nil {
		t.Fatal(err)
	}
	if len(spikes) != 1 || spikes[0].Tenant != "acme" || spikes[0].Team != "checkout" || spikes[0].Service != "EC2" ||
		spikes[0].Cost.String() != "100" || spikes[0].Baseline.String() != "10" || spikes[0].Score < 4 {
		t.Errorf("anomalies: %+v", spikes)
	}

	// A restart: the cost alerts come back from the store and are not
	// ticketed again; the next day, the spike is over and resolves.
	m2, err := manager.New(manager.Options{Store: st, Clock: clock, Policy: alerting.DefaultPolicyConfig(), Retry: notify.RetryPolicy{Jitter: -1}})
	if err != nil {
		t.Fatal(err)
	}
	if err := m2.SetConfig(amc); err != nil {
		t.Fatal(err)
	}
	if err := m2.Start(ctx); err != nil {
		t.Fatal(err)
	}
	x.sink = alertingComponent{m2}
	for _, advance := range []time.Duration{time.Minute, 24 * time.Hour} {
		clock.Advance(advance)
		if err := x.Recompute(ctx); err != nil {
			t.Fatal(err)
		}
		m2.Flush(ctx)
		m2.Wait()
	}
	mu.Lock()
	got = strings.Join(tickets, ", ")
	mu.Unlock()
	if !strings.HasSuffix(got, ", resolved CostAnomaly") || strings.Count(got, "firing") != 2 {
		t.Fatalf("after a restart and a day: %s; want no new ticket and the spike resolved", got)
	}
}
