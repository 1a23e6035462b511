package slo

import (
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestLoadReadsSlothAndOpenSLO(t *testing.T) {
	slos, problems := Load("testdata/good")
	if len(problems) > 0 {
		t.Fatalf("problems in good specs:\n%v", problems)
	}
	byName := map[string]SLO{}
	for _, s := range slos {
		byName[s.Name] = s
	}
	if len(byName) != 7 {
		t.Fatalf("read %d SLOs, want 7: %v", len(byName), byName)
	}

	avail := byName["requests-availability"]
	if avail.Objective != 0.999 || avail.Service != "checkout" || avail.Window.String() != "30d" || avail.Method != Occurrences {
		t.Errorf("sloth availability: %+v", avail)
	}
	if !strings.Contains(avail.Indicator.ErrorQuery, `code=~"(5..|429)"`) || !strings.Contains(avail.Indicator.TotalQuery, "{{.window}}") {
		t.Errorf("sloth queries: %+v", avail.Indicator)
	}
	if avail.Labels["owner"] != "payments" || avail.Alerting.Name != "CheckoutHighErrorRate" ||
		avail.Alerting.Page.Labels["severity"] != "page" || !avail.Alerting.Ticket.Disabled {
		t.Errorf("sloth labels and alerting: %+v %+v", avail.Labels, avail.Alerting)
	}
	if byName["latency"].Indicator.ErrorRatioQuery == "" || byName["latency"].Objective != 0.99 {
		t.Errorf("sloth raw SLI: %+v", byName["latency"])
	}

	monthly := byName["checkout-monthly"]
	if monthly.Method != Timeslices || monthly.TimesliceLength != time.Minute || monthly.TimesliceTarget != 0.99 ||
		monthly.Objective != 0.995 || monthly.Window.String() != "1M" {
		t.Errorf("openslo timeslices SLO: %+v", monthly)
	}
	if monthly.Indicator.GoodQuery == "" || monthly.Indicator.TotalQuery == "" || !monthly.Indicator.Counter {
		t.Errorf("openslo indicatorRef not resolved: %+v", monthly.Indicator)
	}
	berlin, _ := time.LoadLocation("Europe/Berlin")
	from, to := monthly.Window.Bounds(time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC))
	if !from.Equal(time.Date(2026, 11, 1, 0, 0, 0, 0, berlin)) || !to.Equal(time.Date(2026, 12, 1, 0, 0, 0, 0, berlin)) {
		t.Errorf("calendar month in Berlin: [%v, %v)", from, to)
	}

	spans := byName["checkout-spans"]
	src := spans.Indicator.Spans
	if src == nil || src.Service != "checkout" || src.Route != "/checkout" || src.Kind != "SPAN_KIND_SERVER" ||
		!src.Good.NotError || strings.Join(src.Good.HTTPStatusClasses, ",") != "2xx,3xx,4xx" ||
		time.Duration(src.Good.MaxDuration) != 300*time.Millisecond {
		t.Errorf("slopipe.spans source: %+v", src)
	}
	if spans.Objective != 0.995 || spans.Window.String() != "28d" {
		t.Errorf("openslo span SLO: %+v", spans)
	}

	// A thresholdMetric SLO: one per objective, each with its op and value.
	const queueQuery = `checkout_queue_depth{job="checkout",queue!="retry"}`
	for _, want := range []struct {
		name      string
		op        string
		value     float64
		objective float64
		slice     time.Duration
		target    float64
	}{
		{"checkout-queue/short", "lte", 100, 0.99, time.Minute, 0.95},
		{"checkout-queue/very-short", "lt", 10, 0.9, 5 * time.Minute, 0.9},
	} {
		s := byName[want.name]
		in := s.Indicator
		if in.ThresholdQuery != queueQuery || in.ThresholdOp != want.op || in.ThresholdValue != want.value ||
			in.GoodQuery != "" || in.TotalQuery != "" || in.Spans != nil {
			t.Errorf("%s: threshold indicator %+v", want.name, in)
		}
		if s.Method != Timeslices || s.Objective != want.objective || s.TimesliceLength != want.slice ||
			s.TimesliceTarget != want.target || s.Window.String() != "7d" {
			t.Errorf("%s: %+v", want.name, s)
		}
		ev, err := in.Compile()
		if err != nil || ev == nil || ev.Threshold == nil || ev.Threshold.String() != queueQuery+" "+want.op+" "+strconv.FormatFloat(want.value, 'g', -1, 64) {
			t.Errorf("%s: compiled to %+v, %v", want.name, ev, err)
		}
	}
	cpu := byName["checkout-cpu"]
	if cpu.Indicator.ThresholdQuery != `{"process.cpu.utilization", job="checkout"}` || cpu.Indicator.ThresholdOp != "gte" ||
		cpu.Indicator.ThresholdValue != 0.05 || cpu.Objective != 0.99 || cpu.Method != Occurrences {
		t.Errorf("inline thresholdMetric SLO: %+v", cpu)
	}
}

