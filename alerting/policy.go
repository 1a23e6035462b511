package alerting

import (
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"

	"github.com/slopipe/slopipe/slo"
	"github.com/slopipe/slopipe/slo/evaluator"
)

// Alert names slopipe fires.
const (
	// AlertBurnRate is the burn-rate alert's name unless the SLO's
	// alerting section (Sloth's alerting.name) names it.
	AlertBurnRate        = "SLOErrorBudgetBurn"
	AlertBudgetExhausted = "SLOErrorBudgetExhausted"
	AlertNoData          = "SLONoData"
)

// PolicyConfig are the knobs of the alert policy.
type PolicyConfig struct {
	// MinEvents is the low-traffic guard: a burn-rate condition holds only
	// when its long window counted at least this many events, so three
	// failed requests out of five do not page anybody.
	MinEvents float64
	// BudgetExhaustedAt fires the budget-exhaustion alert when the
	// remaining budget (a fraction: 1 untouched, 0 spent) is at or below
	// it; NaN turns the alert off.
	BudgetExhaustedAt float64
	BudgetSeverity    string // page or ticket
	// NoDataWindow is a burn window name: an SLO×tenant with events in its
	// period but none over this window fires the no-data alert ("" off).
	NoDataWindow   string
	NoDataSeverity string
	// ExternalURL is slopipe's API as the on-call engineer reaches it; the
	// alerts' generator URL points at the SLO's entry there.
	ExternalURL string
	// DashboardURL is a link to the SLO dashboard with {slo} and {tenant}
	// standing for the values, URL-escaped.
	DashboardURL string
	// ResolvedRetention is how long a resolved alert is still handed to the
	// pipeline, so every group it was in can send its resolve.
	ResolvedRetention time.Duration
}

// DefaultPolicyConfig is the policy without configuration.
func DefaultPolicyConfig() PolicyConfig {
	return PolicyConfig{
		MinEvents:         10,
		BudgetExhaustedAt: 0,
		BudgetSeverity:    SeverityTicket,
		NoDataWindow:      "1h",
		NoDataSeverity:    SeverityTicket,
		ExternalURL:       "http://127.0.0.1:8088",
		ResolvedRetention: time.Hour,
	}
}

// Validate names the first bad field.
func (c PolicyConfig) Validate() error {
	switch {
	case c.MinEvents < 0 || math.IsNaN(c.MinEvents):
		return fmt.Errorf("min_events: %v must be at least 0", c.MinEvents)
	case c.BudgetSeverity != SeverityPage && c.BudgetSeverity != SeverityTicket:
		return fmt.Errorf("budget_exhausted_severity: %q is neither page nor ticket", c.BudgetSeverity)
	case c.NoDataSeverity != SeverityPage && c.NoDataSeverity != SeverityTicket:
		return fmt.Errorf("no_data_severity: %q is neither page nor ticket", c.NoDataSeverity)
	case c.NoDataWindow != "" && windowIndex(c.NoDataWindow) < 0:
		return fmt.Errorf("no_data_window: %q is not one of %s", c.NoDataWindow, windowNames())
	case c.ResolvedRetention <= 0:
		return fmt.Errorf("resolved_retention: must be positive")
	}
	if c.ExternalURL != "" {
		if u, err := url.Parse(c.ExternalURL); err != nil || u.Host == "" {
			return fmt.Errorf("external_url: %q is not an absolute URL", c.ExternalURL)
		}
	}
	return nil
}

// Policy decides which alerts fire from each evaluation; its Lifecycle
// remembers them across evaluations and, through Restore, restarts.
type Policy struct {
	cfg PolicyConfig
	*Lifecycle
}

// NewPolicy returns a policy with no alert firing.
func NewPolicy(cfg PolicyConfig) *Policy {
	return &Policy{cfg: cfg, Lifecycle: NewLifecycle(cfg.ResolvedRetention)}
}

// Evaluate returns every alert the pipeline should see at snap's time:
// those firing, and those resolved within ResolvedRetention. Alerts of an
// SLO×tenant the snapshot has no result for are resolved: the SLO was
// removed or the tenant's events left its period.
func (p *Policy) Evaluate(snap *evaluator.Snapshot) []*Alert {
	now := snap.EvaluatedAt
	var firing []*Alert
	for i := range snap.Results {
		r := &snap.Results[i]
		firing = append(firing, p.alertsFor(r, snap.SLOs[r.SLO], now)...)
	}
	return p.Update(firing, now)
}

