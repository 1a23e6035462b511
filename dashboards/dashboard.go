package dashboards

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// DatasourceType is the plugin id of the Grafana ClickHouse data source.
const DatasourceType = "grafana-clickhouse-datasource"

// Query formats of a ClickHouse target, the numeric `format` field. The
// numbers are sqlutil.FormatQueryOption in grafana-plugin-sdk-go
// (data/sqlutil/query.go), which the plugin backend decodes.
const (
	FormatTimeSeries = 0
	FormatTable      = 1
	FormatLogs       = 2
	FormatTraces     = 3
	FormatMulti      = 4
)

// Dashboard is the part of a Grafana dashboard JSON model that decides which
// SQL reaches ClickHouse.
type Dashboard struct {
	UID    string
	Title  string
	Panels []Panel // flattened: panels of collapsed rows follow their row
	// Variables are the dashboard's template variables (templating.list).
	Variables []Variable
	// TimeFrom and TimeTo are the default time range, e.g. "now-6h" and
	// "now"; see Range.
	TimeFrom, TimeTo string
}

// Panel is one visualization; rows are kept as panels of type "row".
type Panel struct {
	ID         int
	Title      string
	Type       string // timeseries, table, stat, gauge, barchart, bargauge, piechart, row, ...
	Datasource Datasource
	// MinInterval is the panel's "Min interval" query option (`interval`),
	// the lower limit of $__interval; empty means none.
	MinInterval string
	// MaxDataPoints is the panel's "Max data points" query option; 0 means
	// Grafana uses the panel width in pixels.
	MaxDataPoints int
	Targets       []Target
	// FieldOverrides are the field names the panel's overrides match by
	// name (fieldConfig.overrides[].matcher byName): columns it expects.
	FieldOverrides []string
}

// Datasource references a data source by plugin type and uid. Older
// dashboards reference it by name, kept in UID.
type Datasource struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

// Target is one query of a panel.
type Target struct {
	RefID      string
	Datasource Datasource // empty when the target uses the panel's
	RawSQL     string     // `rawSql`, the statement before expansion
	// Format is the numeric `format` (FormatTimeSeries, FormatTable, ...).
	Format int
	// QueryType is the plugin v4 `queryType`: table, timeSeries, logs, traces.
	QueryType  string
	EditorType string // sql or builder; builder targets still carry rawSql
	Hide       bool   // hidden targets are never sent
}

// Variable is a dashboard template variable definition.
type Variable struct {
	Name       string
	Type       string // query, custom, constant, datasource, interval, textbox, adhoc, ...
	Query      string // the variable query (SQL for query variables, CSV for custom)
	Multi      bool
	IncludeAll bool
	AllValue   string // custom all value; empty means all option values
	Current    VariableValue
	Options    []string // saved option values, without the All option
}

// VariableValue is the selection of a variable. For All without a custom
// all value, Values must list every option value: Grafana substitutes them.
type VariableValue struct {
	Values []string
	All    bool
}

// PanelQuery is one target together with the panel it belongs to.
type PanelQuery struct {
	Panel  Panel
	Target Target
}

// SQL returns the target's raw SQL.
func (q PanelQuery) SQL() string { return q.Target.RawSQL }

// Datasource returns the data source the target queries: its own, else the
// panel's.
func (q PanelQuery) Datasource() Datasource {
	if q.Target.Datasource != (Datasource{}) {
		return q.Target.Datasource
	}
	return q.Panel.Datasource
}

// Queries lists every target of every panel, in panel order, hidden targets
// included (check Target.Hide).
func (d Dashboard) Queries() []PanelQuery {
	var queries []PanelQuery
	for _, p := range d.Panels {
		for _, t := range p.Targets {
			queries = append(queries, PanelQuery{Panel: p, Target: t})
		}
	}
	return queries
}

// Variable returns the definition of the named variable.
func (d Dashboard) Variable(name string) (Variable, bool) {
	for _, v := range d.Variables {
		if v.Name == name {
			return v, true
		}
	}
	return Variable{}, false
}

// Load reads and parses a dashboard JSON file.
func Load(path string) (Dashboard, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Dashboard{}, err
	}
	d, err := Parse(b)
	if err != nil {
		return Dashboard{}, fmt.Errorf("%s: %w", path, err)
	}
	return d, nil
}

// Parse decodes a dashboard JSON model.
func Parse(b []byte) (Dashboard, error) {
	var raw rawDashboard
	if err := json.Unmarshal(b, &raw); err != nil {
		return Dashboard{}, fmt.Errorf("dashboard: %w", err)
	}
	d := Dashboard{UID: raw.UID, Title: raw.Title, TimeFrom: raw.Time.From, TimeTo: raw.Time.To}
	var err error
	if d.Panels, err = flattenPanels(raw.Panels); err != nil {
		return Dashboard{}, err
	}
	for i, rv := range raw.Templating.List {
		v, err := rv.variable()
		if err != nil {
			return Dashboard{}, fmt.Errorf("templating.list[%d] %q: %w", i, rv.Name, err)
		}
		d.Variables = append(d.Variables, v)
	}
	return d, nil
}

