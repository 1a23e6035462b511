package promsql

import (
	"context"
	"fmt"
	"math"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/slopipe/slopipe/store"
)

// One engine per test binary; every test gets a database of its own in it.
var embedded *store.Embedded

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "slopipe-promsql-test")
	if err != nil {
		panic(err)
	}
	embedded, err = store.OpenEmbedded("", dir, "promsql_test")
	if err != nil {
		fmt.Fprintln(os.Stderr, "promsql tests need the embedded engine (set SLOPIPE_LIBCHDB):", err)
		os.Exit(1)
	}
	code := m.Run()
	embedded.Close()
	os.RemoveAll(dir)
	os.Exit(code)
}

// newStore returns a store with slopipe's schema in a fresh database.
func newStore(t *testing.T) store.Store {
	t.Helper()
	db := strings.ToLower(strings.NewReplacer("/", "_", " ", "_", "-", "_").Replace(t.Name()))
	s, err := store.OpenEmbedded("", embedded.Engine().DataDir(), db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Migrate(context.Background(), s, store.SchemaOptions{}); err != nil {
		t.Fatal(err)
	}
	return s
}

// t0 is the start of the fixtures' first minute.
var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// point is one fixture row. Times are offsets from t0; start 0 means no
// StartTimeUnix (as Prometheus remote write leaves it).
type point struct {
	table          string // "sum" (default), "gauge" or "histogram"
	tenant         string // default "acme"
	name, service  string
	attrs, res     map[string]string
	start, at      time.Duration
	value          float64
	delta          bool
	flags          uint32
	bounds         []float64 // histogram
	buckets        []uint64  // histogram; Count is their sum
	histogramSumOf float64   // histogram Sum
}

// samples repeats base at each (seconds after t0, value) pair.
func samples(base point, secondsAndValues ...float64) []point {
	var out []point
	for i := 0; i+1 < len(secondsAndValues); i += 2 {
		p := base
		p.at = time.Duration(secondsAndValues[i]) * time.Second
		p.value = secondsAndValues[i+1]
		out = append(out, p)
	}
	return out
}

// histogramAt is base at seconds after t0 with the given bucket counts.
func histogramAt(base point, seconds float64, buckets ...uint64) point {
	base.table = "histogram"
	base.at = time.Duration(seconds) * time.Second
	base.buckets = buckets
	return base
}

func sec(s int) time.Duration { return time.Duration(s) * time.Second }

func insert(t *testing.T, s store.Store, points []point) {
	t.Helper()
	type columns struct {
		batch                    *store.Batch
		tenant, scope, svc, name *store.Strings
		res, attrs               *store.Maps
		start, at                *store.Times
		flags                    *store.Numbers[uint32]
		value, sum               *store.Numbers[float64]
		temporality              *store.Numbers[int32]
		count                    *store.Numbers[uint64]
		bucketCounts, bounds     *store.Arrays
	}
	tables := map[string]*columns{}
	for _, p := range points {
		table := p.table
		if table == "" {
			table = "sum"
		}
		c := tables[table]
		if c == nil {
			c = &columns{
				tenant: store.NewStrings("TenantId"), scope: store.NewStrings("ScopeName"),
				svc: store.NewStrings("ServiceName"), name: store.NewStrings("MetricName"),
				res: store.NewMaps("ResourceAttributes"), attrs: store.NewMaps("Attributes"),
				start: store.NewDateTimes("StartTimeUnix"), at: store.NewDateTimes("TimeUnix"),
				flags: store.NewUInt32s("Flags"), value: store.NewFloat64s("Value"), sum: store.NewFloat64s("Sum"),
				temporality: store.NewInt32s("AggregationTemporality"), count: store.NewUInt64s("Count"),
				bucketCounts: store.NewArrays("BucketCounts", store.NewUInt64s("")),
				bounds:       store.NewArrays("ExplicitBounds", store.NewFloat64s("")),
			}
			cols := []store.Column{c.tenant, c.scope, c.svc, c.name, c.res, c.attrs, c.start, c.at, c.flags}
			switch table {
			case "sum":
				cols = append(cols, c.value, c.temporality)
			case "gauge":
				cols = append(cols, c.value)
			case "histogram":
				cols = append(cols, c.count, c.sum, c.bucketCounts, c.bounds, c.temporality)
			}
			c.batch = store.NewBatch("otel_metrics_"+table, cols...)
			tables[table] = c
		}
		tenant := p.tenant
		if tenant == "" {
			tenant = "acme"
		}
		c.tenant.Append(tenant)
		c.scope.Append("test")
		c.svc.Append(p.service)
		c.name.Append(p.name)
		c.res.AppendMap(p.res)
		c.attrs.AppendMap(p.attrs)
		if p.start == 0 {
			c.start.Append(0)
		} else {
			c.start.AppendTime(t0.Add(p.start))
		}
		c.at.AppendTime(t0.Add(p.at))
		c.flags.Append(p.flags)
		c.value.Append(p.value)
		temporality := int32(2)
		if p.delta {
			temporality = 1
		}
		c.temporality.Append(temporality)
		var count uint64
		for _, b := range p.buckets {
			count += b
			c.bucketCounts.Elem.(*store.Numbers[uint64]).Append(b)
		}
		c.bucketCounts.EndRow()
		c.count.Append(count)
		c.sum.Append(p.histogramSumOf)
		c.bounds.Elem.(*store.Numbers[float64]).Append(p.bounds...)
		c.bounds.EndRow()
	}
	for _, table := range []string{"sum", "gauge", "histogram"} {
		if c := tables[table]; c != nil {
			if err := s.Insert(context.Background(), c.batch); err != nil {
				t.Fatalf("insert %s: %v", table, err)
			}
		}
	}
}

// minute is one row of MinutesSQL, its minute as an offset from t0.
type minute struct {
	tenant      string
	at          time.Duration
	good, total float64
}

func (m minute) String() string {
	return fmt.Sprintf("%s %v good=%g total=%g", m.tenant, m.at, m.good, m.total)
}

func row(tenant string, minuteIndex int, good, total float64) minute {
	return minute{tenant, time.Duration(minuteIndex) * time.Minute, good, total}
}

func runMinutes(t *testing.T, s store.Store, ev *Events, o Options, from, to time.Duration, tenants []string) []minute {
	t.Helper()
	o.Database = s.Database()
	rows, err := s.Query(context.Background(), ev.MinutesSQL(o), store.Params{
		"from":    store.Param(t0.Add(from)),
		"to":      store.Param(t0.Add(to)),
		"tenants": store.Param(tenants),
	})
	if err != nil {
		t.Fatalf("%v\n%s", err, ev.MinutesSQL(o))
	}
	var out []minute
	err = store.ScanAll(rows, func(r store.Rows) error {
		var m minute
		var at time.Time
		if err := r.Scan(&m.tenant, &at, &m.good, &m.total); err != nil {
			return err
		}
		m.at = at.Sub(t0)
		out = append(out, m)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

const (
	badRate   = `sum(rate(errors_total[5m]))`
	totalRate = `sum(rate(requests_total[5m]))`
)

func TestMinutesOnTheEngine(t *testing.T) {
	requests := point{name: "requests_total", service: "api"}
	cases := []struct {
		name             string
		points           []point
		bad, good, total string // default: badRate and totalRate
		ratio            string
		from, to         time.Duration // default [0, 1h)
		tenants          []string
		want             []minute
	}{
		{
			name: "counter reset in the gauge table",
			points: samples(point{table: "gauge", name: "requests_total"},
				0, 10, 30, 14, 60, 20, 90, 3, 120, 5),
			// first sample: nothing to subtract from; 3 after 20 is a restart
			want: []minute{row("acme", 0, 4, 4), row("acme", 1, 9, 9), row("acme", 2, 2, 2)},
		},
		{
			name: "start time restart",
			points: append(
				samples(point{name: "requests_total", start: -time.Hour}, 0, 100, 30, 110),
				// a later StartTimeUnix is a restart even though the value grew
				samples(point{name: "requests_total", start: sec(45)}, 60, 120, 90, 130)...),
			want: []minute{row("acme", 0, 10, 10), row("acme", 1, 130, 130)},
		},
		{
			name: "first sample with a recent start",
			points: append(
				samples(point{name: "requests_total", start: sec(10), attrs: map[string]string{"pod": "new"}}, 40, 7, 70, 9),
				// started longer than G ago: its first sample counts nothing
				samples(point{name: "requests_total", start: -20 * time.Minute, attrs: map[string]string{"pod": "old"}}, 40, 50, 70, 51)...),
			want: []minute{row("acme", 0, 7, 7), row("acme", 1, 3, 3)},
		},
		{
			name:   "gap longer than G",
			points: samples(requests, 0, 10, 60, 12, 20*60, 30, 21*60, 31),
			want:   []minute{row("acme", 0, 0, 0), row("acme", 1, 2, 2), row("acme", 20, 0, 0), row("acme", 21, 1, 1)},
		},
		{
			name: "delta temporality with a duplicate",
			points: samples(point{name: "requests_total", delta: true},
				10, 3, 40, 4, 70, 5, 70, 5),
			want: []minute{row("acme", 0, 7, 7), row("acme", 1, 5, 5)},
		},
		{
			name: "cumulative duplicates",
			points: samples(requests,
				0, 10, 30, 15, 30, 15, 60, 18, 60, 18, 60, 18),
			want: []minute{row("acme", 0, 5, 5), row("acme", 1, 3, 3)},
		},
		{
			name: "NaN and no-recorded-value points are skipped",
			points: append(samples(requests, 0, 10, 20, math.NaN(), 40, 15, 70, 17),
				point{name: "requests_total", service: "api", at: sec(80), value: 0, flags: 1},
				point{name: "requests_total", service: "api", at: sec(100), value: 20}),
			want: []minute{row("acme", 0, 5, 5), row("acme", 1, 5, 5)},
		},
		{
			name: "bad events",
			points: append(samples(requests, 0, 100, 30, 110, 60, 130),
				samples(point{name: "errors_total", service: "api"}, 0, 1, 30, 2, 60, 5)...),
			want: []minute{row("acme", 0, 9, 10), row("acme", 1, 17, 20)},
		},
		{
			name: "two tenants",
			points: append(samples(requests, 0, 1, 30, 2),
				samples(point{name: "requests_total", tenant: "globex"}, 0, 10, 30, 20)...),
			want: []minute{row("acme", 0, 1, 1), row("globex", 0, 10, 10)},
		},
		{
			name: "tenants filter",
			points: append(samples(requests, 0, 1, 30, 2),
				samples(point{name: "requests_total", tenant: "globex"}, 0, 10, 30, 20)...),
			tenants: []string{"globex", "initech"},
			want:    []minute{row("globex", 0, 10, 10)},
		},
		{
			name: "regexes are anchored",
			points: concat(
				samples(point{name: "requests_total", attrs: map[string]string{"code": "500"}}, 0, 0, 30, 1),
				samples(point{name: "requests_total", attrs: map[string]string{"code": "503"}}, 0, 0, 30, 2),
				samples(point{name: "requests_total", attrs: map[string]string{"code": "5000"}}, 0, 0, 30, 4),
				samples(point{name: "requests_total", attrs: map[string]string{"code": "x500"}}, 0, 0, 30, 8),
				samples(point{name: "requests_total", attrs: map[string]string{"code": "200"}}, 0, 0, 30, 16),
			),
			bad:   `sum(rate(requests_total{code=~"5.."}[5m]))`,
			total: `sum(rate(requests_total{code!~"5.."}[5m]))`,
			// bad 1+2; total 4+8+16, so good = 28 - 3
			want: []minute{row("acme", 0, 25, 28)},
		},
		{
			name: "absent labels and where labels come from",
			points: concat(
				samples(point{name: "requests_total", attrs: map[string]string{"tier": "gold"}}, 0, 0, 30, 1),
				samples(point{name: "requests_total", attrs: map[string]string{"tier": ""}}, 0, 0, 30, 2),
				samples(point{name: "requests_total"}, 0, 0, 30, 4),
				// tier from the resource, unless the point has its own
				samples(point{name: "requests_total", res: map[string]string{"tier": "gold"}}, 0, 0, 30, 8),
				samples(point{name: "requests_total", res: map[string]string{"tier": "gold"}, attrs: map[string]string{"tier": "silver"}}, 0, 0, 30, 16),
				samples(point{name: "requests_total", service: "api", res: map[string]string{"service.instance.id": "pod-1:80"}}, 0, 0, 30, 32),
			),
			good:  `sum(rate(requests_total{tier=""}[5m])) + sum(rate(requests_total{tier="silver"}[5m]))`,
			total: `sum(rate(requests_total{tier!=""}[5m])) + sum(rate(requests_total{job="api",instance=~"pod-.*"}[5m]))`,
			// good: 2 + 4 + 32 (no tier), 16; total: 1 + 8 + 16, 32
			want: []minute{row("acme", 0, 54, 57)},
		},
		{
			name: "dotted OTLP names",
			points: concat(
				samples(point{name: "http.server.requests"}, 0, 0, 30, 1),
				samples(point{name: "http_server_requests"}, 0, 0, 30, 2),
				samples(point{name: "http.server.requests.total"}, 0, 0, 30, 4),
			),
			good:  `sum(rate({"http.server.requests"}[5m]))`,
			total: `sum(rate(http_server_requests[5m]))`,
			want:  []minute{row("acme", 0, 3, 3)},
		},
		{
			name: "sum by, sum without and +",
			points: concat(
				samples(point{name: "requests_total", attrs: map[string]string{"route": "/a"}}, 0, 0, 30, 10),
				samples(point{name: "requests_total", attrs: map[string]string{"route": "/b"}}, 0, 0, 30, 20),
				samples(point{name: "timeouts_total", attrs: map[string]string{"route": "/a"}}, 0, 0, 30, 1),
				samples(point{name: "errors_total", attrs: map[string]string{"route": "/b"}}, 0, 0, 30, 2),
			),
			bad:   `sum by (route) (rate(timeouts_total[5m])) + sum without (route) (rate(errors_total[5m]))`,
			total: `sum by (route) (rate(requests_total[5m]))`,
			want:  []minute{row("acme", 0, 27, 30)},
		},
		{
			name:   "bare counters and increase",
			points: concat(samples(requests, 0, 100, 30, 110), samples(point{name: "errors_total"}, 0, 5, 30, 6)),
			bad:    `errors_total`,
			total:  `requests_total`,
			want:   []minute{row("acme", 0, 9, 10)},
		},
		{
			name:   "error ratio",
			points: concat(samples(requests, 0, 100, 30, 110), samples(point{name: "errors_total"}, 0, 5, 30, 6)),
			ratio:  `sum(increase(errors_total[1h])) / sum(increase(requests_total[1h]))`,
			want:   []minute{row("acme", 0, 9, 10)},
		},
		{
			name:   "histogram buckets",
			points: histogramFixture(),
			good:   `sum(rate(latency_seconds_bucket{le="0.5"}[5m]))`,
			total:  `sum(rate(latency_seconds_bucket{le="+Inf"}[5m]))`,
			// OTLP series A: ≤0.5 goes 3, 6, 7 and +Inf 10, 15, 18; series B has
			// no 0.5 bound and adds 2 to +Inf; the classic histogram in the
			// gauge table adds 1 and 3.
			want: []minute{row("acme", 0, 3+1, 5+2+3), row("acme", 1, 1, 3)},
		},
		{
			name:   "histogram count with a good ratio",
			points: histogramFixture(),
			ratio:  `1 - (sum(rate(latency_seconds_bucket{le="1"}[5m])) / sum(rate(latency_seconds_count[5m])))`,
			// ≤1 of A: 6, 9, 12 and of B: 2, 3; _count of A and B as +Inf above
			want: []minute{row("acme", 0, 3+1, 5+2), row("acme", 1, 3, 3)},
		},
		{
			name:   "minutes outside the range are not returned",
			points: samples(requests, 0, 1, 60, 2, 120, 4, 180, 8),
			from:   2 * time.Minute, to: 3 * time.Minute,
			want: []minute{row("acme", 2, 2, 2)},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newStore(t)
			insert(t, s, c.points)
			bad, total := c.bad, c.total
			if bad == "" && c.good == "" {
				bad = badRate
			}
			if total == "" {
				total = totalRate
			}
			ev := compileCase(t, bad, c.good, total, c.ratio)
			to := c.to
			if to == 0 {
				to = time.Hour
			}
			got := runMinutes(t, s, ev, Options{}, c.from, to, c.tenants)
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("got\n%v\nwant\n%v", got, c.want)
			}
		})
	}
}

func concat(parts ...[]point) []point {
	var out []point
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// histogramFixture is latency_seconds as an OTLP histogram (two series with
// different bounds) and as a classic Prometheus histogram in the gauge table.
func histogramFixture() []point {
	a := point{name: "latency_seconds", start: -time.Hour, bounds: []float64{0.1, 0.5, 1}, attrs: map[string]string{"s": "a"}}
	b := point{name: "latency_seconds", start: -time.Hour, bounds: []float64{0.25, 1}, attrs: map[string]string{"s": "b"}}
	classic := func(le string) point {
		return point{table: "gauge", name: "latency_seconds_bucket", attrs: map[string]string{"le": le}}
	}
	return concat(
		[]point{
			histogramAt(a, 0, 1, 2, 3, 4),
			histogramAt(a, 30, 2, 4, 3, 6),
			histogramAt(a, 60, 3, 4, 5, 6),
			histogramAt(b, 0, 1, 1, 2),
			histogramAt(b, 30, 2, 1, 3),
		},
		samples(classic("0.5"), 0, 100, 30, 101),
		samples(classic("+Inf"), 0, 200, 30, 203),
	)
}

// TestMinutesInPieces checks the contract the evaluator relies on: any
// split of a range into pieces gives the minutes of the whole range.
func TestMinutesInPieces(t *testing.T) {
	s := newStore(t)
	var points []point
	// A few series with resets, restarts, a gap longer than G, duplicates, NaN
	// and delta points, sampled at different intervals.
	for i, every := range []int{15, 20, 45, 60} {
		v := 0.0
		p := point{name: "requests_total", attrs: map[string]string{"pod": fmt.Sprint(i)}, start: -time.Hour}
		if i == 2 {
			p.table = "gauge"
			p.start = 0
		}
		for at := every * i / 4; at < 40*60; at += every {
			if i == 1 && at > 12*60 && at < 29*60 {
				continue // a 17 minute gap
			}
			v += float64((at*7)%13 + i)
			if i == 0 && at%(9*60) < every {
				v = float64(at % 5) // a reset
			}
			if i == 3 && at == 24*60 {
				p.start = 23 * time.Minute // a restart
				v = 2
			}
			p.at, p.value = sec(at), v
			points = append(points, p)
			if at%(7*60) == 0 {
				points = append(points, p) // a retried write
			}
			if i == 2 && at%(11*60) == 0 {
				q := p
				q.value = math.NaN()
				q.at += sec(5)
				points = append(points, q)
			}
		}
	}
	points = append(points, samples(point{name: "errors_total", delta: true}, 30, 1, 14*60, 2, 14*60+30, 3, 33*60, 4)...)
	insert(t, s, points)
	ev := compileCase(t, badRate, "", totalRate, "")

	whole := runMinutes(t, s, ev, Options{}, 0, 40*time.Minute, nil)
	if len(whole) < 30 {
		t.Fatalf("only %d minutes: %v", len(whole), whole)
	}
	for split := 1; split < 40; split++ {
		at := time.Duration(split) * time.Minute
		pieces := append(runMinutes(t, s, ev, Options{}, 0, at, nil), runMinutes(t, s, ev, Options{}, at, 40*time.Minute, nil)...)
		if !reflect.DeepEqual(pieces, whole) {
			t.Fatalf("split at minute %d:\n%v\nwhole:\n%v", split, pieces, whole)
		}
	}
	// A shorter G changes which samples are consecutive, and so the minutes.
	short := runMinutes(t, s, ev, Options{MaxSampleGap: 30 * time.Second}, 0, 40*time.Minute, nil)
	if reflect.DeepEqual(short, whole) {
		t.Error("MaxSampleGap of 30s gave the same minutes as 15m")
	}
}

func TestMinutesColumnTypes(t *testing.T) {
	s := newStore(t)
	threshold, err := CompileThreshold(`latency_seconds_bucket{le="0.5"}`, "gte", 0.9)
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range []*Events{compileCase(t, badRate, "", totalRate, ""), threshold} {
		rows, err := s.Query(context.Background(), "DESCRIBE ("+ev.MinutesSQL(Options{Database: s.Database()})+")", store.Params{
			"from": store.Param(t0), "to": store.Param(t0.Add(time.Hour)), "tenants": "[]",
		})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		err = store.ScanAll(rows, func(r store.Rows) error {
			var name, typ string
			dest := []any{&name, &typ}
			for range r.Columns()[2:] {
				dest = append(dest, new(string))
			}
			if err := r.Scan(dest...); err != nil {
				return err
			}
			got = append(got, name+" "+typ)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"TenantId String", "Minute DateTime", "Good Float64", "Total Float64"}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("columns %v, want %v", got, want)
		}
	}
}

// A threshold metric counts samples, good when they pass the threshold:
// hand-computed for each op over two series and an UpDownCounter of one
// tenant and a series of another, with NaN, flagged and duplicate samples.
func TestThresholdMinutesOnTheEngine(t *testing.T) {
	s := newStore(t)
	queue := func(table, tenant, name string) point {
		return point{table: table, tenant: tenant, name: "queue_depth", service: "api", attrs: map[string]string{"queue": name}}
	}
	a, b := queue("gauge", "acme", "a"), queue("gauge", "acme", "b")
	flagged := a
	flagged.at, flagged.value, flagged.flags = sec(50), 0.1, 1
	insert(t, s, concat(
		// minute 0: 0.1, 0.3 (NaN and the flagged point skipped); minute 1:
		// 0.25 and 0.3 (written twice, counted once); minute 3: 0.1
		samples(a, 0, 0.1, 20, 0.3, 40, math.NaN(), 60, 0.25, 90, 0.3, 90, 0.3, 190, 0.1),
		[]point{flagged},
		// minute 0: 0.35; minute 1: 0.2 and, of two differing values at one
		// time, the least: 0.29
		samples(b, 10, 0.35, 70, 0.2, 110, 0.31, 110, 0.29),
		// an UpDownCounter (otel_metrics_sum) is a gauge to Prometheus too
		samples(queue("sum", "acme", "c"), 100, 0.4),
		samples(queue("gauge", "globex", "a"), 30, 0.3),
		// not selected: another queue, another metric
		samples(queue("gauge", "acme", "ignored"), 0, 0.1),
		samples(point{table: "gauge", name: "queue_size", attrs: map[string]string{"queue": "a"}}, 0, 0.1),
	))
	const query = `queue_depth{job="api",queue!="ignored"}`
	// acme minute 0: 0.1 0.3 0.35; minute 1: 0.25 0.3 0.2 0.29 0.4; minute
	// 3: 0.1. globex minute 0: 0.3.
	for _, c := range []struct {
		op   string
		want []minute
	}{
		{"lt", []minute{row("acme", 0, 1, 3), row("acme", 1, 3, 5), row("acme", 3, 1, 1), row("globex", 0, 0, 1)}},
		{"lte", []minute{row("acme", 0, 2, 3), row("acme", 1, 4, 5), row("acme", 3, 1, 1), row("globex", 0, 1, 1)}},
		{"gt", []minute{row("acme", 0, 1, 3), row("acme", 1, 1, 5), row("acme", 3, 0, 1), row("globex", 0, 0, 1)}},
		{"gte", []minute{row("acme", 0, 2, 3), row("acme", 1, 2, 5), row("acme", 3, 0, 1), row("globex", 0, 1, 1)}},
	} {
		ev, err := CompileThreshold(query, c.op, 0.3)
		if err != nil {
			t.Fatal(err)
		}
		if got := runMinutes(t, s, ev, Options{}, 0, time.Hour, nil); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s 0.3: got\n%v\nwant\n%v", c.op, got, c.want)
		}
	}
	// A range and a tenant filter: no earlier samples are needed.
	ev, err := CompileThreshold(query, "lte", 0.3)
	if err != nil {
		t.Fatal(err)
	}
	got := runMinutes(t, s, ev, Options{}, time.Minute, 3*time.Minute, []string{"acme"})
	if want := []minute{row("acme", 1, 4, 5)}; !reflect.DeepEqual(got, want) {
		t.Errorf("minutes 1 and 2 of acme: got %v, want %v", got, want)
	}
}
