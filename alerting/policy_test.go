package alerting

import (
	"math"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/slopipe/slopipe/slo"
	"github.com/slopipe/slopipe/slo/evaluator"
)

var t0 = time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)

const day = 24 * time.Hour

func testSLO(name string, period time.Duration) *slo.SLO {
	return &slo.SLO{Name: name, Service: "checkout", Objective: 0.999, Window: slo.RollingWindow(period)}
}

// result is one SLO×tenant with plenty of traffic, half its budget left
// and every burn rate known and low, unless rates says otherwise: a window
// named there with a negative rate has an unknown burn rate.
func result(sloName, tenant string, rates map[string]float64) evaluator.Result {
	r := evaluator.Result{
		SLO: sloName, Service: "checkout", Team: "payments", Tenant: tenant, Objective: 0.999,
		SLI: slo.Value{V: 0.9995, Known: true}, BudgetRemaining: slo.Value{V: 0.5, Known: true},
		Good: 99_950, Total: 100_000, Window: evaluator.Window{Period: "30d"}, BudgetingMethod: "Occurrences",
	}
	for i, w := range slo.BurnWindows {
		r.WindowEvents[i] = 1000
		r.BurnRates[i] = slo.Value{V: 0.5, Known: true}
		if v, ok := rates[w.Name]; ok {
			r.BurnRates[i] = slo.Value{V: v, Known: v >= 0}
		}
	}
	return r
}

func snapshot(at time.Time, slos []*slo.SLO, results ...evaluator.Result) *evaluator.Snapshot {
	snap := &evaluator.Snapshot{EvaluatedAt: at, Results: results, SLOs: map[string]*slo.SLO{}}
	for _, s := range slos {
		snap.SLOs[s.Name] = s
	}
	for i := range snap.Results {
		snap.Results[i].EvaluatedAt = at
	}
	return snap
}