type rawDashboard struct {
	UID        string     `json:"uid"`
	Title      string     `json:"title"`
	Panels     []rawPanel `json:"panels"`
	Templating struct {
		List []rawVariable `json:"list"`
	} `json:"templating"`
	Time struct {
		From string `json:"from"`
		To   string `json:"to"`
	} `json:"time"`
}

type rawPanel struct {
	ID            int             `json:"id"`
	Title         string          `json:"title"`
	Type          string          `json:"type"`
	Datasource    json.RawMessage `json:"datasource"`
	Interval      string          `json:"interval"`
	MaxDataPoints int             `json:"maxDataPoints"`
	Targets       []rawTarget     `json:"targets"`
	Panels        []rawPanel      `json:"panels"` // a collapsed row's panels
	FieldConfig   struct {
		Overrides []struct {
			Matcher struct {
				ID      string          `json:"id"`
				Options json.RawMessage `json:"options"`
			} `json:"matcher"`
		} `json:"overrides"`
	} `json:"fieldConfig"`
}

type rawTarget struct {
	RefID      string          `json:"refId"`
	Datasource json.RawMessage `json:"datasource"`
	RawSQL     string          `json:"rawSql"`
	Format     json.RawMessage `json:"format"`
	QueryType  string          `json:"queryType"`
	EditorType string          `json:"editorType"`
	Hide       bool            `json:"hide"`
}

type rawVariable struct {
	Name       string          `json:"name"`
	Type       string          `json:"type"`
	Query      json.RawMessage `json:"query"`
	Multi      bool            `json:"multi"`
	IncludeAll bool            `json:"includeAll"`
	AllValue   *string         `json:"allValue"`
	Current    struct {
		Value json.RawMessage `json:"value"`
	} `json:"current"`
	Options []struct {
		Value json.RawMessage `json:"value"`
	} `json:"options"`
}

func flattenPanels(raw []rawPanel) ([]Panel, error) {
	var panels []Panel
	for _, rp := range raw {
		p, err := rp.panel()
		if err != nil {
			return nil, err
		}
		panels = append(panels, p)
		nested, err := flattenPanels(rp.Panels)
		if err != nil {
			return nil, err
		}
		panels = append(panels, nested...)
	}
	return panels, nil
}

func (rp rawPanel) panel() (Panel, error) {
	p := Panel{ID: rp.ID, Title: rp.Title, Type: rp.Type, MinInterval: rp.Interval, MaxDataPoints: rp.MaxDataPoints}
	var err error
	if p.Datasource, err = parseDatasource(rp.Datasource); err != nil {
		return Panel{}, fmt.Errorf("panel %d %q: datasource: %w", rp.ID, rp.Title, err)
	}
	for _, o := range rp.FieldConfig.Overrides {
		if o.Matcher.ID != "byName" {
			continue
		}
		var name string
		if err := json.Unmarshal(o.Matcher.Options, &name); err != nil {
			return Panel{}, fmt.Errorf("panel %d %q: fieldConfig.overrides: byName options: %w", rp.ID, rp.Title, err)
		}
		p.FieldOverrides = append(p.FieldOverrides, name)
	}
	for _, rt := range rp.Targets {
		t := Target{RefID: rt.RefID, RawSQL: rt.RawSQL, QueryType: rt.QueryType, EditorType: rt.EditorType, Hide: rt.Hide}
		if t.Datasource, err = parseDatasource(rt.Datasource); err != nil {
			return Panel{}, fmt.Errorf("panel %d %q: target %s: datasource: %w", rp.ID, rp.Title, rt.RefID, err)
		}
		if t.Format, err = parseFormat(rt.Format); err != nil {
			return Panel{}, fmt.Errorf("panel %d %q: target %s: format: %w", rp.ID, rp.Title, rt.RefID, err)
		}
		p.Targets = append(p.Targets, t)
	}
	return p, nil
}

// parseDatasource accepts both the object form and the legacy name string.
func parseDatasource(raw json.RawMessage) (Datasource, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return Datasource{}, nil
	}
	var name string
	if json.Unmarshal(raw, &name) == nil {
		return Datasource{UID: name}, nil
	}
	var ds Datasource
	err := json.Unmarshal(raw, &ds)
	return ds, err
}

