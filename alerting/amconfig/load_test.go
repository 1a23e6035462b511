package amconfig

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/alertmanager/pkg/labels"
	"github.com/prometheus/alertmanager/timeinterval"
	"github.com/prometheus/common/model"
)

func dur(d time.Duration) model.Duration { return model.Duration(d) }

func matchers(t *testing.T, ms ...string) labels.Matchers {
	t.Helper()
	var out labels.Matchers
	for _, s := range ms {
		m, err := labels.ParseMatcher(s)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

func sameMatchers(got, want labels.Matchers) bool {
	return got.String() == want.String()
}

func mustParse(t *testing.T, yml string) *Config {
	t.Helper()
	cfg, err := Parse([]byte(yml), "alerting.yml")
	if err != nil {
		t.Fatalf("Parse:\n%v", err)
	}
	return cfg
}

func TestLoadExample(t *testing.T) {
	cfg, err := Load("testdata/alerting.yml")
	if err != nil {
		t.Fatalf("Load:\n%v", err)
	}

	t.Run("global", func(t *testing.T) {
		g := cfg.Global
		if g.ResolveTimeout != dur(5*time.Minute) {
			t.Errorf("resolve_timeout = %v", g.ResolveTimeout)
		}
		if got := g.PagerDutyURL.String(); got != DefaultPagerDutyURL {
			t.Errorf("pagerduty_url = %s, want the default", got)
		}
		if got := g.SlackAPIURL.Value(); got != "https://hooks.slack.com/services/T0000000/B0000000/XXXXXXXXXXXXXXXXXXXXXXXX" {
			t.Errorf("slack_api_url = %s", got)
		}
	})

	t.Run("route tree", func(t *testing.T) {
		type want struct {
			receiver               string
			groupBy                []model.LabelName
			groupByAll, cont       bool
			matchers               labels.Matchers
			wait, interval, repeat model.Duration
			mute, active           []string
			children               int
		}
		root := cfg.Route
		cases := []struct {
			path string
			r    *Route
			want want
		}{
			{"route", root, want{
				receiver: "slack-ops", groupBy: []model.LabelName{"alertname", "slo", "tenant"},
				wait: dur(30 * time.Second), interval: dur(5 * time.Minute), repeat: dur(4 * time.Hour), children: 4,
			}},
			{"routes[0] audit", root.Routes[0], want{
				receiver: "audit", groupByAll: true, cont: true,
				wait: dur(30 * time.Second), interval: dur(5 * time.Minute), repeat: dur(4 * time.Hour),
			}},
			{"routes[1] pages", root.Routes[1], want{
				receiver: "pager", groupBy: []model.LabelName{"alertname", "slo", "tenant"},
				matchers: matchers(t, `severity="page"`),
				wait:     dur(10 * time.Second), interval: dur(5 * time.Minute), repeat: dur(time.Hour), children: 1,
			}},
			// Inherits the receiver and group_wait from its parent, the
			// group_interval from the root; match and match_re are matchers.
			{"routes[1].routes[0] payments", root.Routes[1].Routes[0], want{
				receiver: "pager", groupBy: []model.LabelName{"slo", "tenant", "service"},
				matchers: matchers(t, `service=~"checkout|cart"`, `team="payments"`),
				wait:     dur(10 * time.Second), interval: dur(5 * time.Minute), repeat: dur(time.Hour),
			}},
			{"routes[2] freeze", root.Routes[2], want{
				receiver: "pager", groupBy: []model.LabelName{"alertname", "slo", "tenant"}, cont: true,
				matchers: matchers(t, `severity="ticket"`, `tier="premium"`),
				wait:     dur(30 * time.Second), interval: dur(5 * time.Minute), repeat: dur(4 * time.Hour),
				active: []string{"black-friday-freeze"},
			}},
			{"routes[3] tickets", root.Routes[3], want{
				receiver: "slack-ops", groupBy: []model.LabelName{"alertname", "slo", "tenant"},
				matchers: matchers(t, `severity="ticket"`),
				wait:     dur(30 * time.Second), interval: dur(5 * time.Minute), repeat: dur(24 * time.Hour),
				mute: []string{"weekly-maintenance"},
			}},
		}
		for _, c := range cases {
			r, w := c.r, c.want
			if r.Receiver != w.receiver {
				t.Errorf("%s: receiver = %q, want %q", c.path, r.Receiver, w.receiver)
			}
			if !reflect.DeepEqual(r.GroupBy, w.groupBy) || r.GroupByAll != w.groupByAll {
				t.Errorf("%s: group_by = %v all=%v, want %v all=%v", c.path, r.GroupBy, r.GroupByAll, w.groupBy, w.groupByAll)
			}
			if r.Continue != w.cont {
				t.Errorf("%s: continue = %v", c.path, r.Continue)
			}
			if !sameMatchers(r.Matchers, w.matchers) {
				t.Errorf("%s: matchers = %s, want %s", c.path, r.Matchers, w.matchers)
			}
			if *r.GroupWait != w.wait || *r.GroupInterval != w.interval || *r.RepeatInterval != w.repeat {
				t.Errorf("%s: wait/interval/repeat = %v/%v/%v, want %v/%v/%v", c.path,
					*r.GroupWait, *r.GroupInterval, *r.RepeatInterval, w.wait, w.interval, w.repeat)
			}
			if !reflect.DeepEqual(r.MuteTimeIntervals, w.mute) || !reflect.DeepEqual(r.ActiveTimeIntervals, w.active) {
				t.Errorf("%s: mute %v active %v, want %v %v", c.path, r.MuteTimeIntervals, r.ActiveTimeIntervals, w.mute, w.active)
			}
			if len(r.Routes) != w.children {
				t.Errorf("%s: %d children, want %d", c.path, len(r.Routes), w.children)
			}
		}
	})

	t.Run("inhibit rule", func(t *testing.T) {
		if len(cfg.InhibitRules) != 1 {
			t.Fatalf("%d inhibit rules", len(cfg.InhibitRules))
		}
		ir := cfg.InhibitRules[0]
		if ir.Name != "page-over-ticket" ||
			!sameMatchers(ir.SourceMatchers, matchers(t, `severity="page"`)) ||
			!sameMatchers(ir.TargetMatchers, matchers(t, `severity="ticket"`)) ||
			!reflect.DeepEqual(ir.Equal, []model.LabelName{"slo", "tenant"}) {
			t.Errorf("inhibit rule = %+v", ir)
		}
	})

	t.Run("receivers", func(t *testing.T) {
		if len(cfg.Receivers) != 3 {
			t.Fatalf("%d receivers", len(cfg.Receivers))
		}
		if cfg.Receiver("nope") != nil {
			t.Error(`Receiver("nope") != nil`)
		}

		pager := cfg.Receiver("pager")
		pd := pager.PagerDutyConfigs[0]
		if pd.RoutingKey.Value() != "0123456789abcdef0123456789abcdef" {
			t.Errorf("routing_key = %q", pd.RoutingKey.Value())
		}
		if pd.URL.String() != "https://events.eu.pagerduty.com/v2/enqueue" {
			t.Errorf("pagerduty url = %s", pd.URL)
		}
		if !pd.SendsResolved() || pd.Severity != "critical" || pd.Details["tenant"] != "{{ .CommonLabels.tenant }}" {
			t.Errorf("pagerduty = %+v", pd)
		}

		bot := pager.SlackConfigs[0]
		if bot.Token() != "xoxb-000000000000-0000000000000-XXXXXXXXXXXXXXXXXXXXXXXX" {
			t.Errorf("bot token = %q", bot.Token())
		}
		// A bot posts to the Web API, not to global's incoming webhook.
		if got := bot.MethodURL("chat.postMessage"); got != "https://slack.com/api/chat.postMessage" {
			t.Errorf("bot posts to %s", got)
		}
		if bot.Channel != "#incidents" || !bot.SendsResolved() || !bot.UpdatesMessage() {
			t.Errorf("bot = %+v", bot)
		}

		hook := cfg.Receiver("slack-ops").SlackConfigs[0]
		if hook.Token() != "" || hook.APIURL.Value() != cfg.Global.SlackAPIURL.Value() {
			t.Errorf("webhook slack: token %q, url inherited %v", hook.Token(), hook.APIURL.Value() == cfg.Global.SlackAPIURL.Value())
		}
		if hook.SendsResolved() || hook.UpdatesMessage() {
			t.Error("webhook slack: send_resolved defaults to false, and a webhook cannot update")
		}

		wh := cfg.Receiver("audit").WebhookConfigs[0]
		if wh.URL.Value() != "https://audit.example.com/alertmanager" || wh.MaxAlerts != 50 || !wh.SendsResolved() {
			t.Errorf("webhook = %+v url %s", wh, wh.URL.Value())
		}
		if ba := wh.HTTPConfig.BasicAuth; ba.Username != "slopipe" || ba.Password.Value() != "audit-password-placeholder" {
			t.Errorf("basic_auth = %+v", ba)
		}
	})

	t.Run("time intervals", func(t *testing.T) {
		paris, err := time.LoadLocation("Europe/Paris")
		if err != nil {
			t.Fatal(err)
		}
		in := timeinterval.NewIntervener(cfg.Intervals())
		cases := []struct {
			name   string
			at     time.Time
			inside bool
		}{
			{"weekly-maintenance", time.Date(2025, 3, 4, 7, 0, 0, 0, paris), true},     // a Tuesday
			{"weekly-maintenance", time.Date(2025, 3, 4, 8, 0, 0, 0, paris), false},    // end is exclusive
			{"weekly-maintenance", time.Date(2025, 3, 4, 6, 30, 0, 0, time.UTC), true}, // 07:30 in Paris
			{"weekly-maintenance", time.Date(2025, 3, 5, 7, 0, 0, 0, paris), false},    // a Wednesday
			{"black-friday-freeze", time.Date(2025, 11, 28, 12, 0, 0, 0, paris), true},
			{"black-friday-freeze", time.Date(2025, 12, 1, 23, 0, 0, 0, paris), true},
			{"black-friday-freeze", time.Date(2025, 12, 2, 0, 30, 0, 0, paris), false},
			{"black-friday-freeze", time.Date(2026, 11, 28, 12, 0, 0, 0, paris), false},
		}
		for _, c := range cases {
			muted, _, err := in.Mutes([]string{c.name}, c.at)
			if err != nil {
				t.Fatal(err)
			}
			if muted != c.inside {
				t.Errorf("%s at %s: inside = %v, want %v", c.name, c.at, muted, c.inside)
			}
		}
	})
}

func TestTimeIntervals(t *testing.T) {
	cfg := mustParse(t, `route: {receiver: r}
receivers: [{name: r}]
mute_time_intervals:
  - name: office-hours
    time_intervals:
      - weekdays: ['monday:friday']
        times:
          - start_time: '09:00'
            end_time: '17:00'
        location: Europe/Paris
time_intervals:
  - name: year-end
    time_intervals:
      - days_of_month: ['-3:-1', '1']
        months: ['december', 'january']
        years: ['2025:2026']
`)
	paris, _ := time.LoadLocation("Europe/Paris")
	ti := cfg.Intervals()
	if len(ti) != 2 {
		t.Fatalf("Intervals() = %v", ti)
	}
	office := ti["office-hours"][0]
	want := timeinterval.TimeInterval{
		Times:    []timeinterval.TimeRange{{StartMinute: 9 * 60, EndMinute: 17 * 60}},
		Weekdays: []timeinterval.WeekdayRange{{InclusiveRange: timeinterval.InclusiveRange{Begin: 1, End: 5}}},
	}
	if !reflect.DeepEqual(office.Times, want.Times) || !reflect.DeepEqual(office.Weekdays, want.Weekdays) ||
		office.Location == nil || office.Location.String() != "Europe/Paris" {
		t.Errorf("office-hours = %+v", office)
	}
	yearEnd := ti["year-end"][0]
	if len(yearEnd.DaysOfMonth) != 2 || yearEnd.DaysOfMonth[0].Begin != -3 || yearEnd.DaysOfMonth[0].End != -1 ||
		len(yearEnd.Months) != 2 || yearEnd.Months[1].Begin != 1 ||
		yearEnd.Years[0].Begin != 2025 || yearEnd.Years[0].End != 2026 {
		t.Errorf("year-end = %+v", yearEnd)
	}
	cases := []struct {
		name   string
		at     time.Time
		inside bool
	}{
		{"office-hours", time.Date(2025, 6, 2, 9, 0, 0, 0, paris), true},   // Monday 09:00
		{"office-hours", time.Date(2025, 6, 6, 16, 59, 0, 0, paris), true}, // Friday
		{"office-hours", time.Date(2025, 6, 6, 17, 0, 0, 0, paris), false},
		{"office-hours", time.Date(2025, 6, 7, 12, 0, 0, 0, paris), false},   // Saturday
		{"office-hours", time.Date(2025, 6, 2, 7, 30, 0, 0, time.UTC), true}, // 09:30 in Paris
		{"year-end", time.Date(2025, 12, 30, 0, 0, 0, 0, time.UTC), true},
		{"year-end", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), true},
		{"year-end", time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC), false},
		{"year-end", time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), false},
	}
	in := timeinterval.NewIntervener(ti)
	for _, c := range cases {
		muted, _, err := in.Mutes([]string{c.name}, c.at)
		if err != nil {
			t.Fatal(err)
		}
		if muted != c.inside {
			t.Errorf("%s at %s: inside = %v, want %v", c.name, c.at, muted, c.inside)
		}
	}
}

