package promsql

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/VictoriaMetrics/metricsql"
)

// UnsupportedError reports a PromQL construct slopipe cannot turn into a
// count of events.
type UnsupportedError struct {
	Construct string // what was found, and what would work instead
	Query     string // the whole query it was found in
}

func (e *UnsupportedError) Error() string {
	return "unsupported PromQL: " + e.Construct
}

// Increase is one compiled events expression: the sum of the per-minute
// increases of the counters it selects.
type Increase struct {
	query     string // PromQL, as metricsql prints it
	counting  counting
	selectors []*selector
}

// String is the expression in PromQL.
func (i *Increase) String() string { return i.query }

// counting is how a query turns a counter into events. All forms mean the
// per-minute increase here, but they differ in unit, so one SLO must not mix
// them.
type counting int

const (
	countingRate counting = iota + 1
	countingIncrease
	countingCounter
)

func (c counting) String() string {
	switch c {
	case countingRate:
		return "rate()"
	case countingIncrease:
		return "increase()"
	default:
		return "a bare counter"
	}
}

// selector is one series selector: an exact metric name and matchers on other
// labels, possibly several groups of them (MetricsQL's `x{a="1" or b="2"}`),
// any of which selects a series.
type selector struct {
	text   string // PromQL
	name   string // normalized metric name
	groups [][]matcher
	// histogram is what the selector reads from otel_metrics_histogram:
	// "" (nothing), "bucket", "count" or "sum"; base is the histogram's
	// normalized name and le the bucket bound.
	histogram string
	base      string
	le        float64
}

// matcher is one label matcher; op is =, !=, =~ or !~.
type matcher struct{ label, op, value string }

func (m matcher) negative() bool { return m.op[0] == '!' }
func (m matcher) regexp() bool   { return m.op[1] == '~' }

// Events is what an SLO counts: Total, and exactly one of its Good or its Bad
// events; or, for a threshold metric, only Threshold. The Compile functions
// check that both sides count alike.
type Events struct {
	Good, Bad, Total *Increase
	Threshold        *Threshold
}

// Threshold is an OpenSLO thresholdMetric: every sample of the series its
// selector selects is an event, good when the sample's value compares to
// the threshold as op says.
type Threshold struct {
	query    string // PromQL, as metricsql prints it
	selector *selector
	op       string  // lt, lte, gt or gte
	value    float64 // the threshold
}

// String is the threshold in the spec's words, e.g.
// queue_depth{job="api"} lte 0.3.
func (t *Threshold) String() string {
	return t.query + " " + t.op + " " + strconv.FormatFloat(t.value, 'g', -1, 64)
}

// thresholdOps are OpenSLO's objective ops as SQL comparisons.
var thresholdOps = map[string]string{"lt": "<", "lte": "<=", "gt": ">", "gte": ">="}

// thresholdShape is what a threshold metric's query must be.
const thresholdShape = "a threshold metric is a plain selector of gauge samples, e.g. queue_depth{job=\"api\"}"

// CompileIncrease compiles one events expression, e.g.
// sum(rate(http_requests_total{code=~"5.."}[5m])).
func CompileIncrease(query string) (*Increase, error) {
	e, err := parse(query)
	if err != nil {
		return nil, err
	}
	return compileIncrease(query, e)
}

// CompileEvents compiles an SLO's events from a query of its good (isGood) or
// bad events and a query of all events, e.g. Sloth's error_query and
// total_query.
func CompileEvents(goodOrBadQuery string, isGood bool, totalQuery string) (*Events, error) {
	side := "bad"
	if isGood {
		side = "good"
	}
	counted, err := CompileIncrease(goodOrBadQuery)
	if err != nil {
		return nil, fmt.Errorf("%s query: %w", side, err)
	}
	total, err := CompileIncrease(totalQuery)
	if err != nil {
		return nil, fmt.Errorf("total query: %w", err)
	}
	ev := &Events{Total: total}
	if isGood {
		ev.Good = counted
	} else {
		ev.Bad = counted
	}
	if err := ev.checkCounting(totalQuery); err != nil {
		return nil, fmt.Errorf("total query: %w", err)
	}
	return ev, nil
}