// parseFormat accepts the number and the strings the plugin backend accepts
// (grafana-plugin-sdk-go data/sqlutil/query.go FormatQueryOption.UnmarshalJSON).
func parseFormat(raw json.RawMessage) (int, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return FormatTimeSeries, nil
	}
	var n int
	if json.Unmarshal(raw, &n) == nil {
		if n < FormatTimeSeries || n > FormatMulti {
			return 0, fmt.Errorf("%d is not a query format (0-4)", n)
		}
		return n, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return 0, err
	}
	switch s {
	case "", "0", "timeseries", "time_series", "time-series":
		return FormatTimeSeries, nil
	case "1", "table":
		return FormatTable, nil
	case "2", "logs":
		return FormatLogs, nil
	case "3", "traces":
		return FormatTraces, nil
	case "4", "multi":
		return FormatMulti, nil
	}
	return 0, fmt.Errorf("%q is not a query format", s)
}

func (rv rawVariable) variable() (Variable, error) {
	v := Variable{Name: rv.Name, Type: rv.Type, Multi: rv.Multi, IncludeAll: rv.IncludeAll}
	if rv.AllValue != nil {
		v.AllValue = *rv.AllValue
	}
	var err error
	if v.Query, err = parseQuery(rv.Query); err != nil {
		return Variable{}, fmt.Errorf("query: %w", err)
	}
	values, err := parseValues(rv.Current.Value)
	if err != nil {
		return Variable{}, fmt.Errorf("current.value: %w", err)
	}
	if len(values) > 0 && values[0] == allValue {
		v.Current.All = true
		values = nil
	}
	v.Current.Values = values
	for i, o := range rv.Options {
		ov, err := parseValues(o.Value)
		if err != nil {
			return Variable{}, fmt.Errorf("options[%d].value: %w", i, err)
		}
		for _, s := range ov {
			if s != allValue {
				v.Options = append(v.Options, s)
			}
		}
	}
	if v.Current.All && len(v.Options) > 0 {
		v.Current.Values = v.Options
	}
	return v, nil
}

// parseQuery accepts a plain query string or the object form some data
// sources save ({"rawSql": ...} or {"query": ...}).
func parseQuery(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, nil
	}
	var obj struct {
		RawSQL string `json:"rawSql"`
		Query  string `json:"query"`
	}
	if err := json.Unmarshal(raw, &obj); err != nil {
		return "", err
	}
	if obj.RawSQL != "" {
		return obj.RawSQL, nil
	}
	return obj.Query, nil
}

// parseValues accepts a string, a number, a boolean or a list of them.
func parseValues(raw json.RawMessage) ([]string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) == nil {
		var values []string
		for _, item := range list {
			s, err := scalarString(item)
			if err != nil {
				return nil, err
			}
			values = append(values, s)
		}
		return values, nil
	}
	s, err := scalarString(raw)
	if err != nil {
		return nil, err
	}
	return []string{s}, nil
}

func scalarString(raw json.RawMessage) (string, error) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, nil
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String(), nil
	}
	var b bool
	if err := json.Unmarshal(raw, &b); err != nil {
		return "", fmt.Errorf("%s is not a scalar value", raw)
	}
	return fmt.Sprint(b), nil
}

// Range resolves the dashboard's default time range against now. It knows
// the forms dashboards are saved with: "now" and "now-<n><unit>" with unit
// s, m, h, d or w.
func (d Dashboard) Range(now time.Time) (from, to time.Time, err error) {
	if from, err = relativeTime(d.TimeFrom, now); err != nil {
		return time.Time{}, time.Time{}, fmt.Errorf("time.from: %w", err)
	}
	if to, err = relativeTime(d.TimeTo, now); err != nil {
		return time.Time{}, time.Time{}, fmt.Errorf("time.to: %w", err)
	}
	if !from.Before(to) {
		return time.Time{}, time.Time{}, fmt.Errorf("time: from %q is not before to %q", d.TimeFrom, d.TimeTo)
	}
	return from, to, nil
}

func relativeTime(text string, now time.Time) (time.Time, error) {
	if text == "now" {
		return now, nil
	}
	rest, ok := strings.CutPrefix(text, "now-")
	if !ok || len(rest) < 2 {
		return time.Time{}, fmt.Errorf("%q: want now or now-<n><unit>", text)
	}
	n, err := strconv.Atoi(rest[:len(rest)-1])
	if err != nil || n <= 0 {
		return time.Time{}, fmt.Errorf("%q: want now or now-<n><unit>", text)
	}
	unit := map[byte]time.Duration{'s': time.Second, 'm': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour, 'w': 7 * 24 * time.Hour}[rest[len(rest)-1]]
	if unit == 0 {
		return time.Time{}, fmt.Errorf("%q: unit must be s, m, h, d or w", text)
	}
	return now.Add(-time.Duration(n) * unit), nil
}