func TestMatchers(t *testing.T) {
	cfg := mustParse(t, `route:
  receiver: r
  routes:
    - matchers: ['severity="page"', 'tenant=~"acme|globex", slo!=checkout']
    - matchers: [severity=page]
    - matchers: ['{severity="page"}']
    - match: {severity: page, team: payments}
      match_re: {slo: 'checkout-.*'}
    - matchers: ['service.name="api"']
receivers: [{name: r}]
inhibit_rules:
  - source_match: {severity: page}
    source_match_re: {slo: '.+'}
    target_matchers: ['severity="ticket"']
    equal: [slo, service.name]
`)
	want := []string{
		`{severity="page",slo!="checkout",tenant=~"acme|globex"}`,
		`{severity="page"}`,
		`{severity="page"}`,
		`{severity="page",slo=~"checkout-.*",team="payments"}`,
		`{service.name="api"}`,
	}
	for i, r := range cfg.Route.Routes {
		if got := r.Matchers.String(); got != want[i] {
			t.Errorf("routes[%d] matchers = %s, want %s", i, got, want[i])
		}
	}
	// match_re is anchored, as in Alertmanager.
	re := cfg.Route.Routes[3].Matchers[1]
	if !re.Matches("checkout-latency") || re.Matches("pre-checkout-latency") {
		t.Errorf("match_re %s is not anchored", re)
	}
	ir := cfg.InhibitRules[0]
	if ir.SourceMatchers.String() != `{severity="page",slo=~".+"}` || ir.TargetMatchers.String() != `{severity="ticket"}` ||
		!reflect.DeepEqual(ir.Equal, []model.LabelName{"slo", "service.name"}) {
		t.Errorf("inhibit rule = %+v", ir)
	}
}

