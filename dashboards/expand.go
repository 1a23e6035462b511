package dashboards

// Expansion reproduces, in order, what turns a panel's rawSql into the
// statement ClickHouse receives:
//
//  1. Plugin frontend, Datasource.applyTemplateVariables and
//     applyConditionalAll in grafana/clickhouse-datasource
//     src/data/CHDatasource.ts (tests: src/data/CHDatasource.test.ts,
//     "Conditional All"). $__conditionalAll(cond, $var) becomes 1=1 when the
//     variable's value is All ("$__all") or empty, otherwise cond verbatim.
//  2. Grafana's template service with the plugin's format function
//     (CHDatasource.ts format: arrays become 'a','b' without escaping, single
//     values are inserted as they are). Sources: grafana/grafana
//     public/app/features/templating/template_srv.ts (All and allValue,
//     unknown names left untouched, __from/__to as epoch milliseconds),
//     public/app/features/variables/utils.ts variableRegex, and the explicit
//     formats in grafana/scenes
//     packages/scenes/src/variables/interpolation/formatRegistry.ts.
//     $__interval and $__interval_ms come from the request's scoped
//     variables; $__range* are only provided to Prometheus and Loki.
//  3. Plugin backend macros, grafana/clickhouse-datasource
//     pkg/macros/macros.go (tests: pkg/macros/macros_test.go), applied by
//     sqlutil.Interpolate in grafana/grafana-plugin-sdk-go
//     data/sqlutil/macros.go: macro names are matched with `\$__name\b`,
//     longest name first; arguments only when "(" follows the name
//     directly, split on top-level commas and trimmed; every identical
//     occurrence is replaced at once. The SDK's defaults (timeFrom, timeTo)
//     fill in where the plugin defines none.
//
// Anything that still looks like a variable or macro after the three stages
// would reach ClickHouse verbatim and fail there, so Expand reports it.

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// ExpandContext is what Grafana knows when it runs a panel's queries.
type ExpandContext struct {
	From, To time.Time
	// Interval is the panel interval (request intervalMs), see PanelInterval.
	Interval time.Duration
	// Variables selects variable values by name; a variable missing here
	// uses its definition's Current value.
	Variables map[string]VariableValue
	// Definitions are the dashboard's variables (Dashboard.Variables), which
	// say whether a variable is multi-value and what its custom all value is.
	Definitions []Variable
}

// allValue is the value Grafana stores for a selected All option.
const allValue = "$__all"

// Expand returns sql as the ClickHouse data source sends it to ClickHouse.
// An unknown macro or variable, or a macro with the wrong number of
// arguments, is an error that names it.
func Expand(sql string, ctx ExpandContext) (string, error) {
	out, err := applyConditionalAll(sql, ctx)
	if err != nil {
		return "", err
	}
	if out, err = interpolateVariables(out, ctx, formatClickHouse, true); err != nil {
		return "", err
	}
	if out, err = expandMacros(out, ctx); err != nil {
		return "", err
	}
	if m := variablePattern.FindStringSubmatch(out); m != nil {
		name := firstNonEmpty(m[1], m[2], m[4])
		if strings.HasPrefix(name, "__") {
			return "", fmt.Errorf("unknown macro or built-in variable %s", m[0])
		}
		return "", fmt.Errorf("unknown variable %s", m[0])
	}
	return out, nil
}

// ---- stage 1: $__conditionalAll (plugin frontend) ----

const conditionalAll = "$__conditionalAll("

// conditionalVarPattern finds the variable in the second argument, as
// /(?<=\$\{)[\w\d]+(?=\})|(?<=\$)[\w\d]+/ does in CHDatasource.ts.
var conditionalVarPattern = regexp.MustCompile(`\$\{(\w+)\}|\$(\w+)`)

