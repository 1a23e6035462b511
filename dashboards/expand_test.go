package dashboards

import (
	"strings"
	"testing"
	"time"
)

func mustParseTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse("2006-01-02T15:04:05.000Z", s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// pluginRange is the range grafana/clickhouse-datasource
// pkg/macros/macros_test.go uses for its per-macro tests.
func pluginRange(t *testing.T) ExpandContext {
	return ExpandContext{
		From:     mustParseTime(t, "2014-11-12T11:45:26.371Z"),
		To:       mustParseTime(t, "2015-11-12T11:45:26.371Z"),
		Interval: 20 * time.Second,
	}
}

func TestExpandMacros(t *testing.T) {
	tests := []struct{ in, want string }{
		// Expected strings from pkg/macros/macros_test.go.
		{"$__fromTime", "toDateTime(1415792726)"},
		{"$__toTime", "toDateTime(1447328726)"},
		{"$__fromTime_ms", "fromUnixTimestamp64Milli(1415792726371)"},
		{"$__toTime_ms", "fromUnixTimestamp64Milli(1447328726371)"},
		{"$__dateFilter(dateCol)", "dateCol >= toDate('2014-11-12') AND dateCol <= toDate('2015-11-12')"},
		{"$__dateTimeFilter(dateCol, timeCol)", "(dateCol >= toDate('2014-11-12') AND dateCol <= toDate('2015-11-12')) AND (timeCol >= toDateTime(1415792726) AND timeCol <= toDateTime(1447328726))"},
		{"$__dt(dateCol, timeCol)", "(dateCol >= toDate('2014-11-12') AND dateCol <= toDate('2015-11-12')) AND (timeCol >= toDateTime(1415792726) AND timeCol <= toDateTime(1447328726))"},
		{"select $__timeInterval(col) from foo", "select toStartOfInterval(toDateTime(col), INTERVAL 20 second) from foo"},
		{"select $__timeInterval_ms(col) from foo", "select toStartOfInterval(toDateTime64(col, 3), INTERVAL 20000 millisecond) from foo"},
		{"select toStartOfInterval(col, INTERVAL $__interval_s second) AS time from foo", "select toStartOfInterval(col, INTERVAL 20 second) AS time from foo"},
		{"$__timeFilter(ts)", "ts >= toDateTime(1415792726) AND ts <= toDateTime(1447328726)"},
		{"$__timeFilter_ms(ts)", "ts >= fromUnixTimestamp64Milli(1415792726371) AND ts <= fromUnixTimestamp64Milli(1447328726371)"},
		// grafana-plugin-sdk-go data/sqlutil defaults.
		{"$__timeFrom(time)", "time >= '2014-11-12T11:45:26Z'"},
		{"$__timeTo(time)", "time <= '2015-11-12T11:45:26Z'"},
		// grafana-plugin-sdk-go data/sqlutil/macros_test.go parsing cases.
		{"where $__fromTime > $__toTime", "where toDateTime(1415792726) > toDateTime(1447328726)"},
		{"where $__timeFilter(toDateTime(a, 'UTC'))", "where toDateTime(a, 'UTC') >= toDateTime(1415792726) AND toDateTime(a, 'UTC') <= toDateTime(1447328726)"},
		{"(x >= $__fromTime) AND ($__timeFilter(ts))", "(x >= toDateTime(1415792726)) AND (ts >= toDateTime(1415792726) AND ts <= toDateTime(1447328726))"},
	}
	for _, tt := range tests {
		got, err := Expand(tt.in, pluginRange(t))
		if err != nil {
			t.Errorf("Expand(%q): %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("Expand(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
}

// TestExpandPluginInterpolate mirrors TestInterpolate in
// pkg/macros/macros_test.go, whose range has distinct milliseconds.
func TestExpandPluginInterpolate(t *testing.T) {
	ctx := ExpandContext{
		From: mustParseTime(t, "2014-11-12T11:45:26.123Z"),
		To:   mustParseTime(t, "2015-11-12T11:45:26.456Z"),
	}
	tests := []struct{ in, want string }{
		{"select * from foo where $__timeFilter(cast(sth as timestamp))", "select * from foo where cast(sth as timestamp) >= toDateTime(1415792726) AND cast(sth as timestamp) <= toDateTime(1447328726)"},
		{"select * from foo where $__timeFilter(cast(sth as timestamp) )", "select * from foo where cast(sth as timestamp) >= toDateTime(1415792726) AND cast(sth as timestamp) <= toDateTime(1447328726)"},
		{"select * from foo where $__timeFilter_ms(cast(sth as timestamp))", "select * from foo where cast(sth as timestamp) >= fromUnixTimestamp64Milli(1415792726123) AND cast(sth as timestamp) <= fromUnixTimestamp64Milli(1447328726456)"},
		{"select * from foo where ( date >= $__fromTime and date <= $__toTime ) limit 100", "select * from foo where ( date >= toDateTime(1415792726) and date <= toDateTime(1447328726) ) limit 100"},
		{"select * from foo where ( date >= $__fromTime_ms ) and ( date <= $__toTime_ms ) limit 100", "select * from foo where ( date >= fromUnixTimestamp64Milli(1415792726123) ) and ( date <= fromUnixTimestamp64Milli(1447328726456) ) limit 100"},
	}
	for _, tt := range tests {
		got, err := Expand(tt.in, ctx)
		if err != nil || got != tt.want {
			t.Errorf("Expand(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestExpandIntervalFloorsToOneSecond(t *testing.T) {
	ctx := ExpandContext{Interval: 500 * time.Millisecond}
	got, err := Expand("$__timeInterval(t) $__interval_s $__timeInterval_ms(t)", ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := "toStartOfInterval(toDateTime(t), INTERVAL 1 second) 1 toStartOfInterval(toDateTime64(t, 3), INTERVAL 500 millisecond)"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	ctx.Interval = 1500 * time.Millisecond
	if got, _ := Expand("$__interval_s", ctx); got != "1" {
		t.Errorf("1.5s interval: $__interval_s = %q, want truncation to 1", got)
	}
}

// TestConditionalAll uses the cases of "Conditional All" in
// src/data/CHDatasource.test.ts.
func TestConditionalAll(t *testing.T) {
	all := ExpandContext{Variables: map[string]VariableValue{"fieldVal": {All: true, Values: []string{"val1", "val2"}}}}
	got, err := applyConditionalAll("select stuff from table where $__conditionalAll(fieldVal in ($fieldVal), $fieldVal);", all)
	if want := "select stuff from table where 1=1;"; err != nil || got != want {
		t.Errorf("All selected: got %q, %v; want %q", got, err, want)
	}

	some := ExpandContext{
		Variables:   map[string]VariableValue{"fieldVal": {Values: []string{"val1", "val2"}}, "fieldVal2": {Values: []string{"val1"}}},
		Definitions: []Variable{{Name: "fieldVal", Multi: true}, {Name: "fieldVal2", Multi: true}},
	}
	got, err = applyConditionalAll("select stuff from table where $__conditionalAll(fieldVal in ($fieldVal), $fieldVal);", some)
	if want := "select stuff from table where fieldVal in ($fieldVal);"; err != nil || got != want {
		t.Errorf("values selected: got %q, %v; want %q", got, err, want)
	}
	got, err = applyConditionalAll("select stuff from table where $__conditionalAll(fieldVal in ($fieldVal), $fieldVal) and $__conditionalAll(fieldVal in ($fieldVal2), $fieldVal2);", some)
	if want := "select stuff from table where fieldVal in ($fieldVal) and fieldVal in ($fieldVal2);"; err != nil || got != want {
		t.Errorf("two macros: got %q, %v; want %q", got, err, want)
	}

	// End to end: the condition keeps the variable, which is then quoted.
	got, err = Expand("WHERE $__conditionalAll(svc IN (${fieldVal}), ${fieldVal})", some)
	if want := "WHERE svc IN ('val1','val2')"; err != nil || got != want {
		t.Errorf("Expand: got %q, %v; want %q", got, err, want)
	}
	got, err = Expand("WHERE $__conditionalAll(svc IN ($fieldVal), $fieldVal)", all)
	if want := "WHERE 1=1"; err != nil || got != want {
		t.Errorf("Expand All: got %q, %v; want %q", got, err, want)
	}
	empty := ExpandContext{Variables: map[string]VariableValue{"v": {}}, Definitions: []Variable{{Name: "v", Multi: true}}}
	if got, _ := applyConditionalAll("$__conditionalAll(a, $v)", empty); got != "1=1" {
		t.Errorf("empty selection: got %q, want 1=1", got)
	}
	if _, err := Expand("$__conditionalAll(a IN ($v))", empty); err == nil {
		t.Error("one argument: want an error")
	}
}

func TestExpandVariables(t *testing.T) {
	ctx := ExpandContext{
		From:     time.UnixMilli(1594671549254).UTC(),
		To:       time.UnixMilli(1594675149254).UTC(),
		Interval: time.Minute,
		Definitions: []Variable{
			{Name: "tenant", Type: "query", Multi: true, IncludeAll: true},
			{Name: "tenantAll", Type: "query", Multi: true, IncludeAll: true, AllValue: ".*"},
			{Name: "slo", Type: "custom"},
			{Name: "window", Type: "constant", Current: VariableValue{Values: []string{"30d"}}},
		},
		Variables: map[string]VariableValue{
			"tenant":    {Values: []string{"acme", "o'neil"}},
			"tenantAll": {All: true},
			"slo":       {Values: []string{"checkout"}},
		},
	}
	tests := []struct{ in, want string }{
		{"tenant IN ($tenant)", `tenant IN ('acme','o'neil')`}, // the plugin does not escape
		{"tenant IN (${tenant})", `tenant IN ('acme','o'neil')`},
		{"tenant IN ([[tenant]])", `tenant IN ('acme','o'neil')`},
		{"${tenant:csv}", "acme,o'neil"},
		{"${tenant:singlequote}", `'acme','o\'neil'`},
		{"${tenant:sqlstring}", `'acme','o''neil'`},
		{"${tenant:doublequote}", `"acme","o'neil"`},
		{"${tenant:pipe}", "acme|o'neil"},
		{"[[tenant:csv]]", "acme,o'neil"},
		{"slo = '$slo'", "slo = 'checkout'"}, // single values are not quoted
		{"${slo:singlequote}", "'checkout'"},
		{"match(t, '${tenantAll}')", "match(t, '.*')"}, // custom all value, unformatted
		{"'$window'", "'30d'"},                         // saved current value
		{"$__from $__to", "1594671549254 1594675149254"},
		{"${__from:date:seconds} ${__to:date}", "1594671549 2020-07-13T21:19:09.254Z"},
		{"${__from:date:iso}", "2020-07-13T20:19:09.254Z"},
		{"INTERVAL $__interval_ms millisecond, '$__interval'", "INTERVAL 60000 millisecond, '1m'"},
		{"$__timeInterval_ms(ts)", "toStartOfInterval(toDateTime64(ts, 3), INTERVAL 60000 millisecond)"},
		{"match(x, '^a$')", "match(x, '^a$')"},
	}
	for _, tt := range tests {
		got, err := Expand(tt.in, ctx)
		if err != nil {
			t.Errorf("Expand(%q): %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("Expand(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}

	allOptions := ctx
	allOptions.Variables = map[string]VariableValue{"tenant": {All: true, Values: []string{"a", "b", "c"}}}
	if got, err := Expand("IN ($tenant)", allOptions); err != nil || got != "IN ('a','b','c')" {
		t.Errorf("All without allValue: got %q, %v", got, err)
	}
	allOptions.Variables = map[string]VariableValue{"tenant": {All: true}}
	if _, err := Expand("IN ($tenant)", allOptions); err == nil {
		t.Error("All without allValue and without option values: want an error")
	}
}

func TestExpandRejectsWhatClickHouseWouldReceiveVerbatim(t *testing.T) {
	ctx := pluginRange(t)
	ctx.Definitions = []Variable{{Name: "tenant", Current: VariableValue{Values: []string{"a"}}}}
	tests := []struct{ in, wantInErr string }{
		{"WHERE t = $tenatn", "$tenatn"},
		{"WHERE ${missing}", "${missing}"},
		{"WHERE $__timeFiltr(ts)", "$__timeFiltr"},
		{"WHERE $__timeFilter(ts", "missing closing parenthesis"},
		{"WHERE $__timeFilter", "expected 1, received 0"},
		{"WHERE $__dateTimeFilter(d)", "expected 2, received 1"},
		{"INTERVAL $__range_s second", "$__range_s"},
		{"$__table", "$__table"},
		{"${__from:date:YYYY}", "custom date layouts"},
		{"${tenant:lucene}", "not supported"},
	}
	for _, tt := range tests {
		_, err := Expand(tt.in, ctx)
		if err == nil || !strings.Contains(err.Error(), tt.wantInErr) {
			t.Errorf("Expand(%q) error = %v, want it to mention %q", tt.in, err, tt.wantInErr)
		}
	}
}

func TestJSReplacement(t *testing.T) {
	if got := jsReplacement("a $$ b $& $x", "M", "B", "A"); got != "a $ b M $x" {
		t.Errorf("got %q", got)
	}
}