// summary lists alerts as "alertname/severity/tenant", sorted, resolved
// ones marked.
func summary(alerts []*Alert, now time.Time) []string {
	out := make([]string, 0, len(alerts))
	for _, a := range alerts {
		s := a.Name() + "/" + string(a.Labels[LabelSeverity]) + "/" + string(a.Labels[LabelTenant])
		if a.Resolved(now) {
			s += " resolved"
		}
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

func find(t *testing.T, alerts []*Alert, name, severity, tenant string) *Alert {
	t.Helper()
	for _, a := range alerts {
		if a.Name() == name && string(a.Labels[LabelSeverity]) == severity && string(a.Labels[LabelTenant]) == tenant {
			return a
		}
	}
	t.Fatalf("no %s %s alert for tenant %q in %v", name, severity, tenant, summary(alerts, time.Time{}))
	return nil
}

func equal(a, b []string) bool { return strings.Join(a, "\n") == strings.Join(b, "\n") }

// burnOnly is the policy with only burn-rate alerts.
func burnOnly() PolicyConfig {
	cfg := DefaultPolicyConfig()
	cfg.BudgetExhaustedAt = math.NaN()
	cfg.NoDataWindow = ""
	return cfg
}

func TestPolicyBurnRateConditions(t *testing.T) {
	const name = "checkout-availability"
	page, ticket := AlertBurnRate+"/page/acme", AlertBurnRate+"/ticket/acme"
	all := map[string]float64{"5m": 20, "30m": 20, "1h": 20, "2h": 20, "6h": 20, "1d": 20, "3d": 20}
	tests := []struct {
		name      string
		period    time.Duration
		alerting  slo.Alerting
		rates     map[string]float64
		events    map[string]float64 // window events, 1000 unless named
		minEvents float64
		want      []string
		// burnWindow is the fired pairs annotation of the first alert.
		burnWindow string
	}{
		{name: "nothing burns", want: []string{}},
		{name: "fast page exactly at 14.4 on both windows", rates: map[string]float64{"1h": 14.4, "5m": 14.4},
			want: []string{page}, burnWindow: "1h/5m"},
		{name: "fast page: short window just below", rates: map[string]float64{"1h": 20, "5m": 14.39}, want: []string{}},
		{name: "fast page: long window just below", rates: map[string]float64{"1h": 14.39, "5m": 50}, want: []string{}},
		{name: "fast page: short window unknown", rates: map[string]float64{"1h": 20, "5m": -1}, want: []string{}},
		{name: "fast page: long window unknown", rates: map[string]float64{"1h": -1, "5m": 20}, want: []string{}},
		{name: "slow page at 6", rates: map[string]float64{"6h": 6, "30m": 6}, want: []string{page}, burnWindow: "6h/30m"},
		{name: "both page pairs", rates: map[string]float64{"1h": 15, "5m": 15, "6h": 15, "30m": 15},
			want: []string{page}, burnWindow: "1h/5m,6h/30m"},
		{name: "fast ticket at 3", rates: map[string]float64{"1d": 3, "2h": 3}, want: []string{ticket}, burnWindow: "1d/2h"},
		{name: "slow ticket at 1", rates: map[string]float64{"3d": 1, "6h": 1}, want: []string{ticket}, burnWindow: "3d/6h"},
		{name: "slow ticket just below 1", rates: map[string]float64{"3d": 0.99, "6h": 1}, want: []string{}},
		{name: "everything burns: one page and one ticket", rates: all, want: []string{page, ticket}, burnWindow: "1h/5m,6h/30m"},

		{name: "28 days: fast page at 13.44", period: 28 * day, rates: map[string]float64{"1h": 13.44, "5m": 13.44},
			want: []string{page}, burnWindow: "1h/5m"},
		{name: "30 days: 13.44 does not page", period: 30 * day, rates: map[string]float64{"1h": 13.44, "5m": 13.44}, want: []string{}},
		{name: "28 days: slow page at 5.6", period: 28 * day, rates: map[string]float64{"6h": 5.6, "30m": 5.6},
			want: []string{page}, burnWindow: "6h/30m"},
		{name: "28 days: fast ticket at 2.8", period: 28 * day, rates: map[string]float64{"1d": 2.8, "2h": 2.8},
			want: []string{ticket}, burnWindow: "1d/2h"},
		{name: "28 days: slow ticket at 0.94", period: 28 * day, rates: map[string]float64{"3d": 0.94, "6h": 0.94},
			want: []string{ticket}, burnWindow: "3d/6h"},
		{name: "30 days: 0.94 opens no ticket", period: 30 * day, rates: map[string]float64{"3d": 0.94, "6h": 0.94}, want: []string{}},

		{name: "page_alert.disable leaves the ticket", alerting: slo.Alerting{Page: slo.AlertLabels{Disabled: true}},
			rates: all, want: []string{ticket}, burnWindow: "1d/2h,3d/6h"},
		{name: "ticket_alert.disable leaves the page", alerting: slo.Alerting{Ticket: slo.AlertLabels{Disabled: true}},
			rates: all, want: []string{page}, burnWindow: "1h/5m,6h/30m"},
		{name: "both disabled", alerting: slo.Alerting{Page: slo.AlertLabels{Disabled: true}, Ticket: slo.AlertLabels{Disabled: true}},
			rates: all, want: []string{}},

		{name: "own pairs replace the workbook's: ticket 1d/2h at 2",
			alerting: slo.Alerting{Pairs: []slo.BurnAlertPair{{Severity: "ticket", Short: "2h", Long: "1d", Factor: 2}}},
			rates:    map[string]float64{"5m": 20, "1h": 20, "2h": 2, "1d": 2}, want: []string{ticket}, burnWindow: "1d/2h"},
		{name: "own pairs: just below the factor",
			alerting: slo.Alerting{Pairs: []slo.BurnAlertPair{{Severity: "ticket", Short: "2h", Long: "1d", Factor: 2}}},
			rates:    map[string]float64{"5m": 20, "1h": 20, "2h": 1.99, "1d": 5}, want: []string{}},

		{name: "alerting.name names the alert", alerting: slo.Alerting{Name: "CheckoutAvailability"}, rates: all,
			want: []string{"CheckoutAvailability/page/acme", "CheckoutAvailability/ticket/acme"}, burnWindow: "1h/5m,6h/30m"},

		{name: "long window with exactly MinEvents pages", minEvents: 10, events: map[string]float64{"1h": 10, "5m": 1},
			rates: map[string]float64{"1h": 20, "5m": 20}, want: []string{page}, burnWindow: "1h/5m"},
		{name: "long window one event short of MinEvents", minEvents: 10, events: map[string]float64{"1h": 9, "5m": 9},
			rates: map[string]float64{"1h": 20, "5m": 20}, want: []string{}},
		{name: "the guard is per pair: the slow pair still pages", minEvents: 10, events: map[string]float64{"1h": 9},
			rates: map[string]float64{"1h": 20, "5m": 20, "6h": 20, "30m": 20}, want: []string{page}, burnWindow: "6h/30m"},
		{name: "MinEvents 0: a long window without events never fires", minEvents: 0, events: map[string]float64{"1h": 0},
			rates: map[string]float64{"1h": 20, "5m": 20}, want: []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			period := tt.period
			if period == 0 {
				period = 30 * day
			}
			s := testSLO(name, period)
			s.Alerting = tt.alerting
			r := result(name, "acme", tt.rates)
			for i, w := range slo.BurnWindows {
				if v, ok := tt.events[w.Name]; ok {
					r.WindowEvents[i] = v
				}
			}
			cfg := burnOnly()
			cfg.MinEvents = tt.minEvents
			alerts := NewPolicy(cfg).Evaluate(snapshot(t0, []*slo.SLO{s}, r))
			if got := summary(alerts, t0); !equal(got, tt.want) {
				t.Fatalf("alerts %v, want %v", got, tt.want)
			}
			if tt.burnWindow != "" {
				first := find(t, alerts, strings.Split(tt.want[0], "/")[0], strings.Split(tt.want[0], "/")[1], "acme")
				if got := string(first.Annotations["burn_window"]); got != tt.burnWindow {
					t.Errorf("burn_window %q, want %q", got, tt.burnWindow)
				}
			}
		})
	}
}

func TestPolicyBurnRateLabels(t *testing.T) {
	s := testSLO("checkout-availability", 30*day)
	s.Alerting = slo.Alerting{
		Name: "CheckoutAvailability",
		Labels: map[string]string{
			"category": "availability", "routing_key": "payments-default",
			// None of these may change what routes and inhibition match on.
			"slo": "other", "tenant": "other", "severity": "critical", "alertname": "Other",
			"service": "other", "team": "other", "windows": "other",
		},
		Page:   slo.AlertLabels{Labels: map[string]string{"routing_key": "payments-oncall", "severity": "sev1"}},
		Ticket: slo.AlertLabels{Labels: map[string]string{"slack_channel": "#payments"}},
	}
	all := map[string]float64{"5m": 20, "30m": 20, "1h": 20, "2h": 20, "6h": 20, "1d": 20, "3d": 20}
	alerts := NewPolicy(burnOnly()).Evaluate(snapshot(t0, []*slo.SLO{s}, result(s.Name, "acme", all)))

	want := map[string]model.LabelSet{
		SeverityPage: {
			"alertname": "CheckoutAvailability", "slo": "checkout-availability", "tenant": "acme",
			"service": "checkout", "team": "payments", "severity": "page", "windows": "1h/5m,6h/30m",
			"category": "availability", "routing_key": "payments-oncall",
		},
		SeverityTicket: {
			"alertname": "CheckoutAvailability", "slo": "checkout-availability", "tenant": "acme",
			"service": "checkout", "team": "payments", "severity": "ticket", "windows": "1d/2h,3d/6h",
			"category": "availability", "routing_key": "payments-default", "slack_channel": "#payments",
		},
	}
	if len(alerts) != 2 {
		t.Fatalf("%d alerts, want 2: %v", len(alerts), summary(alerts, t0))
	}
	for severity, labels := range want {
		a := find(t, alerts, "CheckoutAvailability", severity, "acme")
		if !a.Labels.Equal(labels) {
			t.Errorf("%s labels\n got %v\nwant %v", severity, a.Labels, labels)
		}
	}
}

func TestPolicyLabelsWithoutServiceOrTeam(t *testing.T) {
	s := testSLO("orphan", 30*day)
	r := result("orphan", "acme", map[string]float64{"1h": 20, "5m": 20})
	r.Service, r.Team = "", ""
	a := find(t, NewPolicy(burnOnly()).Evaluate(snapshot(t0, []*slo.SLO{s}, r)), AlertBurnRate, SeverityPage, "acme")
	for _, name := range []model.LabelName{LabelService, LabelTeam} {
		if v, ok := a.Labels[name]; ok {
			t.Errorf("label %s=%q on an SLO without one", name, v)
		}
	}
}

func TestPolicyBurnRateAnnotations(t *testing.T) {
	tests := []struct {
		name     string
		alerting slo.Alerting
		cfg      func(*PolicyConfig)
		tenant   string
		want     map[model.LabelName]string // "" means absent
		genURL   string                     // unchecked when ""
	}{
		{
			name:   "what slopipe writes",
			tenant: "acme",
			cfg: func(c *PolicyConfig) {
				c.ExternalURL = "https://slopipe.example/"
				c.DashboardURL = "https://grafana.example/d/slo?var-slo={slo}&var-tenant={tenant}"
			},
			want: map[model.LabelName]string{
				"summary":          "checkout-availability for tenant acme is burning its error budget 15.25× over 1h: 50.0% of the 30d budget left",
				"burn_rates":       "5m=20 30m=0.5 1h=15.25 2h=0.5 6h=0.5 1d=0.5 3d=-",
				"budget_remaining": "50.0%",
				"burn_window":      "1h/5m",
				"sli":              "0.9995",
				"objective":        "0.999",
				"description":      "Checkout requests that succeed",
				"dashboard_url":    "https://grafana.example/d/slo?var-slo=checkout-availability&var-tenant=acme",
				"runbook_url":      "",
			},
			genURL: "https://slopipe.example/api/v1/slos/checkout-availability?tenant=acme",
		},
		{
			name:   "tenant escaped in both links",
			tenant: "a b&c",
			cfg: func(c *PolicyConfig) {
				c.ExternalURL = "https://slopipe.example"
				c.DashboardURL = "https://grafana.example/d/slo?var-slo={slo}&var-tenant={tenant}"
			},
			want: map[model.LabelName]string{
				"dashboard_url": "https://grafana.example/d/slo?var-slo=checkout-availability&var-tenant=a+b%26c",
				"summary":       "checkout-availability for tenant a b&c is burning its error budget 15.25× over 1h: 50.0% of the 30d budget left",
			},
			genURL: "https://slopipe.example/api/v1/slos/checkout-availability?tenant=a+b%26c",
		},
		{
			name:   "no links configured",
			tenant: "acme",
			cfg:    func(c *PolicyConfig) { c.ExternalURL, c.DashboardURL = "", "" },
			want:   map[model.LabelName]string{"dashboard_url": ""},
		},
		{
			name:     "Sloth's runbook annotation becomes runbook_url",
			tenant:   "acme",
			alerting: slo.Alerting{Annotations: map[string]string{"runbook": "https://runbooks.example/checkout"}},
			want:     map[model.LabelName]string{"runbook_url": "https://runbooks.example/checkout"},
		},
		{
			name:   "runbook_url preferred over runbook",
			tenant: "acme",
			alerting: slo.Alerting{Annotations: map[string]string{
				"runbook": "https://runbooks.example/old", "runbook_url": "https://runbooks.example/new"}},
			want: map[model.LabelName]string{"runbook_url": "https://runbooks.example/new"},
		},
		{
			name:   "the page's own runbook over the SLO's",
			tenant: "acme",
			alerting: slo.Alerting{
				Annotations: map[string]string{"runbook_url": "https://runbooks.example/checkout"},
				Page:        slo.AlertLabels{Annotations: map[string]string{"runbook": "https://runbooks.example/checkout-page"}},
			},
			want: map[model.LabelName]string{"runbook_url": "https://runbooks.example/checkout-page"},
		},
		{
			name:   "spec annotations are added, the page's over the SLO's, never over the summary",
			tenant: "acme",
			alerting: slo.Alerting{
				Annotations: map[string]string{"title": "Checkout burns", "summary": "High error rate", "team_channel": "#payments"},
				Page:        slo.AlertLabels{Annotations: map[string]string{"title": "Checkout burns fast"}},
			},
			want: map[model.LabelName]string{
				"title":        "Checkout burns fast",
				"team_channel": "#payments",
				"summary":      "checkout-availability for tenant acme is burning its error budget 15.25× over 1h: 50.0% of the 30d budget left",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := testSLO("checkout-availability", 30*day)
			s.Description = "Checkout requests that succeed"
			s.Alerting = tt.alerting
			cfg := burnOnly()
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			r := result(s.Name, tt.tenant, map[string]float64{"5m": 20, "1h": 15.25, "3d": -1})
			a := find(t, NewPolicy(cfg).Evaluate(snapshot(t0, []*slo.SLO{s}, r)), AlertBurnRate, SeverityPage, tt.tenant)
			for k, want := range tt.want {
				got, ok := a.Annotations[k]
				if want == "" && ok {
					t.Errorf("annotation %s=%q, want none", k, got)
				}
				if want != "" && string(got) != want {
					t.Errorf("annotation %s=%q, want %q", k, got, want)
				}
			}
			if tt.genURL != "" && a.GeneratorURL != tt.genURL {
				t.Errorf("generator URL %q, want %q", a.GeneratorURL, tt.genURL)
			}
		})
	}
}

func TestPolicyBudgetExhausted(t *testing.T) {
	tests := []struct {
		name      string
		at        float64
		severity  string
		remaining slo.Value
		want      string // summary, "" when it must not fire
	}{
		{name: "spent exactly", at: 0, severity: SeverityTicket, remaining: slo.Value{V: 0, Known: true},
			want: "checkout-availability for tenant acme has 0.0% of its 30d error budget left"},
		{name: "overspent", at: 0, severity: SeverityPage, remaining: slo.Value{V: -0.2, Known: true},
			want: "checkout-availability for tenant acme has -20.0% of its 30d error budget left"},
		{name: "a little left", at: 0, severity: SeverityTicket, remaining: slo.Value{V: 0.001, Known: true}},
		{name: "at a raised threshold", at: 0.1, severity: SeverityTicket, remaining: slo.Value{V: 0.1, Known: true},
			want: "checkout-availability for tenant acme has 10.0% of its 30d error budget left"},
		{name: "unknown budget", at: 0, severity: SeverityTicket, remaining: slo.Value{}},
		{name: "NaN turns it off", at: math.NaN(), severity: SeverityTicket, remaining: slo.Value{V: -5, Known: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := burnOnly()
			cfg.BudgetExhaustedAt, cfg.BudgetSeverity = tt.at, tt.severity
			s := testSLO("checkout-availability", 30*day)
			r := result(s.Name, "acme", nil)
			r.BudgetRemaining = tt.remaining
			alerts := NewPolicy(cfg).Evaluate(snapshot(t0, []*slo.SLO{s}, r))
			if tt.want == "" {
				if len(alerts) != 0 {
					t.Fatalf("alerts %v, want none", summary(alerts, t0))
				}
				return
			}
			if len(alerts) != 1 {
				t.Fatalf("alerts %v, want one", summary(alerts, t0))
			}
			a := find(t, alerts, AlertBudgetExhausted, tt.severity, "acme")
			if got := string(a.Annotations["summary"]); got != tt.want {
				t.Errorf("summary %q, want %q", got, tt.want)
			}
			if _, ok := a.Labels[LabelWindows]; ok {
				t.Errorf("budget alert has a windows label: %v", a.Labels)
			}
			if a.Labels[LabelSLO] != "checkout-availability" || a.Labels[LabelService] != "checkout" {
				t.Errorf("labels %v", a.Labels)
			}
		})
	}
}

func TestPolicyNoData(t *testing.T) {
	tests := []struct {
		name   string
		window string
		total  float64
		events map[string]float64
		want   bool
	}{
		{name: "silent for the last hour", window: "1h", total: 5000, events: map[string]float64{"5m": 0, "30m": 0, "1h": 0}, want: true},
		{name: "traffic in the last hour", window: "1h", total: 5000, events: map[string]float64{"5m": 0, "30m": 0, "1h": 1}},
		{name: "no events in the period at all", window: "1h", total: 0, events: map[string]float64{"5m": 0, "30m": 0, "1h": 0}},
		{name: "longer window still has traffic", window: "6h", total: 5000, events: map[string]float64{"5m": 0, "30m": 0, "1h": 0}},
		{name: "turned off", window: "", total: 5000, events: map[string]float64{"5m": 0, "30m": 0, "1h": 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := burnOnly()
			cfg.NoDataWindow, cfg.NoDataSeverity = tt.window, SeverityPage
			s := testSLO("checkout-availability", 30*day)
			r := result(s.Name, "acme", nil)
			r.Total = tt.total
			for i, w := range slo.BurnWindows {
				if v, ok := tt.events[w.Name]; ok {
					r.WindowEvents[i] = v
					if v == 0 {
						r.BurnRates[i] = slo.Value{}
					}
				}
			}
			alerts := NewPolicy(cfg).Evaluate(snapshot(t0, []*slo.SLO{s}, r))
			if !tt.want {
				if len(alerts) != 0 {
					t.Fatalf("alerts %v, want none", summary(alerts, t0))
				}
				return
			}
			a := find(t, alerts, AlertNoData, SeverityPage, "acme")
			if len(alerts) != 1 {
				t.Errorf("alerts %v, want only the no-data one", summary(alerts, t0))
			}
			want := "checkout-availability for tenant acme counted no events over the last 1h: is its SLI source silent?"
			if got := string(a.Annotations["summary"]); got != want {
				t.Errorf("summary %q, want %q", got, want)
			}
		})
	}
}

// step is one evaluation of a lifecycle: which tenants burn, and the
// alerts expected back.
type step struct {
	at      time.Time
	burning map[string]map[string]float64 // tenant → rates; tenants absent have no result
	want    []string
	// starts and ends are the expected StartsAt and EndsAt of the page of
	// each tenant named.
	starts, ends map[string]time.Time
}

func runSteps(t *testing.T, p *Policy, s *slo.SLO, steps []step) []*Alert {
	t.Helper()
	var alerts []*Alert
	for i, st := range steps {
		var results []evaluator.Result
		for _, tenant := range []string{"acme", "globex"} {
			if rates, ok := st.burning[tenant]; ok {
				results = append(results, result(s.Name, tenant, rates))
			}
		}
		alerts = p.Evaluate(snapshot(st.at, []*slo.SLO{s}, results...))
		if got := summary(alerts, st.at); !equal(got, st.want) {
			t.Fatalf("step %d (%s): alerts %v, want %v", i, st.at.Sub(t0), got, st.want)
		}
		for tenant, want := range st.starts {
			if a := find(t, alerts, AlertBurnRate, SeverityPage, tenant); !a.StartsAt.Equal(want) {
				t.Errorf("step %d: %s StartsAt %s, want %s", i, tenant, a.StartsAt.Sub(t0), want.Sub(t0))
			}
		}
		for tenant, want := range st.ends {
			if a := find(t, alerts, AlertBurnRate, SeverityPage, tenant); !a.EndsAt.Equal(want) {
				t.Errorf("step %d: %s EndsAt %v, want %v", i, tenant, a.EndsAt, want)
			}
		}
		for _, a := range alerts {
			if !a.Resolved(st.at) && !a.UpdatedAt.Equal(st.at) {
				t.Errorf("step %d: firing %s updated at %v", i, a.Labels, a.UpdatedAt)
			}
		}
	}
	return alerts
}

var (
	fast  = map[string]float64{"1h": 20, "5m": 20}
	quiet = map[string]float64{}
)

func TestPolicyLifecycle(t *testing.T) {
	s := testSLO("checkout-availability", 30*day)
	page, resolved := AlertBurnRate+"/page/acme", AlertBurnRate+"/page/acme resolved"
	m := time.Minute
	var zero time.Time
	runSteps(t, NewPolicy(burnOnly()), s, []step{
		{at: t0, burning: map[string]map[string]float64{"acme": fast}, want: []string{page},
			starts: map[string]time.Time{"acme": t0}, ends: map[string]time.Time{"acme": zero}},
		{at: t0.Add(m), burning: map[string]map[string]float64{"acme": fast}, want: []string{page},
			starts: map[string]time.Time{"acme": t0}},
		// Stops: handed on once more as resolved, then kept for the
		// retention (an hour, inclusive) with the same EndsAt.
		{at: t0.Add(2 * m), burning: map[string]map[string]float64{"acme": quiet}, want: []string{resolved},
			starts: map[string]time.Time{"acme": t0}, ends: map[string]time.Time{"acme": t0.Add(2 * m)}},
		{at: t0.Add(30 * m), burning: map[string]map[string]float64{"acme": quiet}, want: []string{resolved},
			ends: map[string]time.Time{"acme": t0.Add(2 * m)}},
		{at: t0.Add(62 * m), burning: map[string]map[string]float64{"acme": quiet}, want: []string{resolved},
			ends: map[string]time.Time{"acme": t0.Add(2 * m)}},
		{at: t0.Add(63 * m), burning: map[string]map[string]float64{"acme": quiet}, want: []string{}},
		// Fires again: a new incident with its own StartsAt.
		{at: t0.Add(70 * m), burning: map[string]map[string]float64{"acme": fast}, want: []string{page},
			starts: map[string]time.Time{"acme": t0.Add(70 * m)}, ends: map[string]time.Time{"acme": zero}},
	})
}

func TestPolicyRefiresWithinRetention(t *testing.T) {
	s := testSLO("checkout-availability", 30*day)
	page, resolved := AlertBurnRate+"/page/acme", AlertBurnRate+"/page/acme resolved"
	var zero time.Time
	runSteps(t, NewPolicy(burnOnly()), s, []step{
		{at: t0, burning: map[string]map[string]float64{"acme": fast}, want: []string{page}},
		{at: t0.Add(time.Minute), burning: map[string]map[string]float64{"acme": quiet}, want: []string{resolved}},
		{at: t0.Add(10 * time.Minute), burning: map[string]map[string]float64{"acme": fast}, want: []string{page},
			starts: map[string]time.Time{"acme": t0.Add(10 * time.Minute)}, ends: map[string]time.Time{"acme": zero}},
		{at: t0.Add(11 * time.Minute), burning: map[string]map[string]float64{"acme": quiet}, want: []string{resolved},
			starts: map[string]time.Time{"acme": t0.Add(10 * time.Minute)}, ends: map[string]time.Time{"acme": t0.Add(11 * time.Minute)}},
	})
}

func TestPolicyResolvedAlertHandedOutIsNotChanged(t *testing.T) {
	s := testSLO("checkout-availability", 30*day)
	p := NewPolicy(burnOnly())
	first := p.Evaluate(snapshot(t0, []*slo.SLO{s}, result(s.Name, "acme", fast)))
	p.Evaluate(snapshot(t0.Add(time.Minute), []*slo.SLO{s}, result(s.Name, "acme", quiet)))
	if !first[0].EndsAt.IsZero() {
		t.Errorf("the alert handed out while firing now ends at %v: a pipeline holding it sees it change", first[0].EndsAt)
	}
}

func TestPolicyResultGoneResolves(t *testing.T) {
	s := testSLO("checkout-availability", 30*day)
	runSteps(t, NewPolicy(burnOnly()), s, []step{
		{at: t0, burning: map[string]map[string]float64{"acme": fast}, want: []string{AlertBurnRate + "/page/acme"}},
		// The tenant's events left the period: no result, the page resolves.
		{at: t0.Add(time.Minute), burning: map[string]map[string]float64{}, want: []string{AlertBurnRate + "/page/acme resolved"},
			ends: map[string]time.Time{"acme": t0.Add(time.Minute)}},
	})
}

func TestPolicyTenantsIndependent(t *testing.T) {
	s := testSLO("checkout-availability", 30*day)
	acme, globex := AlertBurnRate+"/page/acme", AlertBurnRate+"/page/globex"
	m := time.Minute
	alerts := runSteps(t, NewPolicy(burnOnly()), s, []step{
		{at: t0, burning: map[string]map[string]float64{"acme": fast, "globex": quiet}, want: []string{acme}},
		{at: t0.Add(m), burning: map[string]map[string]float64{"acme": fast, "globex": fast}, want: []string{acme, globex},
			starts: map[string]time.Time{"acme": t0, "globex": t0.Add(m)}},
		{at: t0.Add(2 * m), burning: map[string]map[string]float64{"acme": quiet, "globex": fast},
			want:   []string{acme + " resolved", globex},
			starts: map[string]time.Time{"acme": t0, "globex": t0.Add(m)}, ends: map[string]time.Time{"acme": t0.Add(2 * m)}},
	})
	if alerts[0].Fingerprint() == alerts[1].Fingerprint() {
		t.Error("two tenants' pages share a fingerprint")
	}
	for i := 1; i < len(alerts); i++ {
		if alerts[i-1].Fingerprint() >= alerts[i].Fingerprint() {
			t.Error("alerts not sorted by fingerprint")
		}
	}
}

func TestPolicyFingerprintStableWhileBurnRatesChange(t *testing.T) {
	s := testSLO("checkout-availability", 30*day)
	p := NewPolicy(burnOnly())
	evaluations := []struct {
		rates      map[string]float64
		burnWindow string
	}{
		{map[string]float64{"1h": 20, "5m": 20}, "1h/5m"},
		{map[string]float64{"1h": 30, "5m": 40, "6h": 7, "30m": 8}, "1h/5m,6h/30m"},
		{map[string]float64{"1h": 10, "5m": 2, "6h": 7, "30m": 8}, "6h/30m"},
	}
	var labels model.LabelSet
	var fp model.Fingerprint
	for i, ev := range evaluations {
		at := t0.Add(time.Duration(i) * time.Minute)
		alerts := p.Evaluate(snapshot(at, []*slo.SLO{s}, result(s.Name, "acme", ev.rates)))
		if len(alerts) != 1 {
			t.Fatalf("evaluation %d: alerts %v, want one page", i, summary(alerts, at))
		}
		a := alerts[0]
		if i == 0 {
			labels, fp = a.Labels, a.Fingerprint()
		} else if !a.Labels.Equal(labels) || a.Fingerprint() != fp {
			t.Errorf("evaluation %d: labels %v, want %v as before", i, a.Labels, labels)
		}
		if !a.StartsAt.Equal(t0) {
			t.Errorf("evaluation %d: StartsAt %v, want %v", i, a.StartsAt, t0)
		}
		if got := string(a.Annotations["burn_window"]); got != ev.burnWindow {
			t.Errorf("evaluation %d: burn_window %q, want %q", i, got, ev.burnWindow)
		}
		if got, want := string(a.Annotations["burn_rates"]), burnRates(result(s.Name, "acme", ev.rates).BurnRates); got != want {
			t.Errorf("evaluation %d: burn_rates %q, want %q", i, got, want)
		}
	}
}

func TestPolicyRestore(t *testing.T) {
	s := testSLO("checkout-availability", 30*day)
	gone := testSLO("removed", 30*day)
	// The alerts as a policy before the restart built and saved them.
	before := NewPolicy(burnOnly()).Evaluate(snapshot(t0.Add(-3*time.Hour), []*slo.SLO{s, gone},
		result(s.Name, "acme", fast), result(s.Name, "globex", fast), result(gone.Name, "acme", fast)))
	if len(before) != 3 {
		t.Fatalf("setup: %v", summary(before, t0))
	}
	var saved []*Alert
	for _, a := range before {
		c := *a
		saved = append(saved, &c)
	}
	// And one that had already resolved.
	oldLabels := model.LabelSet{LabelAlertName: AlertBudgetExhausted, LabelSLO: "checkout-availability", LabelTenant: "acme", LabelSeverity: SeverityTicket}
	saved = append(saved, &Alert{Labels: oldLabels, StartsAt: t0.Add(-5 * time.Hour), EndsAt: t0.Add(-30 * time.Minute)})

	p := NewPolicy(burnOnly())
	p.Restore(saved)
	alerts := p.Evaluate(snapshot(t0, []*slo.SLO{s}, result(s.Name, "acme", fast), result(s.Name, "globex", quiet)))
	want := []string{
		AlertBurnRate + "/page/acme",
		AlertBurnRate + "/page/acme resolved",
		AlertBurnRate + "/page/globex resolved",
		AlertBudgetExhausted + "/ticket/acme resolved",
	}
	if got := summary(alerts, t0); !equal(got, want) {
		t.Fatalf("alerts %v, want %v", got, want)
	}
	for _, a := range alerts {
		switch {
		case a.Labels[LabelSLO] == "checkout-availability" && a.Labels[LabelTenant] == "acme" && a.Name() == AlertBurnRate:
			if !a.StartsAt.Equal(t0.Add(-3*time.Hour)) || !a.EndsAt.IsZero() {
				t.Errorf("still firing after the restart: StartsAt %v EndsAt %v, want the saved start and no end", a.StartsAt, a.EndsAt)
			}
		case a.Name() == AlertBurnRate:
			// globex stopped; the removed SLO has no result any more.
			if !a.EndsAt.Equal(t0) || !a.StartsAt.Equal(t0.Add(-3*time.Hour)) {
				t.Errorf("%v: StartsAt %v EndsAt %v, want resolved now", a.Labels, a.StartsAt, a.EndsAt)
			}
		default:
			if !a.EndsAt.Equal(t0.Add(-30 * time.Minute)) {
				t.Errorf("the already resolved alert now ends at %v", a.EndsAt)
			}
		}
	}

	// The resolved ones go once their retention is over.
	later := p.Evaluate(snapshot(t0.Add(61*time.Minute), []*slo.SLO{s}, result(s.Name, "acme", fast), result(s.Name, "globex", quiet)))
	if got, want := summary(later, t0.Add(61*time.Minute)), []string{AlertBurnRate + "/page/acme"}; !equal(got, want) {
		t.Errorf("after the retention: %v, want %v", got, want)
	}
}

func TestPolicyConfigValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*PolicyConfig)
		field  string // "" when valid
	}{
		{name: "default", change: func(*PolicyConfig) {}},
		{name: "budget alert off", change: func(c *PolicyConfig) { c.BudgetExhaustedAt = math.NaN() }},
		{name: "no-data alert off", change: func(c *PolicyConfig) { c.NoDataWindow = "" }},
		{name: "no external URL", change: func(c *PolicyConfig) { c.ExternalURL = "" }},
		{name: "negative min events", change: func(c *PolicyConfig) { c.MinEvents = -1 }, field: "min_events"},
		{name: "NaN min events", change: func(c *PolicyConfig) { c.MinEvents = math.NaN() }, field: "min_events"},
		{name: "budget severity", change: func(c *PolicyConfig) { c.BudgetSeverity = "critical" }, field: "budget_exhausted_severity"},
		{name: "no-data severity", change: func(c *PolicyConfig) { c.NoDataSeverity = "" }, field: "no_data_severity"},
		{name: "no-data window", change: func(c *PolicyConfig) { c.NoDataWindow = "90m" }, field: "no_data_window"},
		{name: "retention", change: func(c *PolicyConfig) { c.ResolvedRetention = 0 }, field: "resolved_retention"},
		{name: "relative external URL", change: func(c *PolicyConfig) { c.ExternalURL = "/slopipe" }, field: "external_url"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := DefaultPolicyConfig()
			tt.change(&cfg)
			err := cfg.Validate()
			switch {
			case tt.field == "" && err != nil:
				t.Errorf("unexpected error: %v", err)
			case tt.field != "" && err == nil:
				t.Errorf("no error, want one naming %s", tt.field)
			case tt.field != "" && !strings.HasPrefix(err.Error(), tt.field+":"):
				t.Errorf("error %q does not name %s", err, tt.field)
			}
		})
	}
	if err := DefaultPolicyConfig().Validate(); err != nil {
		t.Errorf("default config: %v", err)
	}
}
