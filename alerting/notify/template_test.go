package notify

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/slopipe/slopipe/alerting"
)

func TestDefaultTemplates(t *testing.T) {
	one := NewData(firingNotification())
	two := NewData(firingNotification(burnAlert("checkout", "acme", "page"), burnAlert("search", "acme", "ticket")))
	resolved := NewData(resolvedNotification(firingNotification()))
	bare := NewData(&alerting.Notification{Receiver: "ops", GroupLabels: model.LabelSet{"team": "payments"}, Now: t0,
		Alerts: []*alerting.Alert{{Labels: model.LabelSet{"team": "payments", "job": "a"}, StartsAt: t0}, {Labels: model.LabelSet{"team": "payments", "job": "b"}, StartsAt: t0}}})

	for _, tc := range []struct {
		text string
		data *Data
		want string
	}{
		{`{{ template "__subject" . }}`, one, "[FIRING:1] SLOBurnRate checkout tenant acme"},
		{`{{ template "__subject" . }}`, two, "[FIRING:2] SLOBurnRate tenant acme"},
		{`{{ template "__subject" . }}`, resolved, "[RESOLVED] SLOBurnRate checkout tenant acme"},
		{`{{ template "__subject" . }}`, bare, "[FIRING:2] payments"},
		{`{{ template "pagerduty.default.description" . }}`, one, "[FIRING:1] SLOBurnRate checkout tenant acme — burning 15.2× (1h/5m), 63.2% budget left"},
		{`{{ template "pagerduty.default.description" . }}`, resolved, "[RESOLVED] SLOBurnRate checkout tenant acme — 63.2% budget left"},
		{`{{ template "pagerduty.default.description" . }}`, bare, "[FIRING:2] payments"},
		{`{{ template "pagerduty.default.client" . }}`, one, "slopipe"},
		{`{{ template "pagerduty.default.clientURL" . }}`, one, "https://slopipe.example.com"},
		{`{{ template "__alertmanagerURL" . }}`, one, "https://slopipe.example.com"},
		{`{{ template "__description" . }}`, one, "99.9% of checkouts succeed over 30d"},
		{`{{ template "slack.default.title" . }}`, one, "[FIRING:1] SLOBurnRate checkout tenant acme"},
		{`{{ template "slack.default.username" . }}`, one, "slopipe"},
		{`{{ template "slack.default.fallback" . }}`, one, "[FIRING:1] SLOBurnRate checkout tenant acme — burning 15.2× (1h/5m), 63.2% budget left"},
		{`{{ template "slack.default.titlelink" . }}`, one, "https://grafana.example.com/d/checkout"},
		{`{{ template "slack.default.titlelink" . }}`, two, "https://slopipe.example.com"},
		{`{{ template "slack.default.color" . }}`, one, "danger"},
		{`{{ template "slack.default.color" . }}`, resolved, "good"},
		{`{{ template "slack.default.text" . }}`, one, "burning 15.2× (1h/5m), 63.2% budget left\n\n" +
			"*FIRING* SLOBurnRate `checkout` tenant acme (page)\n" +
			"checkout burns its error budget too fast\n" +
			"99.9% of checkouts succeed over 30d\n" +
			"Burn rates: 5m=20.1 1h=15.2 (fired on 1h/5m)\n" +
			"Error budget left: 63.2%\n" +
			"<https://runbooks.example.com/checkout|Runbook> · <https://grafana.example.com/d/checkout|Dashboard>\n"},
		{`{{ template "slack.default.text" . }}`, resolved, "63.2% budget left\n\n" +
			"*RESOLVED* SLOBurnRate `checkout` tenant acme (page)\n" +
			"checkout burns its error budget too fast\n" +
			"99.9% of checkouts succeed over 30d\n" +
			"Error budget left: 63.2%\n" +
			"<https://runbooks.example.com/checkout|Runbook> · <https://grafana.example.com/d/checkout|Dashboard>\n"},
		{`{{ template "slack.default.text" . }}`, bare, "*FIRING* \n\n*FIRING* \n"},
		{`{{ template "pagerduty.default.instances" .Alerts.Firing }}`, bare, "" +
			"Alert is firing since 2025-03-14 09:26:53 UTC\nLabels:\n  job: a\n  team: payments\n" +
			"Alert is firing since 2025-03-14 09:26:53 UTC\nLabels:\n  job: b\n  team: payments\n"},
		{`{{ template "__text_alert_list" .Alerts.Resolved }}`, resolved, "" +
			"SLOBurnRate is resolved since 2025-03-14 09:16:53 UTC\nLabels:\n" +
			"  alertname: SLOBurnRate\n  service: shop\n  severity: page\n  slo: checkout\n  team: payments\n  tenant: acme\n  windows: 1h/5m,6h/30m\n" +
			"Annotations:\n  budget_remaining: 63.2%\n  burn_rates: 5m=20.1 1h=15.2\n  burn_window: 1h/5m\n" +
			"  dashboard_url: https://grafana.example.com/d/checkout\n  description: 99.9% of checkouts succeed over 30d\n" +
			"  runbook_url: https://runbooks.example.com/checkout\n  summary: checkout burns its error budget too fast\n" +
			"Source: https://slopipe.example.com/slo/checkout\n"},
	} {
		got, err := ExecuteTemplate(tc.text, tc.data)
		if err != nil {
			t.Errorf("%s: %v", tc.text, err)
			continue
		}
		if got != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.text, got, tc.want)
		}
	}
}

