package costextension

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/slopipe/slopipe/cost/chargeback"
	"github.com/slopipe/slopipe/internal/apijson"
	"github.com/slopipe/slopipe/internal/decimal"
	"github.com/slopipe/slopipe/store"
)

// computeDay recomputes one day: its allocations, its telemetry chargeback
// (when priced; it needs no bill, so it runs whether or not allocation
// did) and its unit costs (from the allocations just made), these two
// from in, nil when it could not be read. A part that fails, or is not
// computed, leaves that part of the day as it was. allocErr is the
// allocation's failure, which holds the cost alerts back; reportsErr the
// other reports', which do not.
func (x *costExtension) computeDay(ctx context.Context, day time.Time, in *dayInputs) (allocErr, reportsErr error) {
	allocs, allocErr := x.allocateDay(ctx, day)
	if in == nil {
		return allocErr, nil // the inputs could not be read; logged once
	}
	var errs []error
	if x.cfg.Chargeback.Enabled() {
		if err := x.chargebackDay(ctx, day, in.volumes[day]); err != nil {
			errs = append(errs, fmt.Errorf("chargeback of %s: %w", day.Format(time.DateOnly), err))
		}
	}
	if allocErr == nil {
		if err := x.unitCostsDay(ctx, day, allocs, in.services); err != nil {
			errs = append(errs, fmt.Errorf("unit costs of %s: %w", day.Format(time.DateOnly), err))
		}
	}
	return allocErr, errors.Join(errs...)
}

// dayInputs are what computing any day reads, read once per
// recomputation: the SLOs' services, and the tenants' telemetry volumes
// by day when chargeback is priced.
type dayInputs struct {
	services map[string]string
	volumes  map[time.Time][]store.TelemetryVolume
}

// readDayInputs reads the dayInputs of the days in [from, to).
func (x *costExtension) readDayInputs(ctx context.Context, from, to time.Time) (*dayInputs, error) {
	services, err := store.SLOServices(ctx, x.st)
	if err != nil {
		return nil, err
	}
	in := &dayInputs{services: services}
	if x.cfg.Chargeback.Enabled() {
		if in.volumes, err = store.TelemetryVolumes(ctx, x.st, from, to, x.cfg.Chargeback.Retention()); err != nil {
			return nil, err
		}
	}
	return in, nil
}

// chargebackDay prices each tenant's telemetry of day (volumes) and
// writes it, replacing what was.
func (x *costExtension) chargebackDay(ctx context.Context, day time.Time, volumes []store.TelemetryVolume) error {
	cfg := x.cfg.Chargeback
	usage := make([]chargeback.Usage, len(volumes))
	for i, v := range volumes {
		usage[i] = chargeback.Usage{Tenant: v.Tenant, IngestedBytes: v.IngestedBytes, RetainedBytes: v.RetainedBytes}
	}
	charges := cfg.Price(day, usage)
	rows := make([]store.TenantChargeback, len(charges))
	for i, c := range charges {
		rows[i] = store.TenantChargeback{Day: day, Tenant: c.Tenant, Currency: c.Currency, IngestedBytes: c.IngestedBytes,
			RetainedBytes: c.RetainedBytes, IngestCost: c.IngestCost, RetentionCost: c.RetentionCost}
	}
	return store.SaveCostChargeback(ctx, x.st, day, rows, x.now())
}

// unitCostsDay puts day's allocations next to the SLI events of their
// tenants' services (the SLOs' services, store.SLOServices) and writes
// them, replacing what was.
func (x *costExtension) unitCostsDay(ctx context.Context, day time.Time, allocs []store.CostAllocation, services map[string]string) error {
	end := day.Add(24 * time.Hour)
	counts, err := store.SLOEventCounts(ctx, x.st, day, end, services)
	if err != nil {
		return err
	}
	costs := make([]chargeback.ServiceCost, len(allocs))
	for i, a := range allocs {
		costs[i] = chargeback.ServiceCost{Tenant: a.Tenant, Service: a.Service, Currency: a.Currency, Cost: a.Cost}
	}
	events := make([]chargeback.SLOEvents, len(counts))
	for i, c := range counts {
		events[i] = chargeback.SLOEvents{Tenant: c.Tenant, SLO: c.SLO, Service: c.Service, Good: c.Good, Total: c.Total}
	}
	units := chargeback.UnitCosts(costs, events)
	rows := make([]store.CostUnitCost, len(units))
	for i, u := range units {
		rows[i] = store.CostUnitCost{Day: day, Tenant: u.Tenant, Service: u.Service, Currency: u.Currency, Cost: u.Cost,
			Requests: u.Requests, GoodEvents: u.GoodEvents}
	}
	return store.SaveCostUnitCosts(ctx, x.st, day, rows, x.now())
}

// queryParam is a parameter of a cost endpoint besides from and to: its
// default and the values it takes.
type queryParam struct {
	name, def string
	values    []string
}

