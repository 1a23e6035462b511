package amconfig

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"
)

// The secrets of this configuration, each distinct so a leak names itself.
var knownSecrets = []string{
	"pd-routing-key-LEAK", "slack-global-webhook-LEAK", "xoxb-bot-token-LEAK", "xoxb-app-token-LEAK",
	"webhook-url-LEAK", "basic-password-LEAK", "bearer-LEAK", "global-app-token-LEAK", "from-file-LEAK",
}

const secretsYAML = `global:
  slack_api_url: https://hooks.slack.com/services/slack-global-webhook-LEAK
route: {receiver: r}
receivers:
  - name: r
    pagerduty_configs:
      - routing_key: ${env:AMCONFIG_TEST_PD}
        http_config: {bearer_token: bearer-LEAK}
      - routing_key_file: from-file
    slack_configs:
      - channel: '#a'
        http_config: {authorization: {credentials: xoxb-bot-token-LEAK}}
      - channel: '#b'
        app_token: xoxb-app-token-LEAK
      - channel: '#c'
    webhook_configs:
      - url: https://hooks.example.com/webhook-url-LEAK
        http_config: {basic_auth: {username: u, password: basic-password-LEAK}}
`

func TestSecretsNeverPrinted(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "from-file"), []byte("from-file-LEAK\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AMCONFIG_TEST_PD", "pd-routing-key-LEAK")
	cfg, err := Parse([]byte(secretsYAML), filepath.Join(dir, "alerting.yml"))
	if err != nil {
		t.Fatal(err)
	}
	r := cfg.Receivers[0]
	// The secrets are there, for the integrations.
	if r.PagerDutyConfigs[0].RoutingKey.Value() != "pd-routing-key-LEAK" || r.PagerDutyConfigs[1].RoutingKey.Value() != "from-file-LEAK" ||
		r.SlackConfigs[1].Token() != "xoxb-app-token-LEAK" || !strings.Contains(r.WebhookConfigs[0].URL.Value(), "webhook-url-LEAK") {
		t.Fatal("secrets not resolved")
	}

	values := []any{
		cfg, *cfg, cfg.Global, &cfg.Global, cfg.Global.SlackAPIURL, *cfg.Global.SlackAPIURL,
		cfg.Route, r, *r,
	}
	for _, p := range r.PagerDutyConfigs {
		values = append(values, p, *p, p.RoutingKey)
		if p.HTTPConfig != nil {
			values = append(values, p.HTTPConfig, *p.HTTPConfig, p.HTTPConfig.Authorization, *p.HTTPConfig.Authorization)
		}
	}
	for _, s := range r.SlackConfigs {
		values = append(values, s, *s, s.APIURL, *s.APIURL)
		if s.HTTPConfig != nil {
			values = append(values, s.HTTPConfig, *s.HTTPConfig, s.HTTPConfig.Authorization, *s.HTTPConfig.Authorization)
		}
	}
	for _, w := range r.WebhookConfigs {
		values = append(values, w, *w, w.URL, *w.URL, w.HTTPConfig, *w.HTTPConfig, w.HTTPConfig.BasicAuth, *w.HTTPConfig.BasicAuth)
	}

	var out strings.Builder
	for _, v := range values {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
			fmt.Fprintf(&out, verb+"\n", v)
		}
		fmt.Fprintln(&out, v)
		b, err := json.Marshal(v)
		if err != nil {
			t.Errorf("json.Marshal(%T): %v", v, err)
		}
		out.Write(b)
		b, err = yaml.Marshal(v)
		if err != nil {
			t.Errorf("yaml.Marshal(%T): %v", v, err)
		}
		out.Write(b)
	}
	for _, s := range knownSecrets {
		if i := strings.Index(out.String(), s); i >= 0 {
			t.Errorf("%s printed: …%s…", s, out.String()[max(0, i-200):i+len(s)])
		}
	}
	if !strings.Contains(out.String(), redacted) {
		t.Error("no <secret> printed at all")
	}
}

func TestSecretPrintsEmpty(t *testing.T) {
	var s Secret
	if fmt.Sprint(s) != "" || fmt.Sprint(Secret("x")) != redacted {
		t.Errorf("Secret prints %q and %q", fmt.Sprint(s), fmt.Sprint(Secret("x")))
	}
	var u *SecretURL
	if u.Value() != "" || u.URL() != nil {
		t.Error("a nil SecretURL has a value")
	}
}

// Problems name the field, variable or file of a secret, never the secret.
func TestProblemsNeverQuoteSecrets(t *testing.T) {
	t.Setenv("AMCONFIG_TEST_BAD_URL", "ftp://user:env-url-LEAK@example.com/")
	yml := `global:
  slack_api_url: 'not a url slack-LEAK'
route: {receiver: r}
receivers:
  - name: r
    pagerduty_configs:
      - routing_key: inline-key-LEAK
        routing_key_file: /nonexistent/key-file
    webhook_configs:
      - url: 'https://{{ .x }}/templated-LEAK'
      - url: ${env:AMCONFIG_TEST_BAD_URL}
      - url: 'ftp://user:inline-url-LEAK@example.com/'
        http_config: {authorization: {credentials: cred-LEAK, type: basic}}
`
	_, err := Parse([]byte(yml), "alerting.yml")
	if err == nil {
		t.Fatal("no error")
	}
	want := strings.Join([]string{
		`alerting.yml:2: global.slack_api_url: the URL is not an absolute http or https URL`,
		`alerting.yml:8: receivers[0].pagerduty_configs[0].routing_key_file: set routing_key or routing_key_file, not both`,
		`alerting.yml:10: receivers[0].webhook_configs[0].url: the URL is a template: slopipe takes a URL as it is`,
		`alerting.yml:11: receivers[0].webhook_configs[1].url: the URL is not an absolute http or https URL`,
		`alerting.yml:12: receivers[0].webhook_configs[2].url: the URL is not an absolute http or https URL`,
		`alerting.yml:13: receivers[0].webhook_configs[2].http_config.authorization.type: use basic_auth for basic authentication`,
	}, "\n")
	if err.Error() != want {
		t.Errorf("error:\n%v\nwant:\n%s", err, want)
	}
	if strings.Contains(err.Error(), "LEAK") {
		t.Errorf("a secret is in the error:\n%v", err)
	}
}
