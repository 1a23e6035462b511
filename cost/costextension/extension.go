// Package costextension is the cost extension: it allocates each day's
// billing to tenants, teams and services with the configured rules
// (package cost/allocation), writes the allocations to
// slopipe_cost_allocations, recomputing the recent days every interval
// (bills are restated month to date), and serves GET /api/v1/cost on the
// slo extension's API address.
package costextension

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
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
	if x.cfg.API != (component.ID{}) {
		engine, err := sloextension.FromHost(host, x.cfg.API)
		if err != nil {
			return fmt.Errorf("cost: api: %w", err)
		}
		engine.HandleAPI("GET /api/v1/cost", http.HandlerFunc(x.serveCost))
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

// Recompute allocates the last LookbackDays days again, then fires the
// budget and anomaly alerts the allocations show.
func (x *costExtension) Recompute(ctx context.Context) error {
	x.computing.Lock()
	defer x.computing.Unlock()
	now := x.now()
	today := now.UTC().Truncate(24 * time.Hour)
	// A day that fails does not hold the others back.
	var errs []error
	for i := x.cfg.LookbackDays - 1; i >= 0; i-- {
		if err := x.allocateDay(ctx, today.AddDate(0, 0, -i)); err != nil {
			if ctx.Err() != nil {
				return err
			}
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		// Alerts from allocations partly stale would resolve and fire
		// at random: they wait for a full computation.
		return errors.Join(errs...)
	}
	if x.sink == nil {
		return nil
	}
	alerts, err := x.costAlerts(ctx, now)
	if err != nil {
		return fmt.Errorf("cost alerts: %w", err)
	}
	return x.sink.SetSourceAlerts(ctx, alertSource, alerts)
}

// allocateDay allocates one day and writes it, replacing what was.
func (x *costExtension) allocateDay(ctx context.Context, day time.Time) error {
	items, err := store.DayCharges(ctx, x.st, day)
	if err != nil {
		return err
	}
	ingest, requests, err := store.TenantUsage(ctx, x.st, day, day.Add(24*time.Hour))
	if err != nil {
		return err
	}
	usage := allocation.Usage{"ingest_bytes": ingest, "requests": requests}
	allocs, err := allocation.Allocate(x.cfg.Rules, day, items, usage)
	if err != nil {
		return fmt.Errorf("allocating %s: %w", day.Format(time.DateOnly), err)
	}
	rows := make([]store.CostAllocation, len(allocs))
	for i, a := range allocs {
		rows[i] = store.CostAllocation{Day: day, Tenant: a.Tenant, Team: a.Team, Service: a.Service,
			Category: a.Category, Rule: a.Rule, Currency: a.Currency, Cost: a.Cost}
	}
	return store.SaveCostAllocations(ctx, x.st, day, rows, x.now())
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
	q := r.URL.Query()
	day := func(name string, def time.Time) (time.Time, bool) {
		v := q.Get(name)
		if v == "" {
			return def, true
		}
		t, err := time.Parse(time.DateOnly, v)
		if err != nil {
			apijson.Error(w, http.StatusBadRequest, fmt.Sprintf("%s: %q is not a date like 2026-11-01", name, v))
			return time.Time{}, false
		}
		return t, true
	}
	today := x.now().UTC().Truncate(24 * time.Hour)
	monthStart := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, time.UTC)
	from, ok := day("from", monthStart)
	if !ok {
		return
	}
	to, ok := day("to", today.Add(24*time.Hour))
	if !ok {
		return
	}
	if !to.After(from) {
		apijson.Error(w, http.StatusBadRequest, "to: must be after from")
		return
	}
	groupBy, granularity := q.Get("group_by"), q.Get("granularity")
	if groupBy == "" {
		groupBy = "tenant"
	}
	if granularity == "" {
		granularity = "day"
	}
	for key := range q {
		if key != "from" && key != "to" && key != "group_by" && key != "granularity" {
			apijson.Error(w, http.StatusBadRequest, fmt.Sprintf("%s: not a parameter (from, to, group_by, granularity)", key))
			return
		}
	}
	if !slices.Contains(store.CostGroupBy, groupBy) {
		apijson.Error(w, http.StatusBadRequest, fmt.Sprintf("group_by: %q is not one of %s", groupBy, strings.Join(store.CostGroupBy, ", ")))
		return
	}
	if granularity != "day" && granularity != "month" {
		apijson.Error(w, http.StatusBadRequest, fmt.Sprintf("granularity: %q is not day or month", granularity))
		return
	}
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