// costQuery reads a cost endpoint's parameters: from and to, days
// (default: this month to date), and params. A bad or unknown parameter
// is a 400 naming it, written here; ok is then false.
func (x *costExtension) costQuery(w http.ResponseWriter, r *http.Request, params ...queryParam) (from, to time.Time, values map[string]string, ok bool) {
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
	if from, ok = day("from", monthStart); !ok {
		return
	}
	if to, ok = day("to", today.Add(24*time.Hour)); !ok {
		return
	}
	if !to.After(from) {
		apijson.Error(w, http.StatusBadRequest, "to: must be after from")
		return from, to, nil, false
	}
	names := []string{"from", "to"}
	for _, p := range params {
		names = append(names, p.name)
	}
	for key := range q {
		if !slices.Contains(names, key) {
			apijson.Error(w, http.StatusBadRequest, fmt.Sprintf("%s: not a parameter (%s)", key, strings.Join(names, ", ")))
			return from, to, nil, false
		}
	}
	values = map[string]string{}
	for _, p := range params {
		v := q.Get(p.name)
		if v == "" {
			v = p.def
		}
		if !slices.Contains(p.values, v) {
			apijson.Error(w, http.StatusBadRequest, fmt.Sprintf("%s: %q is not one of %s", p.name, v, strings.Join(p.values, ", ")))
			return from, to, nil, false
		}
		values[p.name] = v
	}
	return from, to, values, true
}

// storeUnavailable answers a read the store failed.
func storeUnavailable(w http.ResponseWriter, err error) {
	w.Header().Set("Retry-After", "30")
	apijson.Error(w, http.StatusServiceUnavailable, err.Error())
}

// ChargebackEntry is a tenant's telemetry chargeback over a range of days,
// in one currency; its JSON is the API's.
type ChargebackEntry struct {
	Tenant   string `json:"tenant"`
	Currency string `json:"currency"`
	// IngestedBytes were sent in the range; RetainedGBDays are the GB
	// (10⁹ bytes) the store held of the tenant, summed over its days.
	IngestedBytes  uint64          `json:"ingested_bytes"`
	RetainedGBDays decimal.Decimal `json:"retained_gb_days"`
	IngestCost     decimal.Decimal `json:"ingest_cost"`
	RetentionCost  decimal.Decimal `json:"retention_cost"`
	Cost           decimal.Decimal `json:"cost"`
}

// serveChargeback is GET /api/v1/cost/chargeback?from=2026-11-01&to=2026-12-01.
func (x *costExtension) serveChargeback(w http.ResponseWriter, r *http.Request) {
	from, to, _, ok := x.costQuery(w, r)
	if !ok {
		return
	}
	rows, err := store.CostChargeback(r.Context(), x.st, from, to)
	if err != nil {
		storeUnavailable(w, err)
		return
	}
	type key struct{ tenant, currency string }
	index := map[key]int{}
	out := []ChargebackEntry{}
	retained := []*big.Int{} // byte-days, by out's index
	for _, c := range rows {
		k := key{c.Tenant, c.Currency}
		i, seen := index[k]
		if !seen {
			i = len(out)
			index[k] = i
			out = append(out, ChargebackEntry{Tenant: c.Tenant, Currency: c.Currency})
			retained = append(retained, new(big.Int))
		}
		e := &out[i]
		e.IngestedBytes += c.IngestedBytes
		retained[i].Add(retained[i], new(big.Int).SetUint64(c.RetainedBytes))
		e.IngestCost = e.IngestCost.Add(c.IngestCost)
		e.RetentionCost = e.RetentionCost.Add(c.RetentionCost)
	}
	for i := range out {
		out[i].RetainedGBDays = decimal.FromInt(1).MulDiv(retained[i], big.NewInt(chargeback.GB))
		out[i].Cost = out[i].IngestCost.Add(out[i].RetentionCost)
	}
	slices.SortFunc(out, func(a, b ChargebackEntry) int {
		return cmp.Or(strings.Compare(a.Tenant, b.Tenant), strings.Compare(a.Currency, b.Currency))
	})
	apijson.Data(w, out)
}

// UnitCostEntry is a group's cost next to its requests and good events
// over a range of days, in one currency; its JSON is the API's. The
// ratios are of the sums; nil (null) when there is nothing to divide by.
type UnitCostEntry struct {
	Group               string           `json:"group"`
	Currency            string           `json:"currency"`
	Cost                decimal.Decimal  `json:"cost"`
	Requests            uint64           `json:"requests"`
	GoodEvents          uint64           `json:"good_events"`
	CostPer1kRequests   *decimal.Decimal `json:"cost_per_1k_requests"`
	CostPer1kGoodEvents *decimal.Decimal `json:"cost_per_1k_good_events"`
}

// serveUnitCosts is GET /api/v1/cost/unit?from=2026-11-01&to=2026-12-01&group_by=service.
func (x *costExtension) serveUnitCosts(w http.ResponseWriter, r *http.Request) {
	from, to, q, ok := x.costQuery(w, r, queryParam{"group_by", "tenant", store.UnitCostGroupBy})
	if !ok {
		return
	}
	totals, err := store.CostUnitCosts(r.Context(), x.st, from, to, q["group_by"])
	if err != nil {
		storeUnavailable(w, err)
		return
	}
	perK := func(cost decimal.Decimal, n uint64) *decimal.Decimal {
		if v, ok := chargeback.PerThousand(cost, n); ok {
			return &v
		}
		return nil
	}
	out := make([]UnitCostEntry, len(totals))
	for i, t := range totals {
		out[i] = UnitCostEntry{Group: t.Group, Currency: t.Currency, Cost: t.Cost, Requests: t.Requests, GoodEvents: t.GoodEvents,
			CostPer1kRequests: perK(t.Cost, t.Requests), CostPer1kGoodEvents: perK(t.Cost, t.GoodEvents)}
	}
	apijson.Data(w, out)
}
