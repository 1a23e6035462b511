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

// An SLO's own alert pairs are the ones its alert rules check.
func TestPrometheusRulesFollowAlertPairOverrides(t *testing.T) {
	slos, problems := Load("testdata/good/sloth.yaml")
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	var s SLO
	for _, x := range slos {
		if x.Name == "requests-availability" {
			s = x
		}
	}
	s.Alerting.Ticket.Disabled = false
	s.Alerting.Pairs = []BurnAlertPair{
		{Severity: "page", Short: "30m", Long: "6h", Factor: 12},
		{Severity: "ticket", Short: "6h", Long: "3d", Factor: 2},
	}
	rules, skipped, err := PrometheusRules([]SLO{s}, "test")
	if err != nil || len(skipped) > 0 {
		t.Fatal(err, skipped)
	}
	for _, want := range []string{
		"(slo:sli_error:ratio_rate30m{sloth_id=\"checkout-requests-availability\", sloth_service=\"checkout\", sloth_slo=\"requests-availability\"} > (12 * 0.001))",
		"(slo:sli_error:ratio_rate6h{sloth_id=\"checkout-requests-availability\", sloth_service=\"checkout\", sloth_slo=\"requests-availability\"} > (12 * 0.001))",
		"(slo:sli_error:ratio_rate3d{sloth_id=\"checkout-requests-availability\", sloth_service=\"checkout\", sloth_slo=\"requests-availability\"} > (2 * 0.001))",
		"sloth_severity: ticket",
	} {
		if !strings.Contains(string(rules), want) {
			t.Errorf("rules lack %q:\n%s", want, rules)
		}
	}
	for _, unwanted := range []string{"14.4", "ratio_rate5m{sloth_id=\"checkout-requests-availability\", sloth_service=\"checkout\", sloth_slo=\"requests-availability\"} >"} {
		if strings.Contains(string(rules), unwanted) {
			t.Errorf("rules hold the default pair's %q", unwanted)
		}
	}

	// With the page severity disabled and only page pairs, no alert group.
	s.Alerting.Page.Disabled = true
	s.Alerting.Pairs = s.Alerting.Pairs[:1]
	rules, _, _ = PrometheusRules([]SLO{s}, "test")
	if strings.Contains(string(rules), "sloth-slo-alerts-") {
		t.Errorf("an alert group without alerts:\n%s", rules)
	}
}
