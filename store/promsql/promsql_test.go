package promsql

import (
	"errors"
	"flag"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// goldenCases are SLO events in each form a spec can give them: a query of
// bad or good events with a total query, or an error ratio query.
var goldenCases = []struct {
	name             string
	bad, good, total string
	ratio            string
	threshold, op    string // a threshold metric, good when value <op> value
	value            float64
	opts             Options
}{
	{
		name:  "sloth_rate",
		bad:   `sum(rate(http_requests_total{job="api",code=~"5.."}[5m]))`,
		total: `sum(rate(http_requests_total{job="api"}[5m]))`,
	},
	{
		name: "matchers",
		bad: `sum(rate(http_requests_total{job="api",instance="10.0.0.1:8080",code!="200",` +
			`route=~"/v1/.*",method!~"HEAD|OPTIONS",tier="",quote="it's \\d"}[5m]))`,
		total: `sum(rate(http_requests_total{job="api",instance="10.0.0.1:8080",code!~"",__name__=~"http_.*"}[5m]))`,
	},
	{
		name:  "dotted_names",
		good:  `sum(increase({"http.server.requests", "http.response.status_code"!~"5.."}[1h]))`,
		total: `sum(increase(http_server_requests[1h]))`,
	},
	{
		name:  "sum_by_without_plus",
		bad:   `sum by (route) (rate(timeouts_total[5m])) + sum without (pod) (rate(errors_total{kind="server"}[5m]))`,
		total: `sum by (route, code) (rate(requests_total[5m]))`,
	},
	{
		name:  "bare_counters",
		bad:   `errors_total{job="api"}`,
		total: `requests_total{job="api"}`,
	},
	{
		name:  "error_ratio",
		ratio: `sum(rate(errors_total[30m])) / sum(rate(requests_total[30m]))`,
	},
	{
		name:  "good_ratio",
		ratio: `1 - (sum(increase(ok_total{job="api"}[1h])) / sum(increase(requests_total{job="api"}[1h])))`,
	},
	{
		name:  "histogram_bucket",
		good:  `sum(rate(http_request_duration_seconds_bucket{job="api",le="0.5"}[5m]))`,
		total: `sum(rate(http_request_duration_seconds_bucket{job="api",le="+Inf"}[5m]))`,
	},
	{
		name:  "histogram_count_sum",
		good:  `sum(rate(queue_wait_seconds_sum[5m]))`,
		total: `sum(rate(queue_wait_seconds_count[5m]))`,
	},
	{
		name:  "metricsql_or_with",
		bad:   `WITH (errs = rate(rpc_total{job="api",code="unavailable" or job="api",code="internal"}[5m])) sum(errs)`,
		total: `sum(rate(rpc_total{job="api"}[5m]))`,
		opts:  Options{Database: "tenant data", MaxSampleGap: 5 * time.Minute},
	},
	{
		name:      "threshold",
		threshold: `queue_depth{job="api",queue=~"orders|payments"}`,
		op:        "lte", value: 0.3,
	},
	{
		name:      "threshold_dotted_histogram_count",
		threshold: `{"rpc.server.duration_count", "rpc.method"!="Ping"}`,
		op:        "gt", value: -2.5e-7,
		// No gap: a threshold metric's samples are not differenced.
		opts: Options{Database: "tenant data", MaxSampleGap: 5 * time.Minute},
	},
}

func compileCase(t *testing.T, bad, good, total, ratio string) *Events {
	t.Helper()
	var ev *Events
	var err error
	switch {
	case ratio != "":
		ev, err = CompileErrorRatio(ratio)
	case good != "":
		ev, err = CompileEvents(good, true, total)
	default:
		ev, err = CompileEvents(bad, false, total)
	}
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

func TestGolden(t *testing.T) {
	for _, c := range goldenCases {
		t.Run(c.name, func(t *testing.T) {
			opts := c.opts
			if opts.Database == "" {
				opts.Database = "slopipe"
			}
			var ev *Events
			if c.threshold != "" {
				var err error
				if ev, err = CompileThreshold(c.threshold, c.op, c.value); err != nil {
					t.Fatal(err)
				}
			} else {
				ev = compileCase(t, c.bad, c.good, c.total, c.ratio)
			}
			got := ev.MinutesSQL(opts)
			path := filepath.Join("testdata", c.name+".sql")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("SQL differs from %s (run with -update to accept):\n%s", path, got)
			}
		})
	}
}

func TestUnsupported(t *testing.T) {
	cases := []struct {
		compile string // "increase" (default), "ratio", "events" (query | total) or "threshold"
		query   string
		want    string // in the error
	}{
		{query: `histogram_quantile(0.99, sum by (le) (rate(x_bucket[5m])))`, want: `function "histogram_quantile" (supported: rate, increase, sum)`},
		{query: `irate(x_total[5m])`, want: `function "irate"`},
		{query: `avg(rate(x_total[5m]))`, want: `aggregation "avg" (slopipe sums per-minute increases`},
		{query: `count(x_total)`, want: `aggregation "count"`},
		{query: `max by (pod) (rate(x_total[5m]))`, want: `aggregation "max"`},
		{query: `sum(rate(x_total[5m])) limit 3`, want: `limit`},
		{query: `sum(rate(x_total[5m])) * 60`, want: `binary operator "*"`},
		{query: `sum(rate(a_total[5m])) - sum(rate(b_total[5m]))`, want: `binary operator "-"`},
		{query: `sum(rate(a_total[5m])) / sum(rate(b_total[5m]))`, want: `binary operator "/" (supported: +, and A / B or 1 - (A / B) as an error ratio query)`},
		{query: `rate(x_total[5m]) > 0`, want: `comparison ">"`},
		{query: `rate(x_total[5m]) > bool 0`, want: `comparison ">" with bool`},
		{query: `rate(a_total[5m]) or rate(b_total[5m])`, want: `set operator "or"`},
		{query: `sum(rate(a_total[5m])) + on() group_left sum(rate(b_total[5m]))`, want: `group_left`},
		{query: `rate(a_total[5m]) + fill(0) rate(b_total[5m])`, want: `fill modifier`},
		{query: `sum(rate(x_total[5m])) + 1`, want: `number 1`},
		{query: `42`, want: `number 42`},
		{query: `"x_total"`, want: `string "x_total"`},
		{query: `rate(x_total[5m] offset 1h)`, want: `offset modifier`},
		{query: `x_total offset 5m`, want: `offset modifier`},
		{query: `rate(x_total[5m] @ 1700000000)`, want: `@ modifier`},
		{query: `rate(sum(x_total)[30m:1m])`, want: `subquery`},
		{query: `increase(rate(x_total[5m])[1h:])`, want: `subquery`},
		{query: `x_total[5m]`, want: `range selector x_total[5m] outside rate() or increase()`},
		{query: `rate(x_total[5m], 1)`, want: `rate with 2 arguments`},
		{query: `rate({job="api"}[5m])`, want: `without a metric name`},
		{query: `rate({__name__=~"http_.*"}[5m])`, want: `without a metric name`},
		{query: `rate(x_total{__name__!="x_total"}[5m])`, want: `exclude its own metric name`},
		{query: `rate(a_total[5m]) + increase(b_total[5m])`, want: `rate() mixed with increase()`},
		{query: `rate(a_total[5m]) + b_total`, want: `rate() mixed with a bare counter`},
		{query: `rate(x_bucket[5m])`, want: `le matchers of x_bucket (a histogram bucket series needs exactly one le="…")`},
		{query: `rate(x_bucket{le=~"0.5|1"}[5m])`, want: `le matchers`},
		{query: `rate(x_bucket{le!="+Inf"}[5m])`, want: `le matchers`},
		{query: `rate(x_bucket{le="fast"}[5m])`, want: `le="fast"`},
		{query: `rate(x_bucket{le="0.5" or le="1"}[5m])`, want: `or between label matchers of histogram buckets`},
		{compile: "ratio", query: `sum(rate(errors_total[5m]))`, want: `error ratio query sum(rate(errors_total[5m])) (supported: A / B and 1 - (A / B)`},
		{compile: "ratio", query: `2 - (sum(rate(a_total[5m])) / sum(rate(b_total[5m])))`, want: `error ratio query`},
		{compile: "ratio", query: `sum(rate(a_total[5m])) / sum(avg_over_time(b[5m]))`, want: `function "avg_over_time"`},
		{compile: "ratio", query: `sum(a_total) / on(x) group_right sum(b_total)`, want: `group_right`},
		{compile: "ratio", query: `sum(rate(a_total[5m])) / sum(increase(b_total[5m]))`,
			want: `events counted with rate() but the total with increase() (the ratio would depend on the window)`},
		{compile: "events", query: `sum(rate(a_total[5m])) | sum(increase(b_total[1h]))`, want: `total query: unsupported PromQL: events counted with rate() but the total with increase()`},
		{compile: "events", query: `sum(rate(a_total[5m])) | avg(rate(b_total[5m]))`, want: `total query: unsupported PromQL: aggregation "avg"`},
		{compile: "events", query: `sum(rate(a_total[5m] offset 1m)) | sum(rate(b_total[5m]))`, want: `bad query: unsupported PromQL: offset modifier`},
		{compile: "threshold", query: `rate(queue_depth[5m])`,
			want: `unsupported PromQL: function "rate" (a threshold metric is a plain selector of gauge samples, e.g. queue_depth{job="api"})`},
		{compile: "threshold", query: `histogram_quantile(0.99, sum by (le) (rate(x_bucket[5m])))`, want: `function "histogram_quantile" (a threshold metric is a plain selector`},
		{compile: "threshold", query: `max by (pod) (queue_depth)`, want: `aggregation "max" (a threshold metric is a plain selector`},
		{compile: "threshold", query: `sum(queue_depth)`, want: `aggregation "sum" (a threshold metric`},
		{compile: "threshold", query: `queue_depth > 3`, want: `comparison ">" (a threshold metric`},
		{compile: "threshold", query: `queue_depth + other_depth`, want: `binary operator "+" (a threshold metric`},
		{compile: "threshold", query: `queue_depth[5m]`, want: `range selector queue_depth[5m] (a threshold metric`},
		{compile: "threshold", query: `queue_depth offset 5m`, want: `offset modifier in queue_depth offset 5m (a threshold metric`},
		{compile: "threshold", query: `queue_depth @ 1700000000`, want: `@ modifier`},
		{compile: "threshold", query: `max_over_time(queue_depth[5m:1m])`, want: `function "max_over_time"`},
		{compile: "threshold", query: `0.3`, want: `number 0.3 (a threshold metric`},
		{compile: "threshold", query: `"queue_depth"`, want: `string "queue_depth" (a threshold metric`},
		{compile: "threshold", query: `{job="api"}`, want: `selector {job="api"} without a metric name`},
		{compile: "threshold", query: `x_bucket{le=~"0.5|1"}`, want: `le matchers of x_bucket`},
	}
	for _, c := range cases {
		var err error
		query := c.query
		switch c.compile {
		case "ratio":
			_, err = CompileErrorRatio(c.query)
		case "threshold":
			_, err = CompileThreshold(c.query, "lte", 0.3)
		case "events":
			bad, total, _ := strings.Cut(c.query, " | ")
			query = total
			if strings.HasPrefix(c.want, "bad") {
				query = bad
			}
			_, err = CompileEvents(bad, false, total)
		default:
			_, err = CompileIncrease(c.query)
		}
		var unsupported *UnsupportedError
		if !errors.As(err, &unsupported) {
			t.Errorf("%s: got %v, want an UnsupportedError", c.query, err)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %q does not mention %q", c.query, err, c.want)
		}
		if unsupported.Query != query {
			t.Errorf("%s: error names query %q", c.query, unsupported.Query)
		}
	}
}

func TestSyntaxError(t *testing.T) {
	_, err := CompileIncrease(`sum(rate(x_total[5m])`)
	var unsupported *UnsupportedError
	if err == nil || errors.As(err, &unsupported) || !strings.Contains(err.Error(), "parse PromQL") {
		t.Fatalf("got %v, want the parser's error", err)
	}
}

func TestMetricNames(t *testing.T) {
	ev, err := CompileEvents(`sum(rate({"http.server.duration_bucket", le="0.5"}[5m])) + sum(rate(slow_total[5m]))`, true,
		`sum(rate(http_server_duration_count[5m]))`)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"http_server_duration", "http_server_duration_bucket", "http_server_duration_count", "slow_total"}
	if got := ev.MetricNames(); !reflect.DeepEqual(got, want) {
		t.Errorf("MetricNames() = %v, want %v", got, want)
	}
}