// Every problem names the file, line, SLO and field; one file's problems
// do not hide another's.
func TestLoadReportsEveryProblemWithFileLineSLOAndField(t *testing.T) {
	_, problems := Load("testdata/broken")
	got := problems.Error()
	for _, want := range []string{
		`testdata/broken/openslo.yaml:7: slo "bad-window": spec.indicatorRef: no SLI "missing-sli" is defined`,
		`testdata/broken/openslo.yaml:8: slo "bad-window": spec.budgetingMethod: "Occurences": want Occurrences, Timeslices or RatioTimeslices`,
		`testdata/broken/openslo.yaml:10: slo "bad-window": spec.timeWindow.0: duration "1M": a rolling window needs a fixed length`,
		`testdata/broken/openslo.yaml:13: slo "bad-window": spec.objectives.0.target: 1.5 is not in (0, 1)`,
		`testdata/broken/openslo.yaml:16: slo "what": kind: "Widget" is not an OpenSLO v1 kind`,
		`testdata/broken/sloth.yaml:5: slo "availability": slos.0.objetive: unknown field`,
		`testdata/broken/sloth.yaml:8: slo "availability": slos.0.sli.events.error_query: 1:`,
		`unclosed left parenthesis`,
		`testdata/broken/sloth.yaml:11: slo "too-good": slos.1.objective: 100 is not a percentage in (0, 100)`,
		`testdata/broken/sloth.yaml:13: slo "too-good": slos.1.sli.plugin: SLI plugins are Sloth's Go code and not supported`,
		`testdata/broken/syntax.yaml:1: did not find expected ',' or ']'`,
		`testdata/broken/sloth.yaml:19: slo "quantile": slos.2.sli.raw.error_ratio_query: unsupported PromQL: error ratio query histogram_quantile(`,
		`testdata/broken/sloth.yaml:23: slo "mixed": slos.3.sli.events: total query: unsupported PromQL: events counted with increase() but the total with rate()`,
		`testdata/broken/overrides.yaml:7: spec.objectives.0.slo: no SLO is named "nobody"`,
		`testdata/broken/overrides.yaml:10: spec.objectives.1.target: 1 is not in (0, 1)`,
		`testdata/broken/overrides.yaml:14: spec.exclusions.0.from: "2026-11-20 02:00" is not an RFC 3339 time`,
		`testdata/broken/overrides.yaml:18: spec.exclusions.1.raeson: unknown field`,
		`testdata/broken/overrides.yaml:17: spec.exclusions.1.to: must be after from`,
		`testdata/broken/overrides.yaml:26: spec.objectives.0: tenant "acme" already has an objective for slo "nobody"`,
		`testdata/broken/threshold.yaml:19: slo "no-op": spec.objectives.0.op: missing: a thresholdMetric SLI needs op (lt, lte, gt or gte) and value`,
		`testdata/broken/threshold.yaml:19: slo "no-op": spec.objectives.0.value: missing: a thresholdMetric SLI needs the threshold value`,
		`testdata/broken/threshold.yaml:21: slo "no-op": spec.objectives.1.op: "eq": want lt, lte, gt or gte`,
		`testdata/broken/threshold.yaml:36: slo "rate-threshold": spec.indicator.spec: thresholdMetric.metricSource.spec.query: ` +
			`unsupported PromQL: aggregation "max" (a threshold metric is a plain selector of gauge samples, e.g. queue_depth{job="api"})`,
		`testdata/broken/threshold.yaml:58: slo "span-threshold": spec.indicator.spec: thresholdMetric.metricSource.type: ` +
			`slopipe.spans counts events as a ratioMetric's total; a thresholdMetric reads Prometheus samples`,
		`testdata/broken/threshold.yaml:94: slo "ratio-with-op": spec.objectives.0.op: op and value are for a thresholdMetric SLI; this SLO's SLI is a ratioMetric`,
		`testdata/broken/threshold.yaml:109: slo "threshold-syntax": spec.indicator.spec: thresholdMetric.metricSource.spec.query: 1:22: parse error: unexpected end of input inside braces`,
		`testdata/broken/threshold.yaml:116: slo "threshold-syntax": spec.objectives.0.value: NaN is not a finite number`,
		`testdata/broken/alerts.yaml:6: slo "bad-condition": spec.severity: "sev1": want page (or critical) or ticket (or warning, low)`,
		`testdata/broken/alerts.yaml:8: slo "bad-condition": spec.condition.kind: "threshold": slopipe reads burnrate conditions`,
		`testdata/broken/alerts.yaml:9: slo "bad-condition": spec.condition.op: "lt": want gte or gt`,
		`testdata/broken/alerts.yaml:10: slo "bad-condition": spec.condition.threshold: -1 is not a positive burn rate`,
		`testdata/broken/alerts.yaml:11: slo "bad-condition": spec.condition.lookbackWindow: "4h" is not a burn window slopipe computes (5m, 30m, 1h, 2h, 6h, 1d, 3d)`,
		`testdata/broken/alerts.yaml:24: slo "backwards": spec.condition.alertAfter: 1h is not shorter than lookbackWindow 5m`,
		`testdata/broken/alerts.yaml:25: slo "backwards": spec.condition.forr: unknown field`,
		`testdata/broken/alerts.yaml:33: slo "dangling": spec.conditions.0.conditionRef: no AlertCondition "nowhere" is defined`,
		`testdata/broken/alerts.yaml:34: slo "dangling": spec.conditions.1.kind: "Widget": an inline condition is kind AlertCondition`,
		`testdata/broken/alerts.yaml:44: slo "uses-bad": spec.conditions.0.conditionRef: AlertCondition "bad-condition" has problems`,
		`testdata/broken/alerts.yaml:69: slo "alerted": spec.alertPolicies.0: no AlertPolicy "no-such-policy" is defined`,
		`testdata/broken/alerts.yaml:70: slo "alerted": spec.alertPolicies.1: AlertPolicy "uses-bad" has problems`,
		`testdata/broken/alerts.yaml:71: slo "alerted": spec.alertPolicies.2.alertPolicyRef: AlertPolicy "dangling" has problems`,
		`testdata/broken/alerts.yaml:80: slo "alerted": spec.alertPolicies.3.spec.conditions.0.spec.condition.alertAfter: missing: one of the burn windows`,
		`testdata/broken/alerts.yaml:81: slo "alerted": spec.alertPolicies.3.spec.conditions.0.spec.condition.op: "lte": want gte or gt`,
		`testdata/broken/alerts.yaml:84: slo "alerted": spec.alertPolicies.3.spec.escalate: unknown field`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("problems lack %q; got:\n%s", want, got)
		}
	}
	if strings.Contains(got, "needs a ratioMetric") {
		t.Errorf("a missing SLI is reported twice:\n%s", got)
	}
}

