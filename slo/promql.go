package slo

import (
	"fmt"
	"strings"
	"text/template"

	"github.com/prometheus/prometheus/promql/parser"

	"github.com/slopipe/slopipe/store/promsql"
)

// RenderWindow fills Sloth's {{.window}} in a query, as Sloth does for each
// of its windows.
func RenderWindow(query, window string) (string, error) {
	tmpl, err := template.New("query").Option("missingkey=error").Parse(query)
	if err != nil {
		return "", fmt.Errorf("template: %w", err)
	}
	var b strings.Builder
	if err := tmpl.Execute(&b, map[string]string{"window": window}); err != nil {
		return "", fmt.Errorf("template: %w", err)
	}
	return b.String(), nil
}

// checkPromQL parses a query (its {{.window}} filled with 5m) and returns
// the parser's error, which carries the position ("1:22: parse error: …").
func checkPromQL(query string) error {
	if strings.TrimSpace(query) == "" {
		return fmt.Errorf("empty query")
	}
	rendered, err := RenderWindow(query, "5m")
	if err != nil {
		return err
	}
	if _, err := parser.NewParser(parser.Options{}).ParseExpr(rendered); err != nil {
		return err
	}
	return nil
}

// checkCompiles checks a query is PromQL (the parser's error keeps its
// position) that compile turns into SQL; the error names what is not
// supported.
func checkCompiles(query string, compile func(rendered string) error) error {
	if err := checkPromQL(query); err != nil {
		return err
	}
	rendered, _ := RenderWindow(query, "5m")
	return compile(rendered)
}

// checkEventsQuery checks a query of events: Sloth's error_query and
// total_query, OpenSLO's good, bad and total.
func checkEventsQuery(query string) error {
	return checkCompiles(query, func(q string) error { _, err := promsql.CompileIncrease(q); return err })
}

// checkRatioQuery checks Sloth's sli.raw.error_ratio_query.
func checkRatioQuery(query string) error {
	return checkCompiles(query, func(q string) error { _, err := promsql.CompileErrorRatio(q); return err })
}

// checkThresholdQuery checks an OpenSLO thresholdMetric's query is a plain
// selector; the objective's op and value cannot make a selector fail.
func checkThresholdQuery(query string) error {
	return checkCompiles(query, func(q string) error { _, err := promsql.CompileThreshold(q, "lte", 0); return err })
}

// Compile turns a PromQL indicator into the SQL events the evaluator
// computes per tenant and minute; span and log indicators give nil. The
// queries' {{.window}} and ranges do not matter: the events are counted
// per minute and every window is summed from them.
func (in *Indicator) Compile() (*promsql.Events, error) {
	render := func(q string) string {
		r, err := RenderWindow(q, "5m")
		if err != nil {
			return q // reported when the spec was loaded
		}
		return r
	}
	switch {
	case in.ThresholdQuery != "":
		return promsql.CompileThreshold(render(in.ThresholdQuery), in.ThresholdOp, in.ThresholdValue)
	case in.ErrorRatioQuery != "":
		return promsql.CompileErrorRatio(render(in.ErrorRatioQuery))
	case in.GoodQuery != "":
		return promsql.CompileEvents(render(in.GoodQuery), true, render(in.TotalQuery))
	case in.ErrorQuery != "":
		return promsql.CompileEvents(render(in.ErrorQuery), false, render(in.TotalQuery))
	}
	return nil, nil
}