func TestDefaults(t *testing.T) {
	cfg := mustParse(t, `route:
  receiver: pager
  routes:
    - receiver: pager
      group_by: []
receivers:
  - name: pager
    pagerduty_configs:
      - routing_key: k
    webhook_configs:
      - url: http://localhost:9093/hook
        send_resolved: false
`)
	if cfg.Global.ResolveTimeout != dur(DefaultResolveTimeout) {
		t.Errorf("resolve_timeout = %v", cfg.Global.ResolveTimeout)
	}
	r := cfg.Route
	if *r.GroupWait != dur(DefaultGroupWait) || *r.GroupInterval != dur(DefaultGroupInterval) || *r.RepeatInterval != dur(DefaultRepeatInterval) {
		t.Errorf("root intervals = %v %v %v", *r.GroupWait, *r.GroupInterval, *r.RepeatInterval)
	}
	if r.GroupBy != nil || r.GroupByAll {
		t.Errorf("root group_by = %v", r.GroupBy)
	}
	// group_by: [] is set and empty: it does not group, whatever the parent.
	if child := r.Routes[0]; child.GroupBy == nil || len(child.GroupBy) != 0 {
		t.Errorf("group_by: [] = %#v", child.GroupBy)
	}
	pd := cfg.Receivers[0].PagerDutyConfigs[0]
	if pd.URL.String() != DefaultPagerDutyURL || !pd.SendsResolved() {
		t.Errorf("pagerduty url %s, send_resolved %v", pd.URL, pd.SendsResolved())
	}
	if wh := cfg.Receivers[0].WebhookConfigs[0]; wh.SendsResolved() {
		t.Error("webhook send_resolved: false is ignored")
	}

	cfg = mustParse(t, `global:
  pagerduty_url: https://pd.internal/v2/enqueue
  resolve_timeout: 10m
route: {receiver: p}
receivers:
  - name: p
    pagerduty_configs: [{routing_key: k}]
`)
	if got := cfg.Receivers[0].PagerDutyConfigs[0].URL.String(); got != "https://pd.internal/v2/enqueue" {
		t.Errorf("pagerduty url not inherited from global: %s", got)
	}
	if cfg.Global.ResolveTimeout != dur(10*time.Minute) {
		t.Errorf("resolve_timeout = %v", cfg.Global.ResolveTimeout)
	}
}