func applyConditionalAll(sql string, ctx ExpandContext) (string, error) {
	idx := strings.LastIndex(sql, conditionalAll)
	for idx != -1 {
		params := macroArgs(sql[idx+len(conditionalAll)-1:])
		if len(params) != 2 {
			// The plugin gives up and sends the macro to ClickHouse.
			return "", fmt.Errorf("$__conditionalAll at offset %d: want 2 arguments (condition, $variable), got %d", idx, len(params))
		}
		phrase := params[0]
		if m := conditionalVarPattern.FindStringSubmatch(strings.TrimSpace(params[1])); m != nil {
			name := firstNonEmpty(m[1], m[2])
			if value, ok := ctx.jsValueString(name); ok && (value == "" || value == allValue) {
				phrase = "1=1"
			}
		}
		call := conditionalAll + params[0] + "," + params[1] + ")"
		at := strings.Index(sql, call)
		sql = sql[:at] + jsReplacement(phrase, call, sql[:at], sql[at+len(call):]) + sql[at+len(call):]
		idx = strings.LastIndex(sql, conditionalAll)
	}
	return sql, nil
}

// macroArgs splits the argument list starting at the "(" that opens s, as
// getMacroArgs in CHDatasource.ts: commas split at depth 1 only, quotes are
// not special, arguments are not trimmed. An unclosed list yields none.
func macroArgs(s string) []string {
	args, _ := bracketArgs(s)
	return args
}

// bracketArgs splits the bracketed list that opens s at its depth-1 commas,
// untrimmed, and returns where the list ends; an unclosed list gives
// (nil, -1).
func bracketArgs(s string) (args []string, end int) {
	depth, start := 0, 1
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return append(args, s[start:i]), i + 1
			}
		case ',':
			if depth == 1 {
				args = append(args, s[start:i])
				start = i + 1
			}
		}
	}
	return nil, -1
}

// jsReplacement applies the $-patterns JavaScript's String.replace honours in
// a replacement string, since the plugin passes the condition as one.
func jsReplacement(repl, matched, before, after string) string {
	if !strings.Contains(repl, "$") {
		return repl
	}
	var b strings.Builder
	for i := 0; i < len(repl); i++ {
		if repl[i] != '$' || i+1 == len(repl) {
			b.WriteByte(repl[i])
			continue
		}
		switch repl[i+1] {
		case '$':
			b.WriteByte('$')
		case '&':
			b.WriteString(matched)
		case '`':
			b.WriteString(before)
		case '\'':
			b.WriteString(after)
		default:
			b.WriteByte('$')
			continue
		}
		i++
	}
	return b.String()
}

// jsValueString is String(variable.current.value) as the plugin compares it:
// "$__all" for All, values joined by commas otherwise.
func (ctx ExpandContext) jsValueString(name string) (string, bool) {
	def, defined := ctx.definition(name)
	value, selected := ctx.Variables[name]
	if !selected {
		if !defined {
			return "", false
		}
		value = def.Current
	}
	if value.All {
		return allValue, true
	}
	return strings.Join(value.Values, ","), true
}

func (ctx ExpandContext) definition(name string) (Variable, bool) {
	for _, v := range ctx.Definitions {
		if v.Name == name {
			return v, true
		}
	}
	return Variable{}, false
}

// ---- stage 2: template variables (Grafana frontend) ----

// variablePattern is Grafana's variableRegex: $var, [[var]] or [[var:fmt]],
// ${var}, ${var.field} or ${var:fmt}.
var variablePattern = regexp.MustCompile(`\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?:\.([^:^\}]+))?(?::([^\}]+))?\}`)

// formatClickHouse stands for the plugin's format function, used when a
// reference names no format.
const formatClickHouse = "\x00clickhouse"

// varValue is a variable's value as JavaScript sees it: a list for multi-value
// variables and All, a single string otherwise.
type varValue struct {
	list   []string
	isList bool
}

func (v varValue) String() string {
	if v.isList {
		return strings.Join(v.list, ",")
	}
	return v.list[0]
}

