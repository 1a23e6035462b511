package slo

import (
	"fmt"
	"strings"
	"time"
)

// SLO is one service level objective as slopipe evaluates it, whichever
// format it was written in.
type SLO struct {
	Name        string
	Service     string
	Description string
	Labels      map[string]string

	Objective       float64 // target ratio, in (0, 1)
	Method          Method
	TimesliceLength time.Duration
	TimesliceTarget float64
	Window          Window

	Indicator Indicator
	Alerting  Alerting

	File string // where it was read from
}

// Spec is the part of the SLO the math needs.
func (s *SLO) Spec() Spec {
	return Spec{Objective: s.Objective, Method: s.Method, Window: s.Window,
		TimesliceLength: s.TimesliceLength, TimesliceTarget: s.TimesliceTarget}
}

// Indicator is where an SLO's good and total events come from: PromQL over
// the metrics slopipe stores (events, or samples against a threshold), or
// slopipe's own span and log sources.
type Indicator struct {
	// PromQL. Sloth's queries hold {{.window}}; OpenSLO's ratioMetric
	// queries with counter: true select counters the engine takes the
	// increase of. Exactly one of ErrorQuery and GoodQuery goes with
	// TotalQuery; ErrorRatioQuery stands alone (Sloth's sli.raw).
	ErrorQuery, GoodQuery, TotalQuery string
	ErrorRatioQuery                   string
	// Counter says the OpenSLO queries select counters (ratioMetric.counter).
	Counter bool
	// ThresholdQuery is an OpenSLO thresholdMetric's PromQL, a plain
	// selector of gauge samples: each sample is an event, good when its
	// value ThresholdOp ThresholdValue holds. Op (lt, lte, gt or gte) and
	// value are the objective's, so each objective's SLO has its own.
	ThresholdQuery string
	ThresholdOp    string
	ThresholdValue float64

	Spans *SpanSource
	Logs  *LogSource
}

// SpanSource counts spans: those matching the filter are the total, and
// those passing every Good check are good.
type SpanSource struct {
	Service    string            `yaml:"service"`
	SpanName   string            `yaml:"spanName"`
	Route      string            `yaml:"httpRoute"`
	Kind       string            `yaml:"kind"`
	Attributes map[string]string `yaml:"attributes"`
	Good       SpanGood          `yaml:"good"`
}

// SpanGood is what makes a span good.
type SpanGood struct {
	// NotError: the span's status is not ERROR.
	NotError bool `yaml:"notError"`
	// HTTPStatusClasses: http.response.status_code (or the older
	// http.status_code) is in one of these classes, e.g. ["2xx", "3xx"].
	HTTPStatusClasses []string `yaml:"httpStatusClasses"`
	// MaxDuration: the span took at most this long (a latency SLI).
	MaxDuration Duration `yaml:"maxDuration"`
}

// LogSource counts log records: those matching the filter are the total,
// and those passing Good are good.
type LogSource struct {
	Service    string            `yaml:"service"`
	Attributes map[string]string `yaml:"attributes"`
	Good       LogGood           `yaml:"good"`
}

// LogGood is what makes a log record good.
type LogGood struct {
	// MaxSeverityNumber: severity at most this (OTel numbers; 16 is WARN4,
	// so 16 means "not an error").
	MaxSeverityNumber int `yaml:"maxSeverityNumber"`
	// Attributes: every one of these attributes has this value.
	Attributes map[string]string `yaml:"attributes"`
}

// Duration is a time.Duration written as Go does ("300ms", "1.5s").
type Duration time.Duration

func (d *Duration) UnmarshalText(text []byte) error {
	v, err := time.ParseDuration(string(text))
	if err != nil {
		return fmt.Errorf("%q is not a duration like 300ms or 1.5s", text)
	}
	*d = Duration(v)
	return nil
}

// Alerting is what Sloth's alerting section names — the alert and the
// labels and annotations of its page and ticket alerts — and the burn-rate
// conditions an OpenSLO SLO's alert policies give.
type Alerting struct {
	Name        string
	Labels      map[string]string
	Annotations map[string]string
	Page        AlertLabels
	Ticket      AlertLabels
	// Pairs, when not empty, replace the workbook's BurnAlertPairs for
	// this SLO (OpenSLO AlertPolicy conditions). AlertPairs gives the
	// pairs in effect.
	Pairs []BurnAlertPair
}

// AlertLabels are one alert's own labels and annotations; Disabled turns it
// off.
type AlertLabels struct {
	Disabled    bool              `yaml:"disable"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
}

// Problem is one thing wrong in a spec file, located as precisely as the
// file allows.
type Problem struct {
	File  string
	Line  int    // 0 when unknown
	SLO   string // "" when the problem is not in one SLO
	Field string // dotted path in the file, e.g. "slos.0.objective"
	Msg   string
}

func (p Problem) Error() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d", p.Line)
	}
	b.WriteString(": ")
	if p.SLO != "" {
		fmt.Fprintf(&b, "slo %q: ", p.SLO)
	}
	if p.Field != "" {
		b.WriteString(p.Field + ": ")
	}
	b.WriteString(p.Msg)
	return b.String()
}

// Problems is every problem found, in file order.
type Problems []Problem

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.Error()
	}
	return strings.Join(lines, "\n")
}
