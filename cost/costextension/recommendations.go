package costextension

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"math/big"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/slopipe/slopipe/cost/allocation"
	"github.com/slopipe/slopipe/internal/apijson"
	"github.com/slopipe/slopipe/internal/decimal"
	"github.com/slopipe/slopipe/store"
)

// Recommendation kinds, the values of slopipe_cost_recommendations.Kind.
const (
	KindTelemetryGrowth    = "telemetry_growth"
	KindExpensiveMetric    = "expensive_metric"
	KindBilledWithoutUsage = "billed_without_usage"
	KindUnallocatedTagGap  = "unallocated_tag_gap"
)

// RecommendationKinds are the kinds, in the order they are computed.
var RecommendationKinds = []string{KindTelemetryGrowth, KindExpensiveMetric, KindBilledWithoutUsage, KindUnallocatedTagGap}

// RecommendationsConfig are the thresholds of the recommendations; the
// package documentation says what each kind is.
type RecommendationsConfig struct {
	// Enabled computes recommendations (default true). Off, the last ones
	// computed stay.
	Enabled bool `mapstructure:"enabled"`
	// Interval is the least time between two computations of a day's
	// recommendations (default 6h; 0: at every recomputation): they read
	// whole days and a day of every metric table, and change by the day.
	// A new day is computed at its first recomputation.
	Interval           time.Duration            `mapstructure:"interval"`
	TelemetryGrowth    TelemetryGrowthConfig    `mapstructure:"telemetry_growth"`
	ExpensiveMetric    ExpensiveMetricConfig    `mapstructure:"expensive_metric"`
	BilledWithoutUsage BilledWithoutUsageConfig `mapstructure:"billed_without_usage"`
	UnallocatedTagGap  UnallocatedTagGapConfig  `mapstructure:"unallocated_tag_gap"`
}

// TelemetryGrowthConfig: a tenant whose telemetry grew Factor times more
// than its requests week over week, and who sent at least MinBytes in the
// latest week.
type TelemetryGrowthConfig struct {
	Factor   float64 `mapstructure:"factor"`
	MinBytes uint64  `mapstructure:"min_bytes"`
}

// ExpensiveMetricConfig: each tenant's Top metric names by active series
// over the last 24 hours, those with at least MinSeries series.
type ExpensiveMetricConfig struct {
	Top       int    `mapstructure:"top"`
	MinSeries uint64 `mapstructure:"min_series"`
}

// BilledWithoutUsageConfig: resources billed over the last Days complete
// days without use.
type BilledWithoutUsageConfig struct {
	Days int `mapstructure:"days"`
}

// UnallocatedTagGapConfig: the Top (service, account) gaps of the last
// Days complete days' unallocated spend.
type UnallocatedTagGapConfig struct {
	Days int `mapstructure:"days"`
	Top  int `mapstructure:"top"`
}

// DefaultRecommendationsConfig are the thresholds of a configuration that
// sets none.
func DefaultRecommendationsConfig() RecommendationsConfig {
	return RecommendationsConfig{
		Enabled:            true,
		Interval:           6 * time.Hour,
		TelemetryGrowth:    TelemetryGrowthConfig{Factor: 1.5, MinBytes: 1_000_000_000},
		ExpensiveMetric:    ExpensiveMetricConfig{Top: 10, MinSeries: 1000},
		BilledWithoutUsage: BilledWithoutUsageConfig{Days: 7},
		UnallocatedTagGap:  UnallocatedTagGapConfig{Days: 30, Top: 10},
	}
}

// Validate names the first bad field, below "recommendations.".
func (c *RecommendationsConfig) Validate() error {
	switch {
	case c.Interval < 0:
		return errors.New("interval: must not be negative")
	case math.IsNaN(c.TelemetryGrowth.Factor) || c.TelemetryGrowth.Factor < 1 || math.IsInf(c.TelemetryGrowth.Factor, 0):
		return errors.New("telemetry_growth.factor: must be a number of at least 1 (1.5: telemetry grew 1.5 times more than requests)")
	case c.ExpensiveMetric.Top < 1 || c.ExpensiveMetric.Top > 1000:
		return errors.New("expensive_metric.top: must be between 1 and 1000")
	case c.ExpensiveMetric.MinSeries < 1:
		return errors.New("expensive_metric.min_series: must be at least 1")
	case c.BilledWithoutUsage.Days < 1 || c.BilledWithoutUsage.Days > 400:
		return errors.New("billed_without_usage.days: must be between 1 and 400")
	case c.UnallocatedTagGap.Days < 1 || c.UnallocatedTagGap.Days > 400:
		return errors.New("unallocated_tag_gap.days: must be between 1 and 400")
	case c.UnallocatedTagGap.Top < 1 || c.UnallocatedTagGap.Top > 1000:
		return errors.New("unallocated_tag_gap.top: must be between 1 and 1000")
	}
	return nil
}

