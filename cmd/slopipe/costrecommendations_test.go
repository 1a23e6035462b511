package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A disk billed yesterday with nothing consumed: the daemon's cost
// extension recommends it, and `slopipe cost recommendations` prints it,
// filters by kind, prints the JSON, and names a bad flag's value.
func TestDaemonRecommendsBilledWithoutUsage(t *testing.T) {
	dir := t.TempDir()
	ep := newEndpoints(t)
	d := startDaemon(t, filepath.Join(dir, "data"), ep, []string{"SLOPIPE_COST_INTERVAL=1s"})
	defer d.stop()
	yesterday := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -1)
	month := time.Date(yesterday.Year(), yesterday.Month(), 1, 0, 0, 0, 0, time.UTC)
	row := func(resource, service, cost, quantity string) string {
		return strings.Join([]string{"A1", month.Format(time.RFC3339), month.AddDate(0, 1, 0).Format(time.RFC3339),
			yesterday.Add(time.Hour).Format(time.RFC3339), yesterday.Add(2 * time.Hour).Format(time.RFC3339),
			"USD", cost, cost, cost, cost, "Usage", service, "AWS", resource, quantity, "GB-Mo", "{}"}, ",") + "\n"
	}
	csv := "BillingAccountId,BillingPeriodStart,BillingPeriodEnd,ChargePeriodStart,ChargePeriodEnd,BillingCurrency,BilledCost,EffectiveCost,ListCost,ContractedCost,ChargeCategory,ServiceName,ProviderName,ResourceId,ConsumedQuantity,ConsumedUnit,Tags\n" +
		row("vol-idle", "EBS", "0.7", "0") + row("vol-used", "EBS", "0.7", "20")
	file := filepath.Join(dir, "bill.csv")
	if err := os.WriteFile(file, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, code := cli(t, ep.api, "billing", "import", file); code != 0 {
		t.Fatalf("billing import exited %d:\n%s", code, out)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		// 0.7 over the last 7 days is 3 a month.
		out, code := cli(t, ep.api, "cost", "recommendations")
		if code == 0 && strings.Contains(out, "billed_without_usage") && strings.Contains(out, "vol-idle") && strings.Contains(out, "3 USD") {
			if strings.Contains(out, "vol-used") {
				t.Fatalf("a used volume recommended:\n%s", out)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("cost recommendations exited %d:\n%s\n%s", code, out, d.out)
		}
		time.Sleep(500 * time.Millisecond)
	}
	if out, code := cli(t, ep.api, "cost", "recommendations", "--kind", "expensive_metric"); code != 0 || !strings.Contains(out, "no recommendations") {
		t.Errorf("--kind expensive_metric exited %d:\n%s", code, out)
	}
	if out, code := cli(t, ep.api, "cost", "recommendations", "--json"); code != 0 || !strings.Contains(out, `"subject":"vol-idle"`) || !strings.Contains(out, `"cost":"3"`) {
		t.Errorf("--json exited %d:\n%s", code, out)
	}
	if out, code := cli(t, ep.api, "cost", "recommendations", "--day", "yesterday"); code == 0 || !strings.Contains(out, "day:") {
		t.Errorf("--day yesterday exited %d:\n%s", code, out)
	}
}
