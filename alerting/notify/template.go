package notify

import (
	"bytes"
	_ "embed"
	"fmt"
	htmltemplate "html/template"
	"regexp"
	"sort"
	"strings"
	"text/template"
	"time"
	"unicode"

	"github.com/prometheus/common/model"

	"github.com/slopipe/slopipe/alerting"
)

// Data is what notification templates see, shaped as Alertmanager's
// template data so templates written for Alertmanager keep working. It is
// also the body of the webhook payload.
type Data struct {
	Receiver          string `json:"receiver"`
	Status            string `json:"status"` // "firing" or "resolved"
	Alerts            Alerts `json:"alerts"`
	GroupLabels       KV     `json:"groupLabels"`
	CommonLabels      KV     `json:"commonLabels"`
	CommonAnnotations KV     `json:"commonAnnotations"`
	ExternalURL       string `json:"externalURL"`
}

// Alert is one alert as templates and webhooks see it.
type Alert struct {
	Status       string    `json:"status"`
	Labels       KV        `json:"labels"`
	Annotations  KV        `json:"annotations"`
	StartsAt     time.Time `json:"startsAt"`
	EndsAt       time.Time `json:"endsAt"` // zero while firing, as Alertmanager sends it
	GeneratorURL string    `json:"generatorURL"`
	Fingerprint  string    `json:"fingerprint"`
}

// Alerts is a list of alerts; templates filter it with .Firing and .Resolved.
type Alerts []Alert

// Firing are the alerts still firing.
func (as Alerts) Firing() Alerts { return as.with(string(model.AlertFiring)) }

// Resolved are the alerts that have stopped.
func (as Alerts) Resolved() Alerts { return as.with(string(model.AlertResolved)) }

func (as Alerts) with(status string) Alerts {
	out := Alerts{}
	for _, a := range as {
		if a.Status == status {
			out = append(out, a)
		}
	}
	return out
}

// KV is a label or annotation set as templates see it.
type KV map[string]string

// Pair is one name and value of a KV.
type Pair struct{ Name, Value string }

// Pairs is a KV in order.
type Pairs []Pair

// Strings is a list of strings with a Join for templates.
type Strings []string

// Join is strings.Join, for {{ .GroupLabels.Values.Join "," }}.
func (s Strings) Join(sep string) string { return strings.Join(s, sep) }

// SortedPairs lists the set by name, alertname first.
func (kv KV) SortedPairs() Pairs {
	names := make([]string, 0, len(kv))
	for k := range kv {
		names = append(names, k)
	}
	sort.Slice(names, func(i, j int) bool {
		if (names[i] == model.AlertNameLabel) != (names[j] == model.AlertNameLabel) {
			return names[i] == model.AlertNameLabel
		}
		return names[i] < names[j]
	})
	out := make(Pairs, 0, len(names))
	for _, k := range names {
		out = append(out, Pair{Name: k, Value: kv[k]})
	}
	return out
}

// Names are the set's names in SortedPairs order.
func (kv KV) Names() Strings { return kv.SortedPairs().Names() }

// Values are the set's values in SortedPairs order.
func (kv KV) Values() Strings { return kv.SortedPairs().Values() }

// Remove is a copy of the set without the given names.
func (kv KV) Remove(names []string) KV {
	out := KV{}
	for k, v := range kv {
		out[k] = v
	}
	for _, k := range names {
		delete(out, k)
	}
	return out
}

func (kv KV) String() string { return kv.SortedPairs().String() }

// Names are the pairs' names.
func (ps Pairs) Names() Strings {
	out := make(Strings, 0, len(ps))
	for _, p := range ps {
		out = append(out, p.Name)
	}
	return out
}

// Values are the pairs' values.
func (ps Pairs) Values() Strings {
	out := make(Strings, 0, len(ps))
	for _, p := range ps {
		out = append(out, p.Value)
	}
	return out
}

func (ps Pairs) String() string {
	parts := make([]string, 0, len(ps))
	for _, p := range ps {
		parts = append(parts, p.Name+"="+p.Value)
	}
	return strings.Join(parts, ", ")
}

// NewData is the template data of a notification.
func NewData(n *alerting.Notification) *Data {
	d := &Data{
		Receiver:          n.Receiver,
		Status:            n.Status(),
		Alerts:            make(Alerts, 0, len(n.Alerts)),
		GroupLabels:       kvOf(n.GroupLabels),
		CommonLabels:      kvOf(n.CommonLabels()),
		CommonAnnotations: kvOf(n.CommonAnnotations()),
		ExternalURL:       n.ExternalURL,
	}
	for _, a := range n.Alerts {
		ta := Alert{
			Status:       string(model.AlertFiring),
			Labels:       kvOf(a.Labels),
			Annotations:  kvOf(a.Annotations),
			StartsAt:     a.StartsAt,
			GeneratorURL: a.GeneratorURL,
			Fingerprint:  a.Fingerprint().String(),
		}
		if a.Resolved(n.Now) {
			ta.Status = string(model.AlertResolved)
			ta.EndsAt = a.EndsAt
		}
		d.Alerts = append(d.Alerts, ta)
	}
	return d
}