func TestThresholdOpAndValue(t *testing.T) {
	for _, c := range []struct {
		op    string
		value float64
		want  string
	}{
		{"eq", 1, `threshold op "eq": want lt, lte, gt or gte`},
		{"", 1, `threshold op "": want lt, lte, gt or gte`},
		{"LTE", 1, `threshold op "LTE": want lt, lte, gt or gte`},
		{"lt", math.NaN(), `threshold NaN: not a finite number`},
		{"gt", math.Inf(1), `threshold +Inf: not a finite number`},
	} {
		_, err := CompileThreshold(`queue_depth`, c.op, c.value)
		var unsupported *UnsupportedError
		if err == nil || errors.As(err, &unsupported) || err.Error() != c.want {
			t.Errorf("%s %v: got %v, want %q", c.op, c.value, err, c.want)
		}
	}
	if _, err := CompileThreshold(`queue_depth{`, "lt", 1); err == nil || !strings.Contains(err.Error(), "parse PromQL") {
		t.Errorf("a syntax error: got %v, want the parser's error", err)
	}
	// Parentheses and MetricsQL's WITH leave a plain selector.
	for _, q := range []string{`(queue_depth{job="api"})`, `WITH (q = queue_depth{job="api"}) q`} {
		ev, err := CompileThreshold(q, "lt", 1)
		if err != nil {
			t.Errorf("%s: %v", q, err)
			continue
		}
		if got := ev.Threshold.String(); got != `queue_depth{job="api"} lt 1` {
			t.Errorf("%s: compiled to %s", q, got)
		}
	}
}

