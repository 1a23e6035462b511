package costextension

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/prometheus/common/model"

	"github.com/slopipe/slopipe/alerting"
	"github.com/slopipe/slopipe/cost/budget"
	"github.com/slopipe/slopipe/internal/decimal"
	"github.com/slopipe/slopipe/store"
)

// Alert names of cost alerts; both are tickets.
const (
	AlertBudget  = "CostBudget"
	AlertAnomaly = "CostAnomaly"
	alertSource  = "cost"
)

// findings are what budgets and anomaly detection made of the
// allocations as of one instant.
type findings struct {
	today, yesterday time.Time
	budgets          []budgetFinding
	anomalies        []anomalyFinding
}

type budgetFinding struct {
	budget budget.Budget
	status budget.Status
}

type anomalyFinding struct {
	tenant, team, service, currency string
	anomaly                         budget.Anomaly
}

// findings are the budgets' statuses this month and the surges of the
// last complete day, as of now.
func (x *costExtension) findings(ctx context.Context, now time.Time) (findings, error) {
	today := now.UTC().Truncate(24 * time.Hour)
	f := findings{today: today, yesterday: today.AddDate(0, 0, -1)}
	monthStart := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, time.UTC)
	anomalies := x.cfg.Anomalies
	trailing := anomalies.TrailingDays
	if trailing == 0 {
		trailing = budget.DefaultAnomalyConfig().TrailingDays
	}
	from := today.AddDate(0, 0, -(trailing + 1))
	if monthStart.Before(from) {
		from = monthStart
	}
	series, err := store.CostSeries(ctx, x.st, from, today.Add(24*time.Hour))
	if err != nil {
		return f, err
	}
	for _, b := range x.cfg.Budgets {
		currency := b.Currency
		if currency == "" {
			currency = budget.DefaultCurrency
		}
		daily := map[time.Time]decimal.Decimal{}
		for _, s := range series {
			if s.Currency != currency || s.Day.Before(monthStart) || (b.Team != "" && s.Team != b.Team) || (b.Tenant != "" && s.Tenant != b.Tenant) {
				continue
			}
			daily[s.Day] = daily[s.Day].Add(s.Cost)
		}
		f.budgets = append(f.budgets, budgetFinding{b, budget.Evaluate(b, now.UTC(), daily)})
	}
	f.anomalies = x.detectAnomalies(series, f.yesterday)
	return f, nil
}

// save writes the budgets' statuses as of today and the anomalies of
// yesterday, replacing those days' earlier findings.
func (f findings) save(ctx context.Context, st store.Store, now time.Time) error {
	budgets := make([]store.CostBudgetStatus, len(f.budgets))
	for i, b := range f.budgets {
		row := store.CostBudgetStatus{Day: f.today, Budget: b.budget.Name, Team: b.budget.Team, Tenant: b.budget.Tenant,
			Month: b.status.Month, Currency: b.status.Currency, Amount: b.status.Limit, Actual: b.status.Actual, Forecast: b.status.Forecast}
		for _, c := range b.status.Crossed {
			row.Crossed = append(row.Crossed, thresholdName(c))
		}
		budgets[i] = row
	}
	if err := store.SaveCostBudgets(ctx, st, f.today, budgets, now); err != nil {
		return err
	}
	anomalies := make([]store.CostAnomaly, len(f.anomalies))
	for i, a := range f.anomalies {
		anomalies[i] = store.CostAnomaly{Day: f.yesterday, Tenant: a.tenant, Team: a.team, Service: a.service, Currency: a.currency,
			Cost: a.anomaly.Cost, Baseline: a.anomaly.Median, Score: a.anomaly.Score}
	}
	return store.SaveCostAnomalies(ctx, st, f.yesterday, anomalies, now)
}

// alerts are the tickets of the findings: one per budget threshold
// crossed, one per surge.
func (f findings) alerts(now time.Time) []*alerting.Alert {
	var out []*alerting.Alert
	for _, b := range f.budgets {
		for _, c := range b.status.Crossed {
			out = append(out, budgetAlert(b.budget, b.status, c, now))
		}
	}
	for _, a := range f.anomalies {
		out = append(out, anomalyAlert(a, now))
	}
	return out
}