func TestTemplateDataAndFuncs(t *testing.T) {
	d := NewData(firingNotification(burnAlert("checkout", "acme", "page"), burnAlert("search", "acme", "ticket")))
	for text, want := range map[string]string{
		`{{ .Receiver }} {{ .Status }} {{ .ExternalURL }}`:                             "pager firing https://slopipe.example.com",
		`{{ len .Alerts }} {{ len .Alerts.Firing }} {{ len .Alerts.Resolved }}`:        "2 2 0",
		`{{ range .Alerts.Firing }}{{ .Labels.slo }}:{{ .Status }} {{ end }}`:          "checkout:firing search:firing ",
		`{{ (index .Alerts 0).Fingerprint }}`:                                          burnAlert("checkout", "acme", "page").Fingerprint().String(),
		`{{ (index .Alerts 0).StartsAt.UTC.Format "15:04" }}`:                          "09:16",
		`{{ (index .Alerts 0).EndsAt.IsZero }}`:                                        "true",
		`{{ (index .Alerts 0).GeneratorURL }}`:                                         "https://slopipe.example.com/slo/checkout",
		`{{ .GroupLabels.SortedPairs }}`:                                               "slo=checkout, tenant=acme",
		`{{ .GroupLabels.Names | join "," }}`:                                          "slo,tenant",
		`{{ .GroupLabels.Values.Join "/" }}`:                                           "checkout/acme",
		`{{ range .CommonLabels.SortedPairs }}{{ .Name }} {{ end }}`:                   "alertname service team tenant windows ",
		`{{ (.CommonLabels.Remove (stringSlice "windows" "team")).Names | join " " }}`: "alertname service tenant",
		`{{ .CommonAnnotations.budget_remaining }}{{ .CommonAnnotations.nothing }}`:    "63.2%",
		`{{ "hello wORLD-of slos" | title }} {{ toUpper "a" }}{{ toLower "B" }}`:       "Hello World-Of Slos Ab",
		`{{ reReplaceAll "(\\w+)@(\\w+)" "$2 at $1" "ops@acme" }}`:                     "acme at ops",
		`{{ safeHtml "<b>" }} {{ trimSpace "  x " }} {{ match "^a" "abc" }}`:           "<b> x true",
		`{{ join ", " (stringSlice "a" "b") }}`:                                        "a, b",
	} {
		got, err := ExecuteTemplate(text, d)
		if err != nil || got != want {
			t.Errorf("%s = %q, %v; want %q", text, got, err, want)
		}
	}
}

func TestTemplateErrors(t *testing.T) {
	d := NewData(firingNotification())
	for _, text := range []string{
		`{{ .CommonLabels.slo | nosuch }}`,
		`{{ template "nosuch" . }}`,
		`{{ reReplaceAll "(" "" "x" }}`,
		`{{ index .Alerts 5 }}`,
		`{{ .Alerts.Nope }}`,
		`{{ if }}`,
		`{{ (index .Alerts 0).Labels.SortedPairs.Nope }}`,
	} {
		if out, err := ExecuteTemplate(text, d); err == nil {
			t.Errorf("%s rendered %q, want an error", text, out)
		}
	}
	if _, err := ExecuteTemplate(`{{ .Status }}`, nil); err == nil {
		t.Error("nil data rendered")
	}
}

func TestEveryDocumentedTemplateIsDefined(t *testing.T) {
	d := NewData(firingNotification())
	for _, name := range []string{"__subject", "__description", "slack.default.title", "slack.default.text",
		"slack.default.username", "slack.default.fallback", "slack.default.titlelink", "pagerduty.default.description",
		"pagerduty.default.client", "pagerduty.default.clientURL"} {
		if out, err := ExecuteTemplate(`{{ template "`+name+`" . }}`, d); err != nil || out == "" {
			t.Errorf("%s = %q, %v", name, out, err)
		}
	}
	for _, name := range []string{"__text_alert_list", "pagerduty.default.instances"} {
		if out, err := ExecuteTemplate(`{{ template "`+name+`" .Alerts }}`, d); err != nil || out == "" {
			t.Errorf("%s = %q, %v", name, out, err)
		}
	}
}

// The data serialises as Alertmanager's does: the webhook payload is it.
func TestDataJSON(t *testing.T) {
	n := firingNotification()
	n.Alerts = append(n.Alerts, resolvedNotification(firingNotification(burnAlert("search", "acme", "page"))).Alerts...)
	n.Now = t0.Add(5 * time.Minute)
	b, err := json.Marshal(NewData(n))
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Alerts []map[string]any
	}
	_ = json.Unmarshal(b, &got)
	if got.Alerts[0]["endsAt"] != "0001-01-01T00:00:00Z" || got.Alerts[1]["endsAt"] != "2025-03-14T09:30:53Z" {
		t.Fatalf("endsAt %v %v", got.Alerts[0]["endsAt"], got.Alerts[1]["endsAt"])
	}
	for _, k := range []string{`"receiver":`, `"status":"firing"`, `"groupLabels":`, `"commonLabels":`, `"commonAnnotations":`, `"externalURL":`} {
		if !strings.Contains(string(b), k) {
			t.Errorf("no %s in %s", k, b)
		}
	}
}

func TestBurnRateOf(t *testing.T) {
	for _, tc := range []struct{ rates, pair, want string }{
		{"5m=20.1 1h=15.2", "1h/5m", "15.2"},
		{"30m=7.5 6h=6.1", "6h/30m", "6.1"},
		{"5m=20.1 1h=15.2", "6h/30m", ""},
		{"", "1h/5m", ""},
		{"5m=20.1", "", ""},
	} {
		if got := burnRateOf(tc.rates, tc.pair); got != tc.want {
			t.Errorf("burnRateOf(%q, %q) = %q, want %q", tc.rates, tc.pair, got, tc.want)
		}
	}
}