func TestThresholdMetricNames(t *testing.T) {
	ev, err := CompileThreshold(`{"http.server.duration_bucket", le="0.5"}`, "gte", 0.9)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"http_server_duration", "http_server_duration_bucket"}
	if got := ev.MetricNames(); !reflect.DeepEqual(got, want) {
		t.Errorf("MetricNames() = %v, want %v", got, want)
	}
}

func TestWindowsAndGroupingDoNotChangeTheSQL(t *testing.T) {
	same := [][2]string{
		{`sum(rate(x_total{job="a"}[5m]))`, `sum by (pod) (rate(x_total{job="a"}[30d]))`},
		{`sum(rate(x_total{job="a"}[5m]))`, `rate(x_total{job="a"}[1h])`},
		{`sum(increase(x_total[5m]))`, `sum without (pod) (increase(x_total[2h]))`},
	}
	for _, pair := range same {
		a := compileCase(t, pair[0], "", pair[0], "").MinutesSQL(Options{})
		b := compileCase(t, pair[1], "", pair[1], "").MinutesSQL(Options{})
		if strip(a) != strip(b) {
			t.Errorf("%s and %s compile differently", pair[0], pair[1])
		}
	}
}

// strip drops the comment lines, which quote the PromQL.
func strip(sql string) string {
	var keep []string
	for _, line := range strings.Split(sql, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "--") {
			keep = append(keep, line)
		}
	}
	return strings.Join(keep, "\n")
}

// With a parameter suffix every placeholder is renamed, so that several
// SLOs' queries share one statement; quoted label values are left alone.
func TestMinutesSQLParamSuffix(t *testing.T) {
	ev, err := CompileEvents(`sum(rate(x{code="{from:DateTime}"}[5m]))`, false, `sum(rate(x[5m]))`)
	if err != nil {
		t.Fatal(err)
	}
	sql := ev.MinutesSQL(Options{ParamSuffix: "_7"})
	for _, p := range []string{"{from_7:DateTime}", "{to_7:DateTime}", "{tenants_7:Array(String)}"} {
		if !strings.Contains(sql, p) {
			t.Errorf("no %s in\n%s", p, sql)
		}
	}
	var code []string
	for _, line := range strings.Split(sql, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "--") {
			code = append(code, line)
		}
	}
	joined := strings.Join(code, "\n")
	if n, quoted := strings.Count(joined, "{from:DateTime}"), strings.Count(joined, "'{from:DateTime}'"); n != quoted || n == 0 {
		t.Errorf("%d {from:DateTime} outside comments, %d of them the quoted label value; want only those", n, quoted)
	}
}
