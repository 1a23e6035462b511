package pipeline

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"go.uber.org/zap"

	"github.com/slopipe/slopipe/alerting"
	"github.com/slopipe/slopipe/alerting/amconfig"
	"github.com/slopipe/slopipe/alerting/notify"
	"github.com/slopipe/slopipe/alerting/notify/notifytest"
	"github.com/slopipe/slopipe/store"
	"github.com/slopipe/slopipe/store/storetest"
)

// benchConfig is a routing tree as a team would write it: pages per SLO to
// the pager, tickets per tenant, two teams' tickets to their own receivers
// (payments' also to everyone's), and the default inhibition of a ticket by
// the page of its SLO and tenant. Every receiver gets a null integration.
const benchConfig = `route:
  receiver: tickets
  group_by: [alertname, tenant, severity]
  group_wait: 30s
  group_interval: 5m
  repeat_interval: 4h
  routes:
    - matchers: [severity="page"]
      receiver: pager
      group_by: [alertname, slo, tenant]
    - matchers: [team="payments"]
      receiver: payments
      continue: true
    - matchers: [team=~"search|storage"]
      receiver: platform
receivers:
  - name: tickets
  - name: pager
  - name: payments
  - name: platform
inhibit_rules:
  - source_matchers: [severity="page"]
    target_matchers: [severity="ticket"]
    equal: [slo, tenant]
`

// BenchmarkAlertPipeline is the alert pipeline's throughput: an operation
// is 100 tenants × 100 SLOs = 10 000 firing alerts through route and group,
// flushed group_wait later through inhibit, silence, time intervals, dedup
// (all new: every group is notified) and a null integration; then the same
// alerts again one group_interval later, which dedup stops (nothing new,
// repeat_interval not passed). alerts/s counts both passes (20 000 alerts
// per operation).
//
// memory writes the notification log and the attempts to a store that
// discards them: the pipeline's own cost. store writes them to the embedded
// engine, as in production: a row of each per group notified, written in
// group commits (one insert takes every row waiting). Neither
// includes the manager's saving of alert states (one batch of the alerts
// that changed, per evaluation).
//
// The no-inhibit variants are the same without the inhibit rule: what the
// other stages cost when inhibition (indexing the firing pages by SLO and
// tenant once per flush, then a lookup per alert the rule targets) is left
// out.
func BenchmarkAlertPipeline(b *testing.B) {
	b.Run("memory", func(b *testing.B) { benchmarkAlertPipeline(b, discardStore{}, true) })
	b.Run("store", func(b *testing.B) { benchmarkAlertPipeline(b, storetest.Open(b), true) })
	b.Run("memory-no-inhibit", func(b *testing.B) { benchmarkAlertPipeline(b, discardStore{}, false) })
	b.Run("store-no-inhibit", func(b *testing.B) { benchmarkAlertPipeline(b, storetest.Open(b), false) })
}

func benchmarkAlertPipeline(b *testing.B, st store.Store, inhibit bool) {
	ac, err := amconfig.Parse([]byte(benchConfig), "alerting.yml")
	if err != nil {
		b.Fatal(err)
	}
	if !inhibit {
		ac.InhibitRules = nil
	}
	null := &nullIntegration{}
	cfg := Config{Route: ac.Route, InhibitRules: ac.InhibitRules, TimeIntervals: ac.Intervals(),
		Integrations: map[string][]notify.Integration{}}
	for _, r := range ac.Receivers {
		cfg.Integrations[r.Name] = []notify.Integration{null}
	}
	start := time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)
	alerts := benchAlerts(100, 100, start.Add(-10*time.Minute))
	ctx := context.Background()
	root := NewRoute(ac.Route)
	wait, interval := root.GroupWait, root.GroupInterval

	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		// A new pipeline and log each operation: the first pass notifies
		// every group again.
		clock := notifytest.NewClock(start)
		p := New(st, NewSilences(st), NewNotificationLog(st), cfg, clock, zap.NewNop())
		now := start
		p.Process(alerts, now)
		now = now.Add(wait)
		clock.Set(now)
		p.Flush(ctx, now)
		p.Wait()
		now = now.Add(interval)
		clock.Set(now)
		p.Process(alerts, now)
		p.Flush(ctx, now)
		p.Wait()
	}
	b.StopTimer()
	runtime.ReadMemStats(&after)
	n := float64(2 * len(alerts) * b.N)
	b.ReportMetric(n/b.Elapsed().Seconds(), "alerts/s")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/n, "allocs/alert")
	b.ReportMetric(float64(null.calls.Load())/float64(b.N), "notifications/op")
}

// benchAlerts are one burn-rate alert per SLO and tenant, labelled and
// annotated as the policy labels them; one SLO in ten pages.
func benchAlerts(tenants, slos int, startsAt time.Time) []*alerting.Alert {
	teams := []string{"payments", "search", "storage", "checkout"}
	out := make([]*alerting.Alert, 0, tenants*slos)
	for t := range tenants {
		for s := range slos {
			severity, windows := "ticket", "1d/2h,3d/6h"
			if s%10 == 0 {
				severity, windows = "page", "1h/5m,6h/30m"
			}
			out = append(out, &alerting.Alert{
				Labels: model.LabelSet{
					"alertname": "SLOErrorBudgetBurn",
					"slo":       model.LabelValue(fmt.Sprintf("slo-%02d", s)),
					"tenant":    model.LabelValue(fmt.Sprintf("tenant-%02d", t)),
					"service":   model.LabelValue(fmt.Sprintf("svc-%d", s/10)),
					"team":      model.LabelValue(teams[s%len(teams)]),
					"severity":  model.LabelValue(severity),
					"windows":   model.LabelValue(windows),
				},
				Annotations: model.LabelSet{
					"summary":          "burn rate 15.2 over 1h, 42% of the budget left",
					"burn_rates":       "5m=20.1 30m=15 1h=15.2 2h=9 6h=7 1d=3 3d=-",
					"budget_remaining": "0.42",
					"runbook_url":      "https://runbooks.example/slo",
				},
				StartsAt: startsAt, UpdatedAt: startsAt,
			})
		}
	}
	return out
}

// nullIntegration accepts every notification and discards it.
type nullIntegration struct{ calls atomic.Int64 }

func (*nullIntegration) Name() string       { return "null[0]" }
func (*nullIntegration) Kind() string       { return "null" }
func (*nullIntegration) SendResolved() bool { return true }

func (n *nullIntegration) Notify(context.Context, *alerting.Notification) (map[string]string, error) {
	n.calls.Add(1)
	return nil, nil
}

// discardStore takes every write and holds nothing.
type discardStore struct{}

func (discardStore) Exec(context.Context, string, store.Params) error { return nil }
func (discardStore) Query(context.Context, string, store.Params) (store.Rows, error) {
	return noRows{}, nil
}
func (discardStore) Insert(context.Context, *store.Batch) error { return nil }
func (discardStore) Database() string                           { return "discard" }
func (discardStore) Backend() string                            { return "discard" }
func (discardStore) Close() error                               { return nil }

type noRows struct{}

func (noRows) Next() bool        { return false }
func (noRows) Scan(...any) error { return nil }
func (noRows) Columns() []string { return nil }
func (noRows) Err() error        { return nil }
func (noRows) Close() error      { return nil }