// OpenSLO alert policies — by name, by alertPolicyRef or inline, their
// conditions by conditionRef or inline — become the SLO's alert pairs, the
// budget share computed for its period; metadata labels become its labels.
func TestOpenSLOAlertPoliciesBecomeAlertPairs(t *testing.T) {
	slos, problems := Load("testdata/good")
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	byName := map[string]*SLO{}
	for i := range slos {
		byName[slos[i].Name] = &slos[i]
	}
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-9 }
	for name, want := range map[string][]BurnAlertPair{
		// A calendar month: a 30-day period.
		"checkout-monthly": {
			{Severity: "page", Short: "5m", Long: "1h", Factor: 14.4, BudgetPercent: 2},
			{Severity: "ticket", Short: "6h", Long: "3d", Factor: 1, BudgetPercent: 10},
		},
		"checkout-spans": {{Severity: "page", Short: "30m", Long: "6h", Factor: 6, BudgetPercent: 6.0 * 6 / (28 * 24) * 100}},
	} {
		s := byName[name]
		got := s.AlertPairs()
		if len(got) != len(want) {
			t.Errorf("%s: pairs %+v, want %+v", name, got, want)
			continue
		}
		for i := range want {
			g, w := got[i], want[i]
			if g.Severity != w.Severity || g.Short != w.Short || g.Long != w.Long || g.Factor != w.Factor || !near(g.BudgetPercent, w.BudgetPercent) {
				t.Errorf("%s pair %d: %+v, want %+v", name, i, g, w)
			}
		}
	}
	if l := byName["checkout-spans"].Labels; l["team"] != "checkout" || l["tier"] != "gold,external" {
		t.Errorf("checkout-spans labels %v", l)
	}
	// Without policies, the workbook's pairs for the period.
	if got := byName["checkout-cpu"].AlertPairs(); len(got) != 4 || got[0].Factor != 13.44 {
		t.Errorf("checkout-cpu: %+v, want the 28-day defaults", got)
	}
}