func interpolateVariables(sql string, ctx ExpandContext, defaultFormat string, withScoped bool) (string, error) {
	var firstErr error
	var b strings.Builder
	last := 0
	for _, loc := range variablePattern.FindAllStringSubmatchIndex(sql, -1) {
		group := func(n int) string {
			if loc[2*n] < 0 {
				return ""
			}
			return sql[loc[2*n]:loc[2*n+1]]
		}
		match := sql[loc[0]:loc[1]]
		name := firstNonEmpty(group(1), group(2), group(4))
		format := firstNonEmpty(group(3), group(6), defaultFormat)
		b.WriteString(sql[last:loc[0]])
		last = loc[1]
		replaced, err := ctx.evaluate(match, name, group(5), format, withScoped)
		if err != nil && firstErr == nil {
			firstErr = err
		}
		b.WriteString(replaced)
	}
	b.WriteString(sql[last:])
	return b.String(), firstErr
}

// evaluate follows TemplateSrv._evaluateVariableExpression.
func (ctx ExpandContext) evaluate(match, name, fieldPath, format string, withScoped bool) (string, error) {
	if fieldPath != "" {
		return match, fmt.Errorf("%s: field paths are not supported", match)
	}
	if withScoped {
		switch name {
		case "__interval":
			return formatValue(varValue{list: []string{IntervalText(ctx.Interval)}}, format, match)
		case "__interval_ms":
			return formatValue(varValue{list: []string{strconv.FormatInt(ctx.Interval.Milliseconds(), 10)}}, format, match)
		}
	}
	def, defined := ctx.definition(name)
	value, selected := ctx.Variables[name]
	if !defined && !selected {
		switch name {
		case "__from":
			return formatValue(varValue{list: []string{strconv.FormatInt(ctx.From.UnixMilli(), 10)}}, format, match)
		case "__to":
			return formatValue(varValue{list: []string{strconv.FormatInt(ctx.To.UnixMilli(), 10)}}, format, match)
		case "__range", "__range_s", "__range_ms":
			return match, fmt.Errorf("%s: Grafana provides it to Prometheus and Loki only, ClickHouse would receive it verbatim", match)
		}
		// Grafana leaves unknown names alone; backend macros are among them.
		return match, nil
	}
	if !selected {
		value = def.Current
	}
	if value.All {
		if def.AllValue != "" && format != "text" && format != "percentencode" {
			// Custom all values skip formatting; variables inside them are
			// interpolated with the default (glob) format.
			return interpolateVariables(def.AllValue, ctx, "glob", false)
		}
		if len(value.Values) == 0 {
			return match, fmt.Errorf("variable %q: All is selected but no option values are given", name)
		}
		return formatValue(varValue{list: value.Values, isList: true}, format, match)
	}
	multi := def.Multi || (!defined && len(value.Values) != 1)
	if multi {
		return formatValue(varValue{list: value.Values, isList: true}, format, match)
	}
	if len(value.Values) != 1 {
		return match, fmt.Errorf("variable %q is single-value but has %d values", name, len(value.Values))
	}
	return formatValue(varValue{list: value.Values}, format, match)
}