func TestSlack(t *testing.T) {
	cases := []struct {
		name         string
		global, conf string
		token        string
		postTo       string // MethodURL("chat.postMessage") with a token, else the webhook
	}{
		{"webhook", ``, `api_url: https://hooks.slack.com/services/T/B/X`, "", "https://hooks.slack.com/services/T/B/X"},
		{"webhook from global", `slack_api_url: https://hooks.slack.com/services/T/B/G`, `channel: '#x'`, "", "https://hooks.slack.com/services/T/B/G"},
		{"bot token, no api_url", ``, `{channel: '#x', http_config: {authorization: {credentials: xoxb-1}}}`, "xoxb-1", "https://slack.com/api/chat.postMessage"},
		{"bot token, Alertmanager's api_url", ``,
			`{channel: '#x', api_url: 'https://slack.com/api/chat.postMessage', http_config: {authorization: {credentials: xoxb-1}}}`,
			"xoxb-1", "https://slack.com/api/chat.postMessage"},
		{"bot token, an API base of its own", ``,
			`{channel: '#x', api_url: 'https://slack-proxy.internal/api', http_config: {authorization: {credentials: xoxb-1}}}`,
			"xoxb-1", "https://slack-proxy.internal/api/chat.postMessage"},
		{"bot token ignores global webhook", `slack_api_url: https://hooks.slack.com/services/T/B/G`,
			`{channel: '#x', http_config: {authorization: {credentials: xoxb-1}}}`, "xoxb-1", "https://slack.com/api/chat.postMessage"},
		{"bot token, global in the Web API form", `slack_api_url: https://slack-proxy.internal/api/chat.postMessage`,
			`{channel: '#x', http_config: {authorization: {credentials: xoxb-1}}}`, "xoxb-1", "https://slack-proxy.internal/api/chat.postMessage"},
		{"bearer_token", ``, `{channel: '#x', http_config: {bearer_token: xoxb-2}}`, "xoxb-2", "https://slack.com/api/chat.postMessage"},
		{"app_token", ``, `{channel: '#x', app_token: xoxb-3}`, "xoxb-3", "https://slack.com/api/chat.postMessage"},
		{"global app token", `slack_app_token: xoxb-4`, `{channel: '#x'}`, "xoxb-4", "https://slack.com/api/chat.postMessage"},
		{"global app token, own webhook", `slack_app_token: xoxb-4`, `{api_url: 'https://hooks.slack.com/services/T/B/X'}`, "", "https://hooks.slack.com/services/T/B/X"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			yml := "global: {" + c.global + "}\nroute: {receiver: s}\nreceivers:\n  - name: s\n    slack_configs:\n      - " + c.conf + "\n"
			cfg := mustParse(t, yml)
			s := cfg.Receivers[0].SlackConfigs[0]
			if s.Token() != c.token {
				t.Errorf("token = %q, want %q", s.Token(), c.token)
			}
			got := s.APIURL.Value()
			if s.Token() != "" {
				got = s.MethodURL("chat.postMessage")
			}
			if got != c.postTo {
				t.Errorf("posts to %s, want %s", got, c.postTo)
			}
		})
	}
}