// growthWeek is the week telemetry_growth compares with the one before.
const growthWeek = 7

// labelsInDetail is how many of an expensive metric's labels its detail
// names.
const labelsInDetail = 3

// recommend computes today's recommendations and writes them, replacing
// today's earlier ones.
func (x *costExtension) recommend(ctx context.Context, now time.Time) error {
	cfg := x.cfg.Recommendations
	if !cfg.Enabled {
		return nil
	}
	now = now.UTC()
	today := now.Truncate(24 * time.Hour)
	if last := x.recommendedAt; !last.IsZero() && last.Truncate(24*time.Hour).Equal(today) && now.Sub(last) < cfg.Interval {
		return nil
	}
	var rows []store.CostRecommendation

	// telemetry_growth: the last complete week against the one before.
	latest, prev := today.AddDate(0, 0, -growthWeek), today.AddDate(0, 0, -2*growthWeek)
	ingest1, requests1, err := store.TenantUsage(ctx, x.st, latest, today)
	if err != nil {
		return err
	}
	ingest0, requests0, err := store.TenantUsage(ctx, x.st, prev, latest)
	if err != nil {
		return err
	}
	spend, err := store.TenantTelemetryCost(ctx, x.st, latest, today)
	if err != nil {
		return err
	}
	rows = append(rows, telemetryGrowth(cfg.TelemetryGrowth, weekUsage{ingest0, requests0}, weekUsage{ingest1, requests1}, spend)...)

	// expensive_metric: the last 24 hours.
	metrics, err := store.MetricSeriesCounts(ctx, x.st, now.Add(-24*time.Hour), now, cfg.ExpensiveMetric.Top, cfg.ExpensiveMetric.MinSeries)
	if err != nil {
		return err
	}
	labels, err := store.MetricLabelValues(ctx, x.st, now.Add(-24*time.Hour), now, metrics, labelsInDetail)
	if err != nil {
		return err
	}
	rows = append(rows, expensiveMetrics(metrics, labels)...)

	// billed_without_usage: the last complete days.
	days := cfg.BilledWithoutUsage.Days
	idle, err := store.IdleResources(ctx, x.st, today.AddDate(0, 0, -days), today, x.cfg.Rules.Tenant, x.cfg.Rules.Team)
	if err != nil {
		return err
	}
	rows = append(rows, billedWithoutUsage(idle, days)...)

	// unallocated_tag_gap: the last complete days.
	days = cfg.UnallocatedTagGap.Days
	untagged, err := store.UntaggedCharges(ctx, x.st, today.AddDate(0, 0, -days), today, x.cfg.Rules.Tenant)
	if err != nil {
		return err
	}
	rows = append(rows, unallocatedTagGaps(&x.cfg.Rules, untagged, days, cfg.UnallocatedTagGap.Top)...)

	for i := range rows {
		rows[i].Day = today
	}
	if err := store.SaveCostRecommendations(ctx, x.st, today, rows, x.now()); err != nil {
		return err
	}
	x.recommendedAt = now
	return nil
}

// weekUsage is a week's telemetry bytes and SLI requests by tenant.
type weekUsage struct{ ingest, requests map[string]float64 }

