package slo

import (
	"fmt"
	"strings"
	"text/template"

	"github.com/prometheus/prometheus/promql/parser"
)

// renderWindow fills Sloth's {{.window}} in a query, as Sloth does for each
// of its windows.
func renderWindow(query, window string) (string, error) {
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
	rendered, err := renderWindow(query, "5m")
	if err != nil {
		return err
	}
	if _, err := parser.NewParser(parser.Options{}).ParseExpr(rendered); err != nil {
		return err
	}
	return nil
}