func TestLoadKeepsGoodSLOsBesideBrokenOnes(t *testing.T) {
	slos, problems := Load("testdata/good", "testdata/broken/sloth.yaml")
	if len(problems) == 0 {
		t.Fatal("no problems reported")
	}
	if len(slos) != 7 {
		t.Errorf("%d SLOs kept, want the 7 good ones", len(slos))
	}
	_, problems = Load("testdata/good/sloth.yaml", "testdata/good/sloth.yaml")
	if !strings.Contains(problems.Error(), `slo "requests-availability": defined again`) {
		t.Errorf("a duplicate name: %v", problems)
	}
	_, problems = Load("testdata/nonexistent")
	if !strings.Contains(problems.Error(), "testdata/nonexistent: ") {
		t.Errorf("a missing path: %v", problems)
	}
}

func TestOverridesGiveTenantObjectivesAndExclusions(t *testing.T) {
	set, problems := LoadSet("testdata/good")
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	byName := map[string]*SLO{}
	for i := range set.SLOs {
		byName[set.SLOs[i].Name] = &set.SLOs[i]
	}
	o := &set.Overrides
	availability := byName["requests-availability"]
	if got := o.Objective(availability, "acme"); got != 0.9995 {
		t.Errorf("acme's objective %v, want 0.9995", got)
	}
	if got := o.Objective(availability, "beta"); got != availability.Objective {
		t.Errorf("beta's objective %v, want the SLO's %v", got, availability.Objective)
	}
	if got := o.Objective(byName["checkout-monthly"], "beta"); got != 0.99 {
		t.Errorf("beta's checkout-monthly objective %v, want 0.99", got)
	}
	failover := Interval{From: time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC), To: time.Date(2026, 11, 20, 3, 0, 0, 0, time.UTC)}
	acmeOnly := Interval{From: time.Date(2026, 11, 20, 23, 0, 0, 0, time.UTC), To: time.Date(2026, 11, 20, 23, 30, 0, 0, time.UTC)}
	if got := o.Excluded("requests-availability", "beta"); len(got) != 1 || !got[0].From.Equal(failover.From) || !got[0].To.Equal(failover.To) {
		t.Errorf("beta's exclusions %v, want the failover", got)
	}
	if got := o.Excluded("latency", "acme"); len(got) != 1 || !got[0].From.Equal(acmeOnly.From) || !got[0].To.Equal(acmeOnly.To) {
		t.Errorf("acme's latency exclusions %v, want acme's own half hour", got)
	}
	if o.ExcludesAny("latency", failover.From, failover.To) || !o.ExcludesAny("latency", acmeOnly.From, acmeOnly.To.Add(time.Hour)) {
		t.Error("ExcludesAny disagrees with the exclusions")
	}
}

// The reload policy every reader of a spec directory follows.
func TestSpecDirAppliesWhatValidatesUntilAGoodSetRuns(t *testing.T) {
	dir := t.TempDir()
	d := SpecDir{Path: filepath.Join(dir, "slos")}
	if _, err := d.Reload(); err == nil {
		t.Fatal("a missing directory is not reported at first")
	}
	if c, err := d.Reload(); c != nil || err != nil {
		t.Fatalf("a missing directory is reported again: %v %v", c, err)
	}
	os.MkdirAll(d.Path, 0o755)
	good, _ := os.ReadFile("testdata/good/sloth.yaml")
	broken, _ := os.ReadFile("testdata/broken/sloth.yaml")
	write := func(name string, data []byte) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(d.Path, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond) // a new modification time
	}
	write("a.yaml", good)
	write("b.yaml", broken)
	c, err := d.Reload()
	if err != nil || c == nil || !c.Apply || len(c.Problems) == 0 || len(c.Set.SLOs) == 0 {
		t.Fatalf("before any good set, what validates is applied: %+v, %v", c, err)
	}
	if c, _ := d.Reload(); c != nil {
		t.Fatal("an unchanged directory is read again")
	}
	os.Remove(filepath.Join(d.Path, "b.yaml"))
	if c, _ := d.Reload(); c == nil || !c.Apply || len(c.Problems) != 0 {
		t.Fatalf("a good set: %+v", c)
	}
	write("b.yaml", broken)
	if c, _ := d.Reload(); c == nil || c.Apply || len(c.Problems) == 0 {
		t.Fatalf("after a good set, a change with problems is refused: %+v", c)
	}
}