// thresholdName is a crossed threshold as people write it: "forecast 100%".
func thresholdName(c budget.Crossing) string {
	return c.Kind + " " + strconv.FormatFloat(c.Percent, 'f', -1, 64) + "%"
}

func budgetAlert(b budget.Budget, st budget.Status, c budget.Crossing, now time.Time) *alerting.Alert {
	who, whoLabel := b.Team, alerting.LabelTeam
	if b.Tenant != "" {
		who, whoLabel = b.Tenant, alerting.LabelTenant
	}
	threshold := thresholdName(c)
	verb := "has spent"
	if c.Kind == budget.Forecast {
		verb = "is forecast to spend"
	}
	return &alerting.Alert{
		Labels: model.LabelSet{
			alerting.LabelAlertName: AlertBudget, alerting.LabelSeverity: alerting.SeverityTicket,
			"budget": model.LabelValue(b.Name), model.LabelName(whoLabel): model.LabelValue(who), "threshold": model.LabelValue(threshold),
		},
		Annotations: model.LabelSet{
			"summary": model.LabelValue(fmt.Sprintf("%s %s %s %s in %s: past %s of its %s budget %q",
				who, verb, c.Value, st.Currency, st.Month.Format("January 2006"), strconv.FormatFloat(c.Percent, 'f', -1, 64)+"%", st.Limit, b.Name)),
			"actual": model.LabelValue(st.Actual.String()), "forecast": model.LabelValue(st.Forecast.String()),
			"limit": model.LabelValue(st.Limit.String()), "currency": model.LabelValue(st.Currency),
		},
		StartsAt: now, UpdatedAt: now,
	}
}

// detectAnomalies are the surges of day, per service and tenant.
func (x *costExtension) detectAnomalies(series []store.CostAllocation, day time.Time) []anomalyFinding {
	type key struct{ service, tenant, currency string }
	points := map[key][]budget.Point{}
	teams := map[key]string{} // the team of the key's latest day
	for _, s := range series {
		k := key{s.Service, s.Tenant, s.Currency}
		ps := points[k]
		if n := len(ps); n > 0 && ps[n-1].Day.Equal(s.Day) {
			ps[n-1].Cost = ps[n-1].Cost.Add(s.Cost)
		} else {
			ps = append(ps, budget.Point{Day: s.Day, Cost: s.Cost})
		}
		points[k] = ps
		teams[k] = s.Team
	}
	keys := make([]key, 0, len(points))
	for k := range points {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].service != keys[j].service {
			return keys[i].service < keys[j].service
		}
		if keys[i].tenant != keys[j].tenant {
			return keys[i].tenant < keys[j].tenant
		}
		return keys[i].currency < keys[j].currency
	})
	var out []anomalyFinding
	for _, k := range keys {
		if a, ok := budget.Detect(x.cfg.Anomalies, points[k], day); ok {
			out = append(out, anomalyFinding{tenant: k.tenant, team: teams[k], service: k.service, currency: k.currency, anomaly: a})
		}
	}
	return out
}

func anomalyAlert(f anomalyFinding, now time.Time) *alerting.Alert {
	a := f.anomaly
	return &alerting.Alert{
		Labels: model.LabelSet{
			alerting.LabelAlertName: AlertAnomaly, alerting.LabelSeverity: alerting.SeverityTicket,
			alerting.LabelService: model.LabelValue(f.service), alerting.LabelTenant: model.LabelValue(f.tenant),
		},
		Annotations: model.LabelSet{
			"summary": model.LabelValue(fmt.Sprintf("%s cost for tenant %s jumped to %s %s on %s, %s over its median of %s (score %.1f)",
				f.service, f.tenant, a.Cost, f.currency, a.Day.Format(time.DateOnly), a.Jump, a.Median, a.Score)),
			"day": model.LabelValue(a.Day.Format(time.DateOnly)), "cost": model.LabelValue(a.Cost.String()),
			"median": model.LabelValue(a.Median.String()), "jump": model.LabelValue(a.Jump.String()), "currency": model.LabelValue(f.currency),
		},
		StartsAt: now, UpdatedAt: now,
	}
}
