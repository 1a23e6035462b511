// Package costextension is the cost extension: it allocates each day's
// billing to tenants, teams and services with the configured rules
// (package cost/allocation), writes the allocations to
// slopipe_cost_allocations, recomputing the recent days every interval
// (bills are restated month to date), and serves GET /api/v1/cost on the
// slo extension's API address.
//
// # Telemetry chargeback and unit costs
//
// Each recomputed day also gets, when the chargeback block sets a price,
// its telemetry chargeback in slopipe_cost_chargeback (package
// cost/chargeback): per tenant, the bytes it sent that day
// (slopipe_ingest_usage) priced per GB ingested, and the bytes it sent in
// the retention_days days ending with the day priced per GB-month
// retained, by the day (÷ the days of its month). A GB is 10⁹ bytes; the
// arithmetic is exact, each cost rounded once to 10 places. It needs no
// bill: it runs whether or not the day's allocation did. Then, from the
// day's allocations, its unit costs in slopipe_cost_unit_costs: per
// tenant (not empty), service and currency, the allocated cost next to
// the requests (Total) and good events of the tenant's SLO of that
// service with the most events that day. An SLO's service is that of its
// latest slopipe_slo_status row; availability and latency SLOs of a
// service count the same requests, so they are not added. A service with
// requests but no cost allocated to the tenant has no row: its ratio
// would read "free" where the cost is only not attributed. GET
// /api/v1/cost/chargeback and GET /api/v1/cost/unit serve their sums over
// a range of days, ratios taken of the sums. A day whose chargeback or
// unit costs fail keeps its last ones and is logged; only a failed
// allocation holds the cost alerts back.
//
// # Recommendations
//
// After each recomputation's allocations succeed, the extension computes
// today's (UTC) recommendations and writes them to
// slopipe_cost_recommendations, replacing today's earlier ones (none
// found empties the day; recommendations.enabled false stops them);
// GET /api/v1/cost/recommendations serves them. A failure is logged and
// does not hold budgets and anomalies back.
// "The last N days" are the N complete UTC days before today. Thresholds
// are in the recommendations block of the configuration (defaults in
// brackets); Cost is a monthly amount (the window's spend × 30 / its
// days) and Value the kind's own measure.
//
//   - telemetry_growth, per tenant: the bytes it sent (slopipe_ingest_usage)
//     and its requests (slopipe_sli_events Total) in the last 7 days
//     against the 7 before. Recommended when the tenant sent at least
//     telemetry_growth.min_bytes [1e9, 1 GB] in the last 7 days and its
//     telemetry growth ratio (bytes this week ÷ last week) is more than
//     telemetry_growth.factor [1.5] times its request growth ratio. A
//     tenant with no bytes in the week before, or no requests in either
//     week, has no growth to compare and is never recommended. Value is
//     telemetry growth ÷ request growth; Detail gives both as percentages.
//     Cost is the tenant's telemetry chargeback of the last 7 days
//     (slopipe_cost_chargeback IngestCost + RetentionCost) × 30/7, in its
//     currency; 0 with no currency when no chargeback was computed.
//   - expensive_metric, per tenant: the expensive_metric.top [10] metric
//     names with the most active series in the 24 hours before the
//     computation, across the five otel_metrics_* tables, those with at
//     least expensive_metric.min_series [1000]. A series is a distinct
//     (ServiceName, MetricName, Attributes, ResourceAttributes), counted
//     with uniq: exact up to 65 536 series, an estimate beyond.
//     Subject is the metric name, Value its series count, Detail names its
//     three labels with the most distinct values (resource attributes as
//     "resource.<key>"); Cost is 0: series are not priced.
//   - billed_without_usage, per resource (ResourceId not empty) of the
//     current billing line items of the last billed_without_usage.days [7]
//     days, billed more than 0 there, for either reason, both when both:
//     its Usage lines (ChargeCategory Usage) were billed more than 0 and
//     their ConsumedQuantity sums to 0 (all of them report a ConsumedUnit:
//     a provider that leaves consumption out says nothing about it), e.g.
//     an unattached disk or an idle reserved IP; or it is tagged with a
//     tenant (the rules' tenant keys, first set wins) that sent no
//     telemetry and had no SLI events in those days. Subject is the
//     ResourceId, Service its ServiceName, Tenant and Team its tags'; Cost
//     is its BilledCost in the window (every charge category) scaled to a
//     month, Value that BilledCost unscaled.
//   - unallocated_tag_gap: the spend the current allocations leave
//     unallocated in the last unallocated_tag_gap.days [30] days, broken
//     down by the line items behind it: those charged on a day and in a
//     currency with unallocated allocations, carrying none of the rules'
//     tenant keys and taken by no shared pool, summed by (ServiceName,
//     SubAccountId, currency) in the rules' cost column; the
//     unallocated_tag_gap.top [10] most costly. Subject is "service X in
//     account Y", Service X, Detail "no tenant tag (tried <the tenant
//     keys>)", Cost the spend scaled to a month (the spend itself over 30
//     days), Value the gap's share (0 to 1) of the unallocated spend
//     found in that currency.
package costextension

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension/extensioncapabilities"
	"go.uber.org/zap"

	"github.com/slopipe/slopipe/alerting/alertingextension"
	"github.com/slopipe/slopipe/cost/allocation"
	"github.com/slopipe/slopipe/internal/apijson"
	"github.com/slopipe/slopipe/internal/decimal"
	"github.com/slopipe/slopipe/internal/periodic"
	"github.com/slopipe/slopipe/slo/sloextension"
	"github.com/slopipe/slopipe/store"
	"github.com/slopipe/slopipe/store/storeextension"
)