func TestSecretSources(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("routing-key", "key-from-file\n")
	write("slack-webhook", "https://hooks.slack.com/services/T/B/FROMFILE\n")
	write("bot-token", "xoxb-from-file\r\n")
	write("password", "pw-from-file")
	t.Setenv("AMCONFIG_TEST_KEY", "key-from-env")
	t.Setenv("AMCONFIG_TEST_HOOK", "https://hooks.example.com/from-env")

	yml := `global:
  slack_api_url_file: slack-webhook
route: {receiver: r}
receivers:
  - name: r
    pagerduty_configs:
      - routing_key_file: routing-key
      - routing_key: ${env:AMCONFIG_TEST_KEY}
    slack_configs:
      - channel: '#a'
      - channel: '#b'
        http_config:
          authorization: {credentials_file: ` + filepath.Join(dir, "bot-token") + `}
    webhook_configs:
      - url: ${env:AMCONFIG_TEST_HOOK}
        http_config:
          basic_auth: {username: u, password_file: password}
`
	// Relative *_file paths are relative to the configuration's directory.
	cfg, err := Parse([]byte(yml), filepath.Join(dir, "alerting.yml"))
	if err != nil {
		t.Fatal(err)
	}
	r := cfg.Receivers[0]
	checks := []struct{ what, got, want string }{
		{"routing_key_file", r.PagerDutyConfigs[0].RoutingKey.Value(), "key-from-file"},
		{"routing_key_file path", r.PagerDutyConfigs[0].RoutingKeyFile, filepath.Join(dir, "routing-key")},
		{"routing_key from env", r.PagerDutyConfigs[1].RoutingKey.Value(), "key-from-env"},
		{"global slack_api_url_file", cfg.Global.SlackAPIURL.Value(), "https://hooks.slack.com/services/T/B/FROMFILE"},
		{"inherited slack webhook", r.SlackConfigs[0].APIURL.Value(), "https://hooks.slack.com/services/T/B/FROMFILE"},
		{"credentials_file", r.SlackConfigs[1].Token(), "xoxb-from-file"},
		{"webhook url from env", r.WebhookConfigs[0].URL.Value(), "https://hooks.example.com/from-env"},
		{"webhook url as url.URL", r.WebhookConfigs[0].URL.URL().Host, "hooks.example.com"},
		{"password_file", r.WebhookConfigs[0].HTTPConfig.BasicAuth.Password.Value(), "pw-from-file"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.what, c.got, c.want)
		}
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load("testdata/nope.yml")
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "testdata/nope.yml") {
		t.Errorf("err = %v", err)
	}
}