// telemetryGrowth recommends for each tenant that sent at least MinBytes
// in the latest week and whose telemetry grew more than Factor times its
// requests' growth over the week before. Tenants without telemetry in the
// week before, or without requests in either week, have no growth to
// compare and are left out. spend is the latest week's telemetry
// chargeback; a tenant's Cost is its spend scaled to 30 days.
func telemetryGrowth(cfg TelemetryGrowthConfig, prev, latest weekUsage, spend []store.TenantCost) []store.CostRecommendation {
	money := map[string]store.TenantCost{}
	for _, s := range spend { // ordered by tenant, then currency: the first currency is the tenant's
		if _, ok := money[s.Tenant]; !ok {
			money[s.Tenant] = s
		}
	}
	var out []store.CostRecommendation
	for tenant, b1 := range latest.ingest {
		b0, r0, r1 := prev.ingest[tenant], prev.requests[tenant], latest.requests[tenant]
		if b1 < float64(cfg.MinBytes) || b0 <= 0 || r0 <= 0 || r1 <= 0 {
			continue
		}
		telemetry, requests := b1/b0, r1/r0
		ratio := telemetry / requests
		if !(ratio > cfg.Factor) || math.IsInf(ratio, 0) {
			continue
		}
		rec := store.CostRecommendation{Kind: KindTelemetryGrowth, Tenant: tenant, Subject: "tenant " + tenant, Value: ratio,
			Detail: fmt.Sprintf("telemetry %s week over week (%s to %s) while requests %s (%s to %s)",
				growthWords(telemetry), formatGB(b0), formatGB(b1), growthWords(requests), formatCount(r0), formatCount(r1))}
		if m, ok := money[tenant]; ok {
			rec.Currency, rec.Cost = m.Currency, perMonth(m.Cost, growthWeek)
		}
		out = append(out, rec)
	}
	slices.SortFunc(out, func(a, b store.CostRecommendation) int {
		return cmp.Or(cmp.Compare(b.Value, a.Value), cmp.Compare(a.Tenant, b.Tenant))
	})
	return out
}

// growthWords says how a ratio of this week to last changed things: "grew
// 150.0%", "fell 20.0%".
func growthWords(ratio float64) string {
	if ratio >= 1 {
		return fmt.Sprintf("grew %.1f%%", (ratio-1)*100)
	}
	return fmt.Sprintf("fell %.1f%%", (1-ratio)*100)
}

func formatGB(b float64) string    { return fmt.Sprintf("%.2f GB", b/1e9) }
func formatCount(n float64) string { return fmt.Sprintf("%.0f", n) }

// expensiveMetrics recommends each metric of metrics (already the top
// ones per tenant above the minimum), naming its labels with the most
// values.
func expensiveMetrics(metrics []store.MetricSeries, labels map[string]map[string][]store.LabelValues) []store.CostRecommendation {
	out := make([]store.CostRecommendation, 0, len(metrics))
	for _, m := range metrics {
		detail := fmt.Sprintf("%d active series in the last 24 hours", m.Series)
		if ls := labels[m.Tenant][m.Metric]; len(ls) > 0 {
			names := make([]string, len(ls))
			for i, l := range ls {
				names[i] = fmt.Sprintf("%s (%d)", l.Label, l.Values)
			}
			detail += "; labels with the most values: " + strings.Join(names, ", ")
		}
		out = append(out, store.CostRecommendation{Kind: KindExpensiveMetric, Tenant: m.Tenant, Subject: m.Metric,
			Detail: detail, Value: float64(m.Series)})
	}
	return out
}

// billedWithoutUsage recommends each idle resource; Cost is what it was
// billed over the days scaled to 30, Value what it was billed over them.
func billedWithoutUsage(resources []store.IdleResource, days int) []store.CostRecommendation {
	out := make([]store.CostRecommendation, 0, len(resources))
	for _, r := range resources {
		var why []string
		if r.Unconsumed {
			why = append(why, fmt.Sprintf("billed %s %s in the last %d days with no consumption (ConsumedQuantity 0)", r.Billed, r.Currency, days))
		}
		if r.TenantIdle {
			why = append(why, fmt.Sprintf("tagged for tenant %s, which sent no telemetry and had no requests in the last %d days", r.Tenant, days))
		}
		if len(why) == 0 {
			continue
		}
		out = append(out, store.CostRecommendation{Kind: KindBilledWithoutUsage, Tenant: r.Tenant, Team: r.Team, Service: r.Service,
			Subject: r.ResourceId, Detail: strings.Join(why, "; "), Currency: r.Currency,
			Cost: perMonth(r.Billed, days), Value: r.Billed.Float64()})
	}
	return out
}