// alertsFor are the alerts firing for one result.
func (p *Policy) alertsFor(r *evaluator.Result, s *slo.SLO, now time.Time) []*Alert {
	var out []*Alert
	if s != nil {
		for _, severity := range []string{SeverityPage, SeverityTicket} {
			if a := p.burnAlert(r, s, severity, now); a != nil {
				out = append(out, a)
			}
		}
	}
	if !math.IsNaN(p.cfg.BudgetExhaustedAt) && r.BudgetRemaining.Known && r.BudgetRemaining.V <= p.cfg.BudgetExhaustedAt {
		a := p.newAlert(r, s, AlertBudgetExhausted, p.cfg.BudgetSeverity, now)
		a.Annotations["summary"] = model.LabelValue(fmt.Sprintf("%s for tenant %s has %s of its %s error budget left",
			r.SLO, r.Tenant, percent(r.BudgetRemaining.V), r.Window.Period))
		out = append(out, a)
	}
	if i := windowIndex(p.cfg.NoDataWindow); i >= 0 && r.Total > 0 && r.WindowEvents[i] == 0 {
		a := p.newAlert(r, s, AlertNoData, p.cfg.NoDataSeverity, now)
		a.Annotations["summary"] = model.LabelValue(fmt.Sprintf("%s for tenant %s counted no events over the last %s: is its SLI source silent?",
			r.SLO, r.Tenant, p.cfg.NoDataWindow))
		out = append(out, a)
	}
	return out
}

// burnAlert is the SLO's page or ticket when one of its window pairs of
// that severity holds: the burn rate over both windows at least the pair's
// factor, with enough events in the long window.
//
// The pair that fired is an annotation, not a label: a label would make
// the 1h/5m and 6h/30m pairs two alerts, and an incident moving from one
// to the other would page twice.
func (p *Policy) burnAlert(r *evaluator.Result, s *slo.SLO, severity string, now time.Time) *Alert {
	var pairs, fired []string
	for _, pair := range s.AlertPairs() {
		if pair.Severity != severity {
			continue
		}
		pairs = append(pairs, pair.Long+"/"+pair.Short)
		long, short := windowIndex(pair.Long), windowIndex(pair.Short)
		if long < 0 || short < 0 || r.WindowEvents[long] < p.cfg.MinEvents || r.WindowEvents[long] == 0 {
			continue
		}
		lb, sb := r.BurnRates[long], r.BurnRates[short]
		if lb.Known && sb.Known && lb.V >= pair.Factor && sb.V >= pair.Factor {
			fired = append(fired, fmt.Sprintf("%s/%s", pair.Long, pair.Short))
		}
	}
	if len(fired) == 0 {
		return nil
	}
	name := AlertBurnRate
	if s.Alerting.Name != "" {
		name = s.Alerting.Name
	}
	a := p.newAlert(r, s, name, severity, now)
	a.Labels[LabelWindows] = model.LabelValue(strings.Join(pairs, ","))
	own := s.Alerting.Page
	if severity == SeverityTicket {
		own = s.Alerting.Ticket
	}
	addLabels(a.Labels, s.Alerting.Labels, own.Labels)
	addAnnotations(a.Annotations, s.Alerting.Annotations, own.Annotations)
	if v := runbook(own.Annotations); v != "" {
		a.Annotations["runbook_url"] = model.LabelValue(v)
	}
	first := fired[0]
	long := windowIndex(first[:strings.IndexByte(first, '/')])
	a.Annotations["burn_window"] = model.LabelValue(strings.Join(fired, ","))
	a.Annotations["summary"] = model.LabelValue(fmt.Sprintf("%s for tenant %s is burning its error budget %s× over %s: %s of the %s budget left",
		r.SLO, r.Tenant, rate(r.BurnRates[long]), slo.BurnWindows[long].Name, percentValue(r.BudgetRemaining), r.Window.Period))
	return a
}