// formatValue applies a variable format (formatRegistry.ts), or the plugin's
// format function for formatClickHouse.
func formatValue(v varValue, format, match string) (string, error) {
	name, args, _ := strings.Cut(format, ":")
	each := func(quote func(string) string) string {
		quoted := make([]string, len(v.list))
		for i, s := range v.list {
			quoted[i] = quote(s)
		}
		return strings.Join(quoted, ",")
	}
	switch name {
	case formatClickHouse:
		if v.isList {
			return "'" + strings.Join(v.list, "','") + "'", nil
		}
		return v.list[0], nil
	case "glob":
		if v.isList && len(v.list) > 1 {
			return "{" + strings.Join(v.list, ",") + "}", nil
		}
		return v.String(), nil
	case "raw", "csv":
		return v.String(), nil
	case "pipe":
		return strings.Join(v.list, "|"), nil
	case "join":
		sep := ","
		if args != "" {
			sep = args
		}
		if !v.isList {
			return v.String(), nil
		}
		return strings.Join(v.list, sep), nil
	case "singlequote":
		return each(func(s string) string { return "'" + strings.ReplaceAll(s, "'", `\'`) + "'" }), nil
	case "doublequote":
		return each(func(s string) string { return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"` }), nil
	case "sqlstring":
		return each(func(s string) string {
			return "'" + strings.NewReplacer("'", "''", `"`, `\"`).Replace(s) + "'"
		}), nil
	case "json":
		if !v.isList {
			return v.list[0], nil
		}
		b, err := json.Marshal(v.list)
		return string(b), err
	case "date":
		return formatDate(v, args, match)
	}
	return match, fmt.Errorf("%s: format %q is not supported", match, format)
}

// formatDate is the date format for epoch-millisecond values ($__from, $__to).
func formatDate(v varValue, arg, match string) (string, error) {
	ms, err := strconv.ParseInt(v.String(), 10, 64)
	if err != nil {
		return match, fmt.Errorf("%s: date format needs epoch milliseconds, got %q", match, v.String())
	}
	switch arg {
	case "ms":
		return v.String(), nil
	case "seconds":
		return strconv.FormatInt(int64(math.Round(float64(ms)/1000)), 10), nil
	case "", "iso":
		return time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z"), nil
	}
	return match, fmt.Errorf("%s: custom date layouts use the browser's time zone and are not supported", match)
}

// ---- stage 3: macros (plugin backend) ----

type macroFunc func(ctx ExpandContext, args []string) (string, error)

var macros = map[string]macroFunc{
	"fromTime":        func(c ExpandContext, _ []string) (string, error) { return toDateTime(c.From), nil },
	"toTime":          func(c ExpandContext, _ []string) (string, error) { return toDateTime(c.To), nil },
	"fromTime_ms":     func(c ExpandContext, _ []string) (string, error) { return toDateTime64(c.From), nil },
	"toTime_ms":       func(c ExpandContext, _ []string) (string, error) { return toDateTime64(c.To), nil },
	"timeFilter":      rangeFilter(toDateTime),
	"timeFilter_ms":   rangeFilter(toDateTime64),
	"dateFilter":      rangeFilter(toDate),
	"dateTimeFilter":  dateTimeFilter,
	"dt":              dateTimeFilter,
	"timeInterval":    timeInterval,
	"timeInterval_ms": timeIntervalMs,
	"interval_s":      func(c ExpandContext, _ []string) (string, error) { return strconv.Itoa(intervalSeconds(c)), nil },
	// grafana-plugin-sdk-go sqlutil.DefaultMacros the plugin does not override.
	"timeFrom": func(c ExpandContext, args []string) (string, error) {
		if err := wantArgs(args, 1); err != nil {
			return "", err
		}
		return fmt.Sprintf("%s >= '%s'", args[0], c.From.UTC().Format(time.RFC3339)), nil
	},
	"timeTo": func(c ExpandContext, args []string) (string, error) {
		if err := wantArgs(args, 1); err != nil {
			return "", err
		}
		return fmt.Sprintf("%s <= '%s'", args[0], c.To.UTC().Format(time.RFC3339)), nil
	},
	"interval": func(c ExpandContext, _ []string) (string, error) { return IntervalText(c.Interval), nil },
	"interval_ms": func(c ExpandContext, _ []string) (string, error) {
		return strconv.FormatInt(c.Interval.Milliseconds(), 10), nil
	},
	"timeGroup": unusable("it expands to SQL Server's datepart, use $__timeInterval"),
	"table":     unusable("it expands to an empty string for this data source"),
	"column":    unusable("it expands to an empty string for this data source"),
}

// macroNames are the macro names longest first, the order sqlutil applies
// them in so that a name that prefixes another cannot steal its match.
var macroNames = func() []string {
	names := make([]string, 0, len(macros))
	for name := range macros {
		names = append(names, name)
	}
	sort.Slice(names, func(i, j int) bool {
		if len(names[i]) != len(names[j]) {
			return len(names[i]) > len(names[j])
		}
		return names[i] < names[j]
	})
	return names
}()

var macroPatterns = func() map[string]*regexp.Regexp {
	patterns := make(map[string]*regexp.Regexp, len(macros))
	for name := range macros {
		patterns[name] = regexp.MustCompile(`\$__` + name + `\b`)
	}
	return patterns
}()

func expandMacros(sql string, ctx ExpandContext) (string, error) {
	for _, name := range macroNames {
		type call struct {
			full string
			args []string
		}
		var calls []call
		for _, loc := range macroPatterns[name].FindAllStringIndex(sql, -1) {
			args, length := sqlutilArgs(sql[loc[1]:])
			if length < 0 {
				return "", fmt.Errorf("$__%s at offset %d: missing closing parenthesis", name, loc[0])
			}
			calls = append(calls, call{full: sql[loc[0] : loc[1]+length], args: args})
		}
		for _, c := range calls {
			res, err := macros[name](ctx, c.args)
			if err != nil {
				return "", fmt.Errorf("%s: %w", c.full, err)
			}
			sql = strings.ReplaceAll(sql, c.full, res)
		}
	}
	return sql, nil
}

// sqlutilArgs is parseArgs in sqlutil/macros.go: the bracketed list that
// starts s, split at depth-1 commas and trimmed, and its length; no list
// gives (nil, 0), an unclosed one a negative length.
func sqlutilArgs(s string) ([]string, int) {
	if !strings.HasPrefix(s, "(") {
		return nil, 0
	}
	args, end := bracketArgs(s)
	for i := range args {
		args[i] = strings.TrimSpace(args[i])
	}
	return args, end
}

var errArgumentCount = errors.New("unexpected number of arguments")

func wantArgs(args []string, n int) error {
	if len(args) != n {
		return fmt.Errorf("%w: expected %d, received %d", errArgumentCount, n, len(args))
	}
	return nil
}

func unusable(why string) macroFunc {
	return func(ExpandContext, []string) (string, error) {
		return "", fmt.Errorf("macro not usable with ClickHouse: %s", why)
	}
}

func toDate(t time.Time) string { return fmt.Sprintf("toDate('%s')", t.UTC().Format("2006-01-02")) }

func toDateTime(t time.Time) string { return fmt.Sprintf("toDateTime(%d)", t.Unix()) }

func toDateTime64(t time.Time) string {
	return fmt.Sprintf("fromUnixTimestamp64Milli(%d)", t.UnixMilli())
}

func rangeFilter(literal func(time.Time) string) macroFunc {
	return func(c ExpandContext, args []string) (string, error) {
		if err := wantArgs(args, 1); err != nil {
			return "", err
		}
		col := args[0]
		return fmt.Sprintf("%s >= %s AND %s <= %s", col, literal(c.From), col, literal(c.To)), nil
	}
}

func dateTimeFilter(c ExpandContext, args []string) (string, error) {
	if err := wantArgs(args, 2); err != nil {
		return "", err
	}
	d, t := args[0], args[1]
	return fmt.Sprintf("(%s >= %s AND %s <= %s) AND (%s >= %s AND %s <= %s)",
		d, toDate(c.From), d, toDate(c.To), t, toDateTime(c.From), t, toDateTime(c.To)), nil
}

// intervalSeconds is int(math.Max(Interval.Seconds(), 1)): truncated, at
// least one second.
func intervalSeconds(c ExpandContext) int {
	return int(math.Max(c.Interval.Seconds(), 1))
}

func timeInterval(c ExpandContext, args []string) (string, error) {
	if err := wantArgs(args, 1); err != nil {
		return "", err
	}
	return fmt.Sprintf("toStartOfInterval(toDateTime(%s), INTERVAL %d second)", args[0], intervalSeconds(c)), nil
}

func timeIntervalMs(c ExpandContext, args []string) (string, error) {
	if err := wantArgs(args, 1); err != nil {
		return "", err
	}
	ms := int(math.Max(float64(c.Interval.Milliseconds()), 1))
	return fmt.Sprintf("toStartOfInterval(toDateTime64(%s, 3), INTERVAL %d millisecond)", args[0], ms), nil
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
