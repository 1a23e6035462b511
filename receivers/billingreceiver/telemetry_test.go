package billingreceiver

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/slopipe/slopipe/cost/billing"
)

// counter sums the points of counter name whose attributes include want.
func (h *harness) counter(name string, want map[string]string) int64 {
	h.t.Helper()
	var rm metricdata.ResourceMetrics
	if err := h.metrics.Collect(context.Background(), &rm); err != nil {
		h.t.Fatal(err)
	}
	var sum int64
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != name {
				continue
			}
			data, ok := m.Data.(metricdata.Sum[int64])
			if !ok {
				h.t.Fatalf("%s is %T, want an int64 sum", name, m.Data)
			}
		next:
			for _, dp := range data.DataPoints {
				for k, v := range want {
					if got, ok := dp.Attributes.Value(attribute.Key(k)); !ok || got.AsString() != v {
						continue next
					}
				}
				sum += dp.Value
			}
		}
	}
	return sum
}

// Imports are counted by outcome and format, their rows by provider: an
// imported inbox file, a rejected one, an imported and a refused upload.
func TestImportsAreCounted(t *testing.T) {
	h := start(t)
	focus, cur := testdata(t, "focus.csv"), testdata(t, "cur2.csv")
	perProvider := map[string]int64{}
	var all int64
	for name, text := range map[string]string{"focus.csv": focus, "cur2.csv": cur} {
		items, err := billing.Read(strings.NewReader(text), name, billing.AutoDetect)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range items {
			perProvider[provider(&it)]++
			all++
		}
	}

	h.drop("march.csv", focus)
	h.waitGone("march.csv")
	h.drop("broken.csv", "BillingAccountId,BilledCost\nA1,abc\n")
	h.waitGone("broken.csv")

	srv := httptest.NewServer(h.api.Handler())
	defer srv.Close()
	for _, body := range []string{cur, strings.Replace(cur, "\n", "\nnot,a,row\n", 1)} {
		resp, err := http.Post(srv.URL+"/api/v1/billing/import?file=cur.csv", "text/csv", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}

	for _, c := range []struct {
		outcome, format string
		want            int64
	}{
		{outcomeImported, "focus", 1},
		{outcomeImported, "aws-cur2", 1},
		{outcomeRejected, "", 2},
		{outcomeRetried, "", 0},
	} {
		want := map[string]string{"outcome": c.outcome}
		if c.format != "" {
			want["format"] = c.format
		}
		if got := h.counter("slopipe_billing_imports", want); got != c.want {
			t.Errorf("slopipe_billing_imports%v = %d, want %d", want, got, c.want)
		}
	}
	for p, n := range perProvider {
		if got := h.counter("slopipe_billing_imported_rows", map[string]string{"provider": p}); got != n {
			t.Errorf("slopipe_billing_imported_rows{provider=%q} = %d, want the file's %d", p, got, n)
		}
	}
	if got := h.counter("slopipe_billing_imported_rows", nil); got != all || all == 0 {
		t.Errorf("slopipe_billing_imported_rows = %d in all, want the files' %d", got, all)
	}
}
