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

// costAlerts are the budget crossings of this month and the surges of the
// last complete day, as of now.
func (x *costExtension) costAlerts(ctx context.Context, now time.Time) ([]*alerting.Alert, error) {
	today := now.UTC().Truncate(24 * time.Hour)
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
		return nil, err
	}
	var out []*alerting.Alert
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
		st := budget.Evaluate(b, now.UTC(), daily)
		for _, c := range st.Crossed {
			out = append(out, budgetAlert(b, st, c, now))
		}
	}
	out = append(out, x.anomalyAlerts(series, today.AddDate(0, 0, -1), now)...)
	return out, nil
}

func budgetAlert(b budget.Budget, st budget.Status, c budget.Crossing, now time.Time) *alerting.Alert {
	who, whoLabel := b.Team, alerting.LabelTeam
	if b.Tenant != "" {
		who, whoLabel = b.Tenant, alerting.LabelTenant
	}
	threshold := c.Kind + " " + strconv.FormatFloat(c.Percent, 'f', -1, 64) + "%"
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

// anomalyAlerts are the surges of day, per service and tenant.
func (x *costExtension) anomalyAlerts(series []store.CostAllocation, day, now time.Time) []*alerting.Alert {
	type key struct{ service, tenant, currency string }
	points := map[key][]budget.Point{}
	for _, s := range series {
		k := key{s.Service, s.Tenant, s.Currency}
		ps := points[k]
		if n := len(ps); n > 0 && ps[n-1].Day.Equal(s.Day) {
			ps[n-1].Cost = ps[n-1].Cost.Add(s.Cost)
		} else {
			ps = append(ps, budget.Point{Day: s.Day, Cost: s.Cost})
		}
		points[k] = ps
	}
	keys := make([]key, 0, len(points))
	for k := range points {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].service != keys[j].service {
			return keys[i].service < keys[j].service
		}
		return keys[i].tenant < keys[j].tenant
	})
	var out []*alerting.Alert
	for _, k := range keys {
		a, ok := budget.Detect(x.cfg.Anomalies, points[k], day)
		if !ok {
			continue
		}
		out = append(out, &alerting.Alert{
			Labels: model.LabelSet{
				alerting.LabelAlertName: AlertAnomaly, alerting.LabelSeverity: alerting.SeverityTicket,
				alerting.LabelService: model.LabelValue(k.service), alerting.LabelTenant: model.LabelValue(k.tenant),
			},
			Annotations: model.LabelSet{
				"summary": model.LabelValue(fmt.Sprintf("%s cost for tenant %s jumped to %s %s on %s, %s over its median of %s (score %.1f)",
					k.service, k.tenant, a.Cost, k.currency, a.Day.Format(time.DateOnly), a.Jump, a.Median, a.Score)),
				"day": model.LabelValue(a.Day.Format(time.DateOnly)), "cost": model.LabelValue(a.Cost.String()),
				"median": model.LabelValue(a.Median.String()), "jump": model.LabelValue(a.Jump.String()), "currency": model.LabelValue(k.currency),
			},
			StartsAt: now, UpdatedAt: now,
		})
	}
	return out
}