// CompileErrorRatio compiles an error ratio query, Sloth's
// sli.raw.error_ratio_query: A / B counts bad events A of total B, and
// 1 - (A / B) good events A of total B.
func CompileErrorRatio(query string) (*Events, error) {
	e, err := parse(query)
	if err != nil {
		return nil, err
	}
	whole := str(e)
	var ev Events
	counted := &ev.Bad
	if be, ok := e.(*metricsql.BinaryOpExpr); ok && be.Op == "-" {
		if one, ok := be.Left.(*metricsql.NumberExpr); ok && one.N == 1 && plainBinaryOp(be) {
			e, counted = be.Right, &ev.Good
		}
	}
	be, ok := e.(*metricsql.BinaryOpExpr)
	if !ok || be.Op != "/" {
		return nil, unsupported(query, "error ratio query %s (supported: A / B and 1 - (A / B), A and B counting events)", whole)
	}
	if err := checkBinaryModifiers(query, be); err != nil {
		return nil, err
	}
	if *counted, err = compileIncrease(query, be.Left); err != nil {
		return nil, err
	}
	if ev.Total, err = compileIncrease(query, be.Right); err != nil {
		return nil, err
	}
	if err := ev.checkCounting(query); err != nil {
		return nil, err
	}
	return &ev, nil
}

// CompileThreshold compiles an OpenSLO thresholdMetric: query selects the
// samples (a plain series selector), and a sample is good when
// value <op> threshold holds, op being lt, lte, gt or gte.
func CompileThreshold(query, op string, threshold float64) (*Events, error) {
	if _, ok := thresholdOps[op]; !ok {
		return nil, fmt.Errorf("threshold op %q: want lt, lte, gt or gte", op)
	}
	if math.IsNaN(threshold) || math.IsInf(threshold, 0) {
		return nil, fmt.Errorf("threshold %v: not a finite number", threshold)
	}
	e, err := parse(query)
	if err != nil {
		return nil, err
	}
	me, ok := e.(*metricsql.MetricExpr)
	if !ok {
		return nil, unsupported(query, "%s (%s)", construct(e), thresholdShape)
	}
	// The selector is read as the counters are; only what is done with its
	// samples differs.
	c := compiler{query: query, inc: &Increase{}}
	if err := c.selector(me, countingCounter); err != nil {
		return nil, err
	}
	return &Events{Threshold: &Threshold{query: str(e), selector: c.inc.selectors[0], op: op, value: threshold}}, nil
}

// construct names the kind of expression e is, for an error.
func construct(e metricsql.Expr) string {
	switch x := e.(type) {
	case *metricsql.AggrFuncExpr:
		return fmt.Sprintf("aggregation %q", x.Name)
	case *metricsql.FuncExpr:
		return fmt.Sprintf("function %q", x.Name)
	case *metricsql.RollupExpr:
		switch {
		case x.ForSubquery():
			return "subquery " + str(x)
		case x.Offset != nil:
			return "offset modifier in " + str(x)
		case x.At != nil:
			return "@ modifier in " + str(x)
		}
		return "range selector " + str(x)
	case *metricsql.BinaryOpExpr:
		return binaryOpName(x)
	case *metricsql.NumberExpr:
		return "number " + str(x)
	case *metricsql.StringExpr:
		return "string " + str(x)
	}
	return "expression " + str(e)
}

func (e *Events) checkCounting(query string) error {
	counted := e.Bad
	if counted == nil {
		counted = e.Good
	}
	if counted.counting != e.Total.counting {
		return unsupported(query, "events counted with %s but the total with %s (the ratio would depend on the window)",
			counted.counting, e.Total.counting)
	}
	return nil
}

