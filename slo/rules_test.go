package slo

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// The rules for the example specs are golden, and Prometheus' own promtool
// accepts them.
func TestPrometheusRulesGoldenAndAcceptedByPromtool(t *testing.T) {
	slos, problems := Load("testdata/good")
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	rules, skipped, err := PrometheusRules(slos, "test")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range skipped {
		names = append(names, s.Error())
	}
	skippedText := strings.Join(names, "\n")
	for _, want := range []string{`slo "checkout-monthly"`, "calendar", `slo "checkout-spans"`, "spans or logs",
		`slo "checkout-queue/short"`, `slo "checkout-queue/very-short"`, `slo "checkout-cpu"`, "thresholdMetric"} {
		if !strings.Contains(skippedText, want) {
			t.Errorf("skipped lacks %q:\n%s", want, skippedText)
		}
	}

	golden := filepath.Join("testdata", "rules.golden.yml")
	if *update {
		if err := os.WriteFile(golden, rules, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./slo -run TestPrometheusRules -update)", err)
	}
	if !bytes.Equal(rules, want) {
		t.Errorf("rules differ from %s (go test ./slo -run TestPrometheusRules -update):\n%s", golden, rules)
	}
	reversed := make([]SLO, len(slos))
	for i, s := range slos {
		reversed[len(slos)-1-i] = s
	}
	again, _, _ := PrometheusRules(reversed, "test")
	if !bytes.Equal(again, rules) {
		t.Error("the rules depend on the order the SLOs were read in")
	}

	for _, wantText := range []string{
		"record: slo:sli_error:ratio_rate5m",
		"record: slo:sli_error:ratio_rate30d",
		"expr: vector(0.999)",
		"expr: vector(0.001)",
		"> (14.4 * 0.001)",
		"sloth_severity: page",
	} {
		if !bytes.Contains(rules, []byte(wantText)) {
			t.Errorf("rules lack %q", wantText)
		}
	}
	if bytes.Contains(rules, []byte("sloth_severity: ticket")) {
		t.Error("the spec disables the ticket alert, but one was written")
	}

	promtool := os.Getenv("SLOPIPE_PROMTOOL")
	if promtool == "" {
		if promtool, err = exec.LookPath("promtool"); err != nil {
			t.Fatal("promtool is needed (run the tests with `make test`, which fetches it, or set SLOPIPE_PROMTOOL)")
		}
	}
	file := filepath.Join(t.TempDir(), "rules.yml")
	if err := os.WriteFile(file, rules, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(promtool, "check", "rules", file).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool check rules: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "SUCCESS") {
		t.Errorf("promtool said: %s", out)
	}
}
