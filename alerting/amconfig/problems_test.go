package amconfig

import (
	"errors"
	"strings"
	"testing"
)

// Each bad configuration is reported with every problem, one per line,
// with the file, line and field path.
func TestProblems(t *testing.T) {
	const receivers = `receivers:
  - name: pager
  - name: slack-ops
`
	cases := []struct {
		name string
		yml  string
		want []string
	}{
		{"unknown receiver", `route:
  receiver: pager
  routes:
    - receiver: slack-ops
    - receiver: pagr
` + receivers, []string{
			`alerting.yml:5: route.routes[1].receiver: "pagr" is not a receiver (have: pager, slack-ops)`,
		}},
		{"no receivers at all", `route: {receiver: pager}
`, []string{
			`alerting.yml:1: route.receiver: "pager" is not a receiver (have: none)`,
		}},
		{"unknown keys", `route:
  receiver: pager
  recevier: slack-ops
routes: []
receivers:
  - name: pager
    pagerduty_configs:
      - routing_kye: abc
`, []string{
			`alerting.yml:3: route.recevier: unknown field`,
			`alerting.yml:4: routes: unknown field`,
			`alerting.yml:8: receivers[0].pagerduty_configs[0].routing_kye: unknown field`,
			`alerting.yml:8: receivers[0].pagerduty_configs[0]: routing_key or routing_key_file is required: the integration key of an Events API v2 integration`,
		}},
		{"global: Alertmanager's other keys are ignored, typos are not", `global:
  smtp_from: alerts@example.com
  opsgenie_api_key: x
  http_config: {follow_redirects: true}
  smtp_form: alerts@example.com
route: {receiver: pager}
` + receivers, []string{
			`alerting.yml:5: global.smtp_form: unknown field`,
		}},
		{"integrations slopipe does not deliver", `route: {receiver: pager}
receivers:
  - name: pager
    email_configs:
      - to: oncall@example.com
    msteams_configs: []
`, []string{
			`alerting.yml:4: receivers[0].email_configs: slopipe does not deliver this integration; it delivers pagerduty_configs, slack_configs and webhook_configs`,
			`alerting.yml:6: receivers[0].msteams_configs: slopipe does not deliver this integration; it delivers pagerduty_configs, slack_configs and webhook_configs`,
		}},
		{"pagerduty events API v1", `route: {receiver: pager}
receivers:
  - name: pager
    pagerduty_configs:
      - service_key: abc
`, []string{
			`alerting.yml:5: receivers[0].pagerduty_configs[0].service_key: PagerDuty's Events API v1 is not supported: use routing_key (Events API v2)`,
			`alerting.yml:5: receivers[0].pagerduty_configs[0]: routing_key or routing_key_file is required: the integration key of an Events API v2 integration`,
		}},
		{"receiver names", `route: {receiver: pager}
receivers:
  - name: pager
  - name: slack-ops
  - name: pager
  - pagerduty_configs: []
  - name: labelled
    labels: {name: other}
`, []string{
			`alerting.yml:5: receivers[2].name: "pager" is already the name of receivers[0] (line 3)`,
			`alerting.yml:6: receivers[3]: name is required`,
			`alerting.yml:8: receivers[4].labels.name: must be the receiver's name "labelled", not "other"`,
		}},
		{"group_by", `route:
  receiver: pager
  group_by: [slo, tenant, slo]
  routes:
    - group_by: ['...', slo]
    - group_by: ['']
` + receivers, []string{
			`alerting.yml:3: route.group_by[2]: "slo" is listed twice`,
			`alerting.yml:5: route.routes[0].group_by: '...' groups by all labels and cannot be listed with others`,
			`alerting.yml:6: route.routes[1].group_by[0]: "" is not a label name`,
		}},
		{"zero intervals", `route:
  receiver: pager
  group_wait: 0s
  routes:
    - group_interval: 0s
      repeat_interval: 0s
    - group_wait: 5x
` + receivers, []string{
			`alerting.yml:5: route.routes[0].group_interval: must be more than 0`,
			`alerting.yml:6: route.routes[0].repeat_interval: must be more than 0`,
			`alerting.yml:7: route.routes[1].group_wait: unknown unit "x" in duration "5x"`,
		}},
		{"root route", `route:
  matchers: [severity="page"]
  match: {team: a}
  continue: true
  mute_time_intervals: [night]
time_intervals: [{name: night}]
` + receivers, []string{
			`alerting.yml:1: route: the root route must name a receiver, the default for every alert`,
			`alerting.yml:1: route: the root route must not have matchers: every alert goes through it`,
			`alerting.yml:4: route.continue: the root route cannot continue: it has no siblings`,
			`alerting.yml:5: route.mute_time_intervals: the root route must not have time intervals`,
		}},
		{"no route", receivers, []string{
			`alerting.yml: route: the root route is required`,
		}},
		{"empty file", ``, []string{
			`alerting.yml: route: the root route is required`,
		}},
		{"matchers", `route:
  receiver: pager
  routes:
    - matchers: ['severity="page"', 'severity=~"("']
    - match: {bad-name: x}
    - match_re: {slo: '('}
    - matchers: 'severity="page"'
` + receivers, []string{
			`alerting.yml:4: route.routes[0].matchers[1]: "severity=~\"(\"" is not a matcher: error parsing regexp: missing closing ): ` + "`^(?:()$`",
			`alerting.yml:5: route.routes[1].match.bad-name: "bad-name" is not a label name`,
			`alerting.yml:6: route.routes[2].match_re.slo: "(" is not a regular expression: error parsing regexp: missing closing ): ` + "`^(?:()$`",
			`alerting.yml:7: route.routes[3].matchers: must be a list, not "severity=\"page\""`,
		}},
		{"time interval references", `route:
  receiver: pager
  routes:
    - mute_time_intervals: [night, weekend]
      active_time_intervals: [freeze]
mute_time_intervals:
  - name: night
time_intervals:
  - name: night
  - time_intervals: []
` + receivers, []string{
			`alerting.yml:4: route.routes[0].mute_time_intervals[1]: "weekend" is not a time interval (have: night)`,
			`alerting.yml:5: route.routes[0].active_time_intervals[0]: "freeze" is not a time interval (have: night)`,
			`alerting.yml:9: time_intervals[0].name: "night" is already the name of mute_time_intervals[0] (line 7)`,
			`alerting.yml:10: time_intervals[1]: name is required`,
		}},
		{"time interval values", `route: {receiver: pager}
time_intervals:
  - name: bad
    time_intervals:
      - weekdays: [monday, mondy]
        location: Europe/Parus
        hours: ['09:00']
      - times: [{start_time: '09:00', end_time: '25:00'}]
        months: ['smarch']
` + receivers, []string{
			`alerting.yml:5: time_intervals[0].time_intervals[0].weekdays[1]: mondy is not a valid weekday`,
			`alerting.yml:6: time_intervals[0].time_intervals[0].location: unknown time zone Europe/Parus`,
			`alerting.yml:7: time_intervals[0].time_intervals[0].hours: unknown field`,
			`alerting.yml:8: time_intervals[0].time_intervals[1].times[0]: couldn't parse timestamp 25:00, invalid format`,
			`alerting.yml:9: time_intervals[0].time_intervals[1].months[0]: smarch is not a valid month`,
		}},
		{"slack", `route: {receiver: pager}
receivers:
  - name: pager
    slack_configs:
      - channel: '#a'
      - http_config: {authorization: {credentials: xoxb-1}}
      - api_url: https://hooks.slack.com/services/T/B/X
        api_url_file: /run/secrets/slack
      - api_url: https://hooks.slack.com/services/T/B/X
        update_message: true
      - app_token: xoxb-2
        channel: '#b'
        http_config: {bearer_token: xoxb-3}
      - fields: [{title: a, value: b}]
        api_url: https://hooks.slack.com/services/T/B/X
`, []string{
			`alerting.yml:5: receivers[0].slack_configs[0]: needs api_url or api_url_file (an incoming webhook), or a bot token (http_config.authorization.credentials or app_token); none is set here nor in global`,
			`alerting.yml:6: receivers[0].slack_configs[1]: channel is required with a bot token: chat.postMessage posts to a channel`,
			`alerting.yml:8: receivers[0].slack_configs[2].api_url_file: set api_url or api_url_file, not both`,
			`alerting.yml:10: receivers[0].slack_configs[3].update_message: needs a bot token: an incoming webhook cannot edit a message`,
			`alerting.yml:11: receivers[0].slack_configs[4].app_token: set app_token or http_config's authorization, not both`,
			`alerting.yml:14: receivers[0].slack_configs[5].fields: not supported by slopipe`,
		}},
		{"webhook and pagerduty URLs", `route: {receiver: pager}
receivers:
  - name: pager
    webhook_configs:
      - send_resolved: true
      - url: http://localhost/a
        url_file: /run/secrets/hook
      - url: /relative/path
      - url: https://example.com/
        payload: {a: b}
    pagerduty_configs:
      - routing_key: k
        url: ftp://events.pagerduty.com/
      - routing_key: k
        url: 'https://'
`, []string{
			`alerting.yml:5: receivers[0].webhook_configs[0]: url or url_file is required`,
			`alerting.yml:7: receivers[0].webhook_configs[1].url_file: set url or url_file, not both`,
			`alerting.yml:8: receivers[0].webhook_configs[2].url: the URL is not an absolute http or https URL`,
			`alerting.yml:10: receivers[0].webhook_configs[3].payload: a custom payload is not supported by slopipe: it posts Alertmanager's webhook payload`,
			`alerting.yml:13: receivers[0].pagerduty_configs[0].url: "ftp://events.pagerduty.com/" is not an absolute http or https URL`,
			`alerting.yml:15: receivers[0].pagerduty_configs[1].url: "https://" has no host`,
		}},
		{"templates", `route: {receiver: pager}
templates: ['/etc/alertmanager/*.tmpl']
` + receivers, []string{
			`alerting.yml:2: templates: custom template files are not supported: slopipe executes each field as a Go text/template with Alertmanager's data and its own default templates`,
		}},
		{"secrets", `route: {receiver: pager}
receivers:
  - name: pager
    pagerduty_configs:
      - routing_key: ${env:AMCONFIG_TEST_UNSET}
      - routing_key_file: /nonexistent/amconfig/key
      - routing_key: <secret>
      - routing_key: ${env:lower-case}
      - routing_key: ''
`, []string{
			`alerting.yml:5: receivers[0].pagerduty_configs[0].routing_key: environment variable AMCONFIG_TEST_UNSET is not set`,
			`alerting.yml:6: receivers[0].pagerduty_configs[1].routing_key_file: open /nonexistent/amconfig/key: no such file or directory`,
			`alerting.yml:7: receivers[0].pagerduty_configs[2].routing_key: is "<secret>", the placeholder of a redacted dump, not the secret`,
			`alerting.yml:8: receivers[0].pagerduty_configs[3].routing_key: an environment reference must be the whole value, ${env:NAME}`,
			`alerting.yml:9: receivers[0].pagerduty_configs[4]: routing_key or routing_key_file is required: the integration key of an Events API v2 integration`,
		}},
		{"http_config", `route: {receiver: pager}
receivers:
  - name: pager
    webhook_configs:
      - url: https://example.com/
        http_config:
          authorization: {credentials: a}
          basic_auth: {username: u, password: p}
      - url: https://example.com/
        http_config:
          authorization: {type: Bearer}
          tls_config: {insecure_skip_verify: true}
`, []string{
			`alerting.yml:6: receivers[0].webhook_configs[0].http_config: set one of authorization, basic_auth and bearer_token`,
			`alerting.yml:11: receivers[0].webhook_configs[1].http_config.authorization: credentials or credentials_file is required`,
			`alerting.yml:12: receivers[0].webhook_configs[1].http_config.tls_config: not supported by slopipe`,
		}},
		{"inhibit rules", `route: {receiver: pager}
inhibit_rules:
  - source_matchers: ['severity=']
    target_match: {'1bad': x}
    equal: [slo, '']
    equals: [slo]
` + receivers, []string{
			`alerting.yml:4: inhibit_rules[0].target_match.1bad: "1bad" is not a label name`,
			`alerting.yml:5: inhibit_rules[0].equal[1]: "" is not a label name`,
			`alerting.yml:6: inhibit_rules[0].equals: unknown field`,
		}},
		{"types", `route:
  receiver: pager
  continue: maybe
  routes: {receiver: pager}
receivers:
  - name: pager
    webhook_configs:
      - url: https://example.com/
        max_alerts: -1
        timeout: 10
  - ~
`, []string{
			`alerting.yml:3: route.continue: must be true or false, not "maybe"`,
			`alerting.yml:4: route.routes: must be a list, not a mapping`,
			`alerting.yml:9: receivers[0].webhook_configs[0].max_alerts: must be a whole number not below 0, not "-1"`,
			`alerting.yml:10: receivers[0].webhook_configs[0].timeout: "10" is not a duration (like 10s or 1m30s)`,
			`alerting.yml:11: receivers[1]: is empty`,
		}},
		{"a key twice", `route:
  receiver: pager
  receiver: slack-ops
` + receivers, []string{
			`alerting.yml:3: route.receiver: is set twice (first on line 2)`,
		}},
		{"yaml syntax", `route:
  receiver: pager
 routes: []
`, []string{
			`alerting.yml:2: did not find expected key`,
		}},
		{"not a mapping", `- route`, []string{
			`alerting.yml:1: must be a mapping, not a list`,
			`alerting.yml: route: the root route is required`,
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(c.yml), "alerting.yml")
			if err == nil {
				t.Fatal("no error")
			}
			var perr *Error
			if !errors.As(err, &perr) {
				t.Fatalf("error %T is not an *Error", err)
			}
			if got, want := err.Error(), strings.Join(c.want, "\n"); got != want {
				t.Errorf("error:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

// Aliases and merge keys, which larger configurations use to share
// settings, read as YAML defines them.
func TestAnchors(t *testing.T) {
	cfg := mustParse(t, `route:
  receiver: pager
  routes:
    - &paging
      receiver: pager
      group_wait: 10s
      matchers: [severity="page"]
    - <<: *paging
      matchers: [severity="critical"]
receivers:
  - name: pager
    webhook_configs:
      - &hook
        url: https://example.com/hook
        max_alerts: 5
      - *hook
`)
	r := cfg.Route.Routes[1]
	if r.Receiver != "pager" || r.GroupWait.String() != "10s" || r.Matchers.String() != `{severity="critical"}` {
		t.Errorf("merged route = %+v", r)
	}
	if w := cfg.Receivers[0].WebhookConfigs[1]; w.MaxAlerts != 5 || w.URL.Value() != "https://example.com/hook" {
		t.Errorf("aliased webhook = %+v", w)
	}
}