// unallocatedTagGaps sums the items the rules leave unallocated by
// service, sub-account and currency and recommends the top most costly;
// Cost is the spend over the days scaled to 30, Value the gap's share of
// the currency's unallocated spend.
func unallocatedTagGaps(rules *allocation.Rules, items []store.BillingLineItem, days, top int) []store.CostRecommendation {
	type gap struct{ service, account, currency string }
	sums := map[gap]decimal.Decimal{}
	totals := map[string]decimal.Decimal{}
	for i := range items {
		it := &items[i]
		if !rules.Unallocated(it) {
			continue
		}
		c := rules.Cost(it)
		g := gap{it.ServiceName, it.SubAccountId, it.BillingCurrency}
		sums[g] = sums[g].Add(c)
		totals[g.currency] = totals[g.currency].Add(c)
	}
	detail := "no tenant tag (tried " + strings.Join(rules.Tenant, ", ") + ")"
	var out []store.CostRecommendation
	for g, spend := range sums {
		if spend.Sign() <= 0 {
			continue
		}
		subject := "service " + g.service
		if g.account != "" {
			subject += " in account " + g.account
		}
		share := 0.0
		if total := totals[g.currency]; total.Sign() > 0 {
			share = spend.Float64() / total.Float64()
		}
		out = append(out, store.CostRecommendation{Kind: KindUnallocatedTagGap, Service: g.service, Subject: subject,
			Detail: detail, Currency: g.currency, Cost: perMonth(spend, days), Value: share})
	}
	slices.SortFunc(out, func(a, b store.CostRecommendation) int {
		return cmp.Or(b.Cost.Cmp(a.Cost), cmp.Compare(a.Subject, b.Subject), cmp.Compare(a.Currency, b.Currency))
	})
	if len(out) > top {
		out = out[:top]
	}
	return out
}

// perMonth is spend over days scaled to 30 days, rounded half away from
// zero to the last of decimal.Scale digits.
func perMonth(spend decimal.Decimal, days int) decimal.Decimal {
	return spend.MulDiv(big.NewInt(30), big.NewInt(int64(days)))
}

// Recommendation is one recommendation; its JSON is the API's.
type Recommendation struct {
	Day      string          `json:"day"`
	Kind     string          `json:"kind"`
	Tenant   string          `json:"tenant"`
	Team     string          `json:"team"`
	Service  string          `json:"service"`
	Subject  string          `json:"subject"`
	Detail   string          `json:"detail"`
	Currency string          `json:"currency"`
	Cost     decimal.Decimal `json:"cost"`
	Value    float64         `json:"value"`
}

// serveRecommendations is GET /api/v1/cost/recommendations?day=2026-11-02&kind=expensive_metric.
func (x *costExtension) serveRecommendations(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	for key := range q {
		if key != "day" && key != "kind" {
			apijson.Error(w, http.StatusBadRequest, fmt.Sprintf("%s: not a parameter (day, kind)", key))
			return
		}
	}
	kind := q.Get("kind")
	if kind != "" && !slices.Contains(RecommendationKinds, kind) {
		apijson.Error(w, http.StatusBadRequest, fmt.Sprintf("kind: %q is not one of %s", kind, strings.Join(RecommendationKinds, ", ")))
		return
	}
	unavailable := func(err error) {
		w.Header().Set("Retry-After", "30")
		apijson.Error(w, http.StatusServiceUnavailable, err.Error())
	}
	var day time.Time
	if v := q.Get("day"); v != "" {
		t, err := time.Parse(time.DateOnly, v)
		if err != nil {
			apijson.Error(w, http.StatusBadRequest, fmt.Sprintf("day: %q is not a date like 2026-11-01", v))
			return
		}
		day = t
	} else {
		latest, ok, err := store.CostRecommendationsLatestDay(r.Context(), x.st, x.now())
		if err != nil {
			unavailable(err)
			return
		}
		if !ok {
			apijson.Data(w, []Recommendation{})
			return
		}
		day = latest
	}
	recs, err := store.CostRecommendations(r.Context(), x.st, day, day.AddDate(0, 0, 1))
	if err != nil {
		unavailable(err)
		return
	}
	out := []Recommendation{}
	for _, c := range recs {
		if kind != "" && c.Kind != kind {
			continue
		}
		out = append(out, Recommendation{Day: c.Day.Format(time.DateOnly), Kind: c.Kind, Tenant: c.Tenant, Team: c.Team,
			Service: c.Service, Subject: c.Subject, Detail: c.Detail, Currency: c.Currency, Cost: c.Cost, Value: c.Value})
	}
	apijson.Data(w, out)
}