type costExtension struct {
	cfg    *Config
	logger *zap.Logger
	st     store.Store
	sink   alertingextension.Sink // nil: no cost alerts
	loops  periodic.Loops
	ctx    context.Context
	stop   context.CancelFunc
	now    func() time.Time
	// recommendedAt is when recommendations were last computed.
	recommendedAt time.Time
	// usageSQL is each usage metric's per-tenant totals SQL, by name.
	usageSQL map[string]string
	// computing serializes recomputations: the loop's and an API caller's.
	computing sync.Mutex
}

func newExtension(cfg *Config, set component.TelemetrySettings) *costExtension {
	return &costExtension{cfg: cfg, logger: set.Logger, now: time.Now}
}

var _ extensioncapabilities.Dependent = (*costExtension)(nil)

// Dependencies makes the collector start the store and slo extensions
// first.
func (x *costExtension) Dependencies() []component.ID {
	deps := []component.ID{x.cfg.Store}
	for _, id := range []component.ID{x.cfg.API, x.cfg.Alerting} {
		if id != (component.ID{}) {
			deps = append(deps, id)
		}
	}
	return deps
}

func (x *costExtension) Start(_ context.Context, host component.Host) error {
	st, err := storeextension.FromHost(host, x.cfg.Store)
	if err != nil {
		return fmt.Errorf("cost: store: %w", err)
	}
	x.st = st
	if x.usageSQL, err = compileUsageMetrics(x.cfg.UsageMetrics, st.Database()); err != nil {
		return fmt.Errorf("cost: %w", err)
	}
	if x.cfg.API != (component.ID{}) {
		engine, err := sloextension.FromHost(host, x.cfg.API)
		if err != nil {
			return fmt.Errorf("cost: api: %w", err)
		}
		engine.HandleAPI("GET /api/v1/cost", http.HandlerFunc(x.serveCost))
		engine.HandleAPI("GET /api/v1/cost/chargeback", http.HandlerFunc(x.serveChargeback))
		engine.HandleAPI("GET /api/v1/cost/unit", http.HandlerFunc(x.serveUnitCosts))
		engine.HandleAPI("GET /api/v1/cost/recommendations", http.HandlerFunc(x.serveRecommendations))
	}
	if x.cfg.Alerting != (component.ID{}) {
		if x.sink, err = alertingextension.FromHost(host, x.cfg.Alerting); err != nil {
			return fmt.Errorf("cost: alerting: %w", err)
		}
	}
	x.ctx, x.stop = context.WithCancel(context.Background())
	x.loops.Every(x.cfg.Interval, func() {
		if err := x.Recompute(x.ctx); err != nil && x.ctx.Err() == nil {
			x.logger.Warn("cost allocation failed; the last allocations stay", zap.Error(err))
		}
	})
	return nil
}

func (x *costExtension) Shutdown(context.Context) error {
	if x.stop != nil {
		x.stop()
	}
	x.loops.Stop()
	return nil
}