// newAlert is an alert with the labels and annotations every slopipe alert
// carries.
func (p *Policy) newAlert(r *evaluator.Result, s *slo.SLO, name, severity string, now time.Time) *Alert {
	a := &Alert{
		Labels: model.LabelSet{
			LabelAlertName: model.LabelValue(name),
			LabelSLO:       model.LabelValue(r.SLO),
			LabelTenant:    model.LabelValue(r.Tenant),
			LabelSeverity:  model.LabelValue(severity),
		},
		Annotations: model.LabelSet{
			"burn_rates":       model.LabelValue(burnRates(r.BurnRates)),
			"budget_remaining": model.LabelValue(percentValue(r.BudgetRemaining)),
			"sli":              model.LabelValue(sliText(r.SLI)),
			"objective":        model.LabelValue(strconv.FormatFloat(r.Objective, 'f', -1, 64)),
		},
		StartsAt:  now,
		UpdatedAt: now,
	}
	if r.Service != "" {
		a.Labels[LabelService] = model.LabelValue(r.Service)
	}
	if r.Team != "" {
		a.Labels[LabelTeam] = model.LabelValue(r.Team)
	}
	if s != nil && s.Description != "" {
		a.Annotations["description"] = model.LabelValue(s.Description)
	}
	if s != nil {
		if v := runbook(s.Alerting.Annotations); v != "" {
			a.Annotations["runbook_url"] = model.LabelValue(v)
		}
	}
	if p.cfg.DashboardURL != "" {
		a.Annotations["dashboard_url"] = model.LabelValue(strings.NewReplacer(
			"{slo}", url.QueryEscape(r.SLO), "{tenant}", url.QueryEscape(r.Tenant)).Replace(p.cfg.DashboardURL))
	}
	if p.cfg.ExternalURL != "" {
		a.GeneratorURL = strings.TrimSuffix(p.cfg.ExternalURL, "/") + "/api/v1/slos/" + url.PathEscape(r.SLO) + "?tenant=" + url.QueryEscape(r.Tenant)
	}
	return a
}

// runbook is the runbook link among a spec's annotations, under Sloth's
// runbook_url or runbook.
func runbook(annotations map[string]string) string {
	for _, key := range []string{"runbook_url", "runbook"} {
		if v := annotations[key]; v != "" {
			return v
		}
	}
	return ""
}

// addLabels adds the spec's own labels, never over the ones slopipe sets:
// routes and inhibition rely on those. Among the spec's, a later map wins,
// as Sloth merges them: page_alert.labels over alerting.labels, so a page
// can route elsewhere than the SLO's tickets.
func addLabels(dst model.LabelSet, maps ...map[string]string) {
	merged := map[model.LabelName]model.LabelValue{}
	for _, m := range maps {
		for k, v := range m {
			merged[model.LabelName(k)] = model.LabelValue(v)
		}
	}
	for name, v := range merged {
		if _, reserved := dst[name]; reserved || name == LabelService || name == LabelTeam || name == LabelSource {
			continue
		}
		dst[name] = v
	}
}

func addAnnotations(dst model.LabelSet, maps ...map[string]string) {
	for _, m := range maps {
		for k, v := range m {
			dst[model.LabelName(k)] = model.LabelValue(v)
		}
	}
}

func windowIndex(name string) int {
	for i, w := range slo.BurnWindows {
		if w.Name == name {
			return i
		}
	}
	return -1
}

func windowNames() string {
	names := make([]string, len(slo.BurnWindows))
	for i, w := range slo.BurnWindows {
		names[i] = w.Name
	}
	return strings.Join(names, ", ")
}

// burnRates reads "5m=20.1 30m=15 … 3d=-", "-" where a window had no
// events.
func burnRates(b evaluator.BurnRates) string {
	parts := make([]string, len(b))
	for i, v := range b {
		parts[i] = slo.BurnWindows[i].Name + "=" + rate(v)
	}
	return strings.Join(parts, " ")
}

// rate is a burn rate with two decimals at most, "-" when its window had
// no events.
func rate(v slo.Value) string {
	if !v.Known {
		return "-"
	}
	s := strconv.FormatFloat(v.V, 'f', 2, 64)
	return strings.TrimSuffix(strings.TrimRight(s, "0"), ".")
}

func percent(v float64) string { return strconv.FormatFloat(v*100, 'f', 1, 64) + "%" }

func percentValue(v slo.Value) string {
	if !v.Known {
		return "unknown"
	}
	return percent(v.V)
}

func sliText(v slo.Value) string {
	if !v.Known {
		return "unknown"
	}
	return strconv.FormatFloat(v.V, 'f', -1, 64)
}