// MetricNames lists the normalized metric names the events read, sorted: the
// names as written and, for _bucket, _count and _sum selectors, the histogram
// names without the suffix.
func (e *Events) MetricNames() []string {
	var selectors []*selector
	for _, inc := range []*Increase{e.Good, e.Bad, e.Total} {
		if inc != nil {
			selectors = append(selectors, inc.selectors...)
		}
	}
	if e.Threshold != nil {
		selectors = append(selectors, e.Threshold.selector)
	}
	seen := map[string]bool{}
	for _, s := range selectors {
		seen[s.name] = true
		if s.histogram != "" {
			seen[s.base] = true
		}
	}
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func parse(query string) (metricsql.Expr, error) {
	e, err := metricsql.Parse(query)
	if err != nil {
		return nil, fmt.Errorf("parse PromQL %q: %w", query, err)
	}
	return e, nil
}

func compileIncrease(query string, e metricsql.Expr) (*Increase, error) {
	c := compiler{query: query, inc: &Increase{query: str(e)}}
	if err := c.events(e); err != nil {
		return nil, err
	}
	return c.inc, nil
}

type compiler struct {
	query string
	inc   *Increase
}

func unsupported(query, format string, args ...any) *UnsupportedError {
	return &UnsupportedError{Construct: fmt.Sprintf(format, args...), Query: query}
}

func str(e metricsql.Expr) string { return string(e.AppendString(nil)) }

func (c *compiler) unsupported(format string, args ...any) error {
	return unsupported(c.query, format, args...)
}

func (c *compiler) events(e metricsql.Expr) error {
	switch x := e.(type) {
	case *metricsql.AggrFuncExpr:
		if name := strings.ToLower(x.Name); name != "sum" {
			return c.unsupported("aggregation %q (slopipe sums per-minute increases; supported: sum)", x.Name)
		}
		if x.Limit > 0 {
			return c.unsupported("limit in %s", str(x))
		}
		if len(x.Args) != 1 {
			return c.unsupported("sum with %d arguments in %s", len(x.Args), str(x))
		}
		return c.events(x.Args[0])
	case *metricsql.FuncExpr:
		var how counting
		switch strings.ToLower(x.Name) {
		case "rate":
			how = countingRate
		case "increase":
			how = countingIncrease
		default:
			return c.unsupported("function %q (supported: rate, increase, sum)", x.Name)
		}
		if len(x.Args) != 1 {
			return c.unsupported("%s with %d arguments in %s", x.Name, len(x.Args), str(x))
		}
		arg := x.Args[0]
		if re, ok := arg.(*metricsql.RollupExpr); ok {
			if err := c.rollupModifiers(re); err != nil {
				return err
			}
			arg = re.Expr
		}
		me, ok := arg.(*metricsql.MetricExpr)
		if !ok {
			return c.unsupported("%s of %s (supported: %s of a series selector)", x.Name, str(arg), x.Name)
		}
		return c.selector(me, how)
	case *metricsql.MetricExpr:
		return c.selector(x, countingCounter)
	case *metricsql.RollupExpr:
		if err := c.rollupModifiers(x); err != nil {
			return err
		}
		return c.unsupported("range selector %s outside rate() or increase()", str(x))
	case *metricsql.BinaryOpExpr:
		if x.Op != "+" {
			return c.unsupported("%s (supported: +, and A / B or 1 - (A / B) as an error ratio query)", binaryOpName(x))
		}
		if err := checkBinaryModifiers(c.query, x); err != nil {
			return err
		}
		if err := c.events(x.Left); err != nil {
			return err
		}
		return c.events(x.Right)
	case *metricsql.NumberExpr:
		return c.unsupported("number %s where events are expected", str(x))
	case *metricsql.StringExpr:
		return c.unsupported("string %s where events are expected", str(x))
	default:
		return c.unsupported("expression %s", str(e))
	}
}

func binaryOpName(be *metricsql.BinaryOpExpr) string {
	switch strings.ToLower(be.Op) {
	case "==", "!=", ">", "<", ">=", "<=":
		if be.Bool {
			return fmt.Sprintf("comparison %q with bool", be.Op)
		}
		return fmt.Sprintf("comparison %q", be.Op)
	case "and", "or", "unless":
		return fmt.Sprintf("set operator %q", be.Op)
	}
	return fmt.Sprintf("binary operator %q", be.Op)
}

// plainBinaryOp tells whether be has no modifier at all.
func plainBinaryOp(be *metricsql.BinaryOpExpr) bool {
	return !be.Bool && be.GroupModifier.Op == "" && be.JoinModifier.Op == "" &&
		be.JoinModifierPrefix == nil && be.FillLeft == nil && be.FillRight == nil
}

// checkBinaryModifiers accepts on(…) and ignoring(…), which only say how
// series are matched: slopipe adds up everything of a tenant anyway.
// group_left/group_right would repeat one side's values, and fill() is
// MetricsQL's.
func checkBinaryModifiers(query string, be *metricsql.BinaryOpExpr) error {
	switch {
	case be.Bool:
		return unsupported(query, "bool modifier on %q", be.Op)
	case be.JoinModifier.Op != "":
		return unsupported(query, "%s on %q", be.JoinModifier.Op, be.Op)
	case be.FillLeft != nil || be.FillRight != nil:
		return unsupported(query, "fill modifier on %q", be.Op)
	}
	return nil
}

func (c *compiler) rollupModifiers(re *metricsql.RollupExpr) error {
	switch {
	case re.ForSubquery():
		return c.unsupported("subquery %s", str(re))
	case re.Offset != nil:
		return c.unsupported("offset modifier in %s", str(re))
	case re.At != nil:
		return c.unsupported("@ modifier in %s", str(re))
	}
	return nil
}

func (c *compiler) selector(me *metricsql.MetricExpr, how counting) error {
	if c.inc.counting == 0 {
		c.inc.counting = how
	} else if c.inc.counting != how {
		return c.unsupported("%s mixed with %s in one expression (the sum would depend on the window)", c.inc.counting, how)
	}
	s := &selector{text: str(me)}
	var name string
	for _, filters := range me.LabelFilterss {
		if len(filters) == 0 || filters[0].Label != "__name__" || filters[0].IsRegexp || filters[0].IsNegative {
			return c.unsupported("selector %s without a metric name (write it as name{…} or {__name__=\"name\"})", s.text)
		}
		if name != "" && filters[0].Value != name {
			return c.unsupported("selector %s with several metric names", s.text)
		}
		name = filters[0].Value
	}
	if name == "" {
		return c.unsupported("selector %s without a metric name", s.text)
	}
	s.name = normalizeName(name)
	for _, filters := range me.LabelFilterss {
		group, ok := []matcher{}, true
		for _, f := range filters[1:] {
			m := matcher{label: f.Label, op: matcherOp(f), value: f.Value}
			if f.Label == "__name__" {
				// The name is known, so other name matchers are decided here.
				ok = ok && m.matches(name)
				continue
			}
			group = append(group, m)
		}
		if ok {
			s.groups = append(s.groups, group)
		}
	}
	if len(s.groups) == 0 {
		return c.unsupported("selector %s whose __name__ matchers exclude its own metric name", s.text)
	}
	if err := c.histogram(s); err != nil {
		return err
	}
	c.inc.selectors = append(c.inc.selectors, s)
	return nil
}

// histogram sets what s reads from otel_metrics_histogram.
func (c *compiler) histogram(s *selector) error {
	for _, suffix := range []string{"bucket", "count", "sum"} {
		if base, ok := strings.CutSuffix(s.name, "_"+suffix); ok && base != "" {
			s.histogram, s.base = suffix, base
		}
	}
	if s.histogram != "bucket" {
		return nil
	}
	if len(s.groups) != 1 {
		return c.unsupported("or between label matchers of histogram buckets in %s", s.text)
	}
	var le []matcher
	for _, m := range s.groups[0] {
		if m.label == "le" {
			le = append(le, m)
		}
	}
	if len(le) != 1 || le[0].op != "=" {
		return c.unsupported("le matchers of %s (a histogram bucket series needs exactly one le=\"…\")", s.text)
	}
	bound, err := strconv.ParseFloat(le[0].value, 64)
	if err != nil || math.IsNaN(bound) || math.IsInf(bound, -1) {
		return c.unsupported("le=%q in %s (not a bucket bound)", le[0].value, s.text)
	}
	s.le = bound
	return nil
}

func matcherOp(f metricsql.LabelFilter) string {
	switch {
	case f.IsNegative && f.IsRegexp:
		return "!~"
	case f.IsNegative:
		return "!="
	case f.IsRegexp:
		return "=~"
	}
	return "="
}

// matches applies m to a label value as Prometheus does.
func (m matcher) matches(v string) bool {
	ok := v == m.value
	if m.regexp() {
		ok = regexp.MustCompile("^(?:" + m.value + ")$").MatchString(v) // metricsql.Parse has checked it
	}
	return ok != m.negative()
}

// normalizeName is Prometheus' metric name normalization as the SQL applies
// it to MetricName: every character outside [a-zA-Z0-9_:] becomes "_".
func normalizeName(name string) string {
	var b strings.Builder
	for _, r := range name {
		if r == '_' || r == ':' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}