func kvOf(ls model.LabelSet) KV {
	out := make(KV, len(ls))
	for k, v := range ls {
		out[string(k)] = string(v)
	}
	return out
}

// BurnSummary says how fast the group's error budget burns and how much of
// it is left, from the annotations its alerts share: "burning 15.2× (1h/5m),
// 63.2% budget left". Once resolved only the budget is told: the burn rate
// it fired on is history. Empty when the alerts don't share them.
func (d *Data) BurnSummary() string {
	ann := d.CommonAnnotations
	var parts []string
	if d.Status == string(model.AlertFiring) {
		if rate := burnRateOf(ann["burn_rates"], ann["burn_window"]); rate != "" {
			s := "burning " + rate + "×"
			if w := ann["burn_window"]; w != "" {
				s += " (" + w + ")"
			}
			parts = append(parts, s)
		} else if r := ann["burn_rates"]; r != "" {
			parts = append(parts, "burn rates "+r)
		}
	}
	if b := ann["budget_remaining"]; b != "" {
		parts = append(parts, b+" budget left")
	}
	return strings.Join(parts, ", ")
}

// burnRateOf picks the burn rate of the pair's long window: with rates
// "5m=20.1 1h=15.2" and the pair "1h/5m", "15.2". A page fires when both
// windows burn too fast; the long window is the one that says how bad.
func burnRateOf(rates, pair string) string {
	long, _, _ := strings.Cut(pair, "/")
	if long == "" {
		return ""
	}
	for _, f := range strings.Fields(rates) {
		if w, v, ok := strings.Cut(f, "="); ok && w == long {
			return v
		}
	}
	return ""
}

//go:embed default.tmpl
var defaultTemplates string

var funcs = template.FuncMap{
	"toUpper":   strings.ToUpper,
	"toLower":   strings.ToLower,
	"title":     titleCase,
	"trimSpace": strings.TrimSpace,
	// join takes the separator first so it pipes: {{ .X | join ", " }}.
	"join":  func(sep string, s []string) string { return strings.Join(s, sep) },
	"match": regexp.MatchString,
	// safeHtml only marks text as HTML; it matters in HTML templates, which
	// slopipe's integrations don't use, and is here so such text parses.
	"safeHtml": func(s string) htmltemplate.HTML { return htmltemplate.HTML(s) },
	"reReplaceAll": func(pattern, repl, text string) (string, error) {
		re, err := regexp.Compile(pattern)
		if err != nil {
			return "", err
		}
		return re.ReplaceAllString(text, repl), nil
	},
	"stringSlice": func(s ...string) []string { return s },
}

// titleCase upper-cases the first letter of each word and lower-cases the
// rest, as Alertmanager's title does.
func titleCase(s string) string {
	var b strings.Builder
	start := true
	for _, r := range s {
		switch {
		case !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\'':
			start = true
			b.WriteRune(r)
		case start:
			b.WriteRune(unicode.ToTitle(r))
			start = false
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// templates are the named templates configuration fields may call:
// slopipe's definitions in default.tmpl. A configuration's own template
// files are not read (amconfig refuses `templates:`).
type templates struct{ base *template.Template }

var builtin = &templates{
	base: template.Must(template.New("default.tmpl").Option("missingkey=zero").Funcs(funcs).Parse(defaultTemplates)),
}

// ExecuteTemplate renders text, a configuration field's template, against
// data, as the integrations do: with Alertmanager's functions and
// slopipe's named templates ("slack.default.text", …). Empty text renders
// empty.
func ExecuteTemplate(text string, data *Data) (string, error) { return builtin.execute(text, data) }

func (t *templates) execute(text string, data *Data) (out string, err error) {
	if text == "" {
		return "", nil
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("template panicked: %v", r)
		}
	}()
	tmpl, err := t.base.Clone()
	if err != nil {
		return "", err
	}
	tmpl, err = tmpl.New("").Parse(text)
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, data); err != nil {
		return "", err
	}
	return buf.String(), nil
}

// renderer executes a notification's templates field by field and keeps
// the first error with the field's name, so a builder reads straight:
// r.text("title", cfg.Title) … then one check of r.err.
type renderer struct {
	data   *Data
	prefix string // the config's path, e.g. slack_configs[0]
	err    error
}

func (r *renderer) text(field, text string) string {
	if r.err != nil {
		return ""
	}
	out, err := builtin.execute(text, r.data)
	if err != nil {
		r.err = fmt.Errorf("%s.%s: template: %w", r.prefix, field, err)
	}
	return out
}

// or renders text, or the fallback template when text is empty (the
// field's default, as Alertmanager's config defaults would set it).
func (r *renderer) or(field, text, fallback string) string {
	if text == "" {
		text = fallback
	}
	return r.text(field, text)
}