// Recompute allocates the last LookbackDays days again, then evaluates
// the budgets and anomalies the allocations show, writes them for
// dashboards and fires their alerts.
func (x *costExtension) Recompute(ctx context.Context) error {
	x.computing.Lock()
	defer x.computing.Unlock()
	now := x.now()
	today := now.UTC().Truncate(24 * time.Hour)
	// A day that fails does not hold the others back.
	var errs []error
	in, err := x.readDayInputs(ctx, today.AddDate(0, 0, 1-x.cfg.LookbackDays), today.AddDate(0, 0, 1))
	if err != nil {
		if ctx.Err() != nil {
			return err
		}
		// Allocations and alerts need none of it: only the reports wait.
		x.logger.Warn("chargeback and unit costs not computed; their last computation stays", zap.Error(err))
	}
	for i := x.cfg.LookbackDays - 1; i >= 0; i-- {
		allocErr, reportsErr := x.computeDay(ctx, today.AddDate(0, 0, -i), in)
		if err := ctx.Err(); err != nil {
			return err
		}
		if allocErr != nil {
			errs = append(errs, allocErr)
		}
		if reportsErr != nil {
			x.logger.Warn("cost reports of a day failed; their last computation stays", zap.Error(reportsErr))
		}
	}
	if len(errs) > 0 {
		// Alerts from allocations partly stale would resolve and fire
		// at random: they wait for a full computation.
		return errors.Join(errs...)
	}
	if err := x.recommend(ctx, now); err != nil {
		if ctx.Err() != nil {
			return err
		}
		// Advice: budgets and anomalies do not wait for it.
		x.logger.Warn("cost recommendations failed; the last ones stay", zap.Error(err))
	}
	f, err := x.findings(ctx, now)
	if err != nil {
		return fmt.Errorf("budgets and anomalies: %w", err)
	}
	// What dashboards show of budgets and anomalies; the alerts do not
	// wait for it.
	saveErr := f.save(ctx, x.st, now)
	if x.sink != nil {
		if err := x.sink.SetSourceAlerts(ctx, alertSource, f.alerts(now)); err != nil {
			return errors.Join(err, saveErr)
		}
	}
	return saveErr
}

// allocateDay allocates one day and writes it, replacing what was; it
// returns what it wrote.
func (x *costExtension) allocateDay(ctx context.Context, day time.Time) ([]store.CostAllocation, error) {
	items, err := store.DayCharges(ctx, x.st, day)
	if err != nil {
		return nil, err
	}
	ingest, requests, err := store.TenantUsage(ctx, x.st, day, day.Add(24*time.Hour))
	if err != nil {
		return nil, err
	}
	usage := allocation.Usage{"ingest_bytes": ingest, "requests": requests}
	if err := x.addMetricUsage(ctx, usage, day); err != nil {
		return nil, err
	}
	allocs, err := allocation.Allocate(x.cfg.Rules, day, items, usage)
	if err != nil {
		return nil, fmt.Errorf("allocating %s: %w", day.Format(time.DateOnly), err)
	}
	rows := make([]store.CostAllocation, len(allocs))
	for i, a := range allocs {
		rows[i] = store.CostAllocation{Day: day, Tenant: a.Tenant, Team: a.Team, Service: a.Service,
			Category: a.Category, Rule: a.Rule, Currency: a.Currency, Cost: a.Cost}
	}
	if err := store.SaveCostAllocations(ctx, x.st, day, rows, x.now()); err != nil {
		return nil, err
	}
	return rows, nil
}

// CostEntry is one group's cost in one period; its JSON is the API's.
type CostEntry struct {
	Period   string          `json:"period"` // 2026-11-02, or 2026-11
	Group    string          `json:"group"`
	Currency string          `json:"currency"`
	Cost     decimal.Decimal `json:"cost"`
}

// serveCost is GET /api/v1/cost?from=2026-11-01&to=2026-12-01&group_by=tenant&granularity=day.
func (x *costExtension) serveCost(w http.ResponseWriter, r *http.Request) {
	from, to, q, ok := x.costQuery(w, r,
		queryParam{"group_by", "tenant", store.CostGroupBy}, queryParam{"granularity", "day", []string{"day", "month"}})
	if !ok {
		return
	}
	groupBy, granularity := q["group_by"], q["granularity"]
	totals, err := store.CostTotals(r.Context(), x.st, from, to, groupBy, granularity)
	if err != nil {
		w.Header().Set("Retry-After", "30")
		apijson.Error(w, http.StatusServiceUnavailable, err.Error())
		return
	}
	layout := time.DateOnly
	if granularity == "month" {
		layout = "2006-01"
	}
	out := make([]CostEntry, len(totals))
	for i, t := range totals {
		out[i] = CostEntry{Period: t.Period.Format(layout), Group: t.Group, Currency: t.Currency, Cost: t.Cost}
	}
	apijson.Data(w, out)
}
