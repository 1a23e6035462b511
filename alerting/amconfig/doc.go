// Package amconfig reads an Alertmanager configuration file, so that the
// routing tree, receivers, inhibit rules and time intervals a team already
// runs in Alertmanager drive slopipe's notifications unchanged.
//
// It reads the file and checks it; it does not route, inhibit, mute or
// send (alerting/pipeline and alerting/notify do).
//
// Alertmanager's own config package is not used: since 0.34 it imports
// every notifier, which bring a Kafka client, the AWS SDK and the gossip
// cluster into the daemon. Its matcher parser (pkg/labels, matcher/compat)
// and time intervals (timeinterval) are used, so matchers and intervals
// mean exactly what they mean in Alertmanager.
//
// # What is read
//
// The file has Alertmanager's shape and meaning, for this subset:
//
//   - global: resolve_timeout (default 5m), pagerduty_url (default
//     https://events.pagerduty.com/v2/enqueue), slack_api_url or
//     slack_api_url_file, slack_app_token or slack_app_token_file,
//     slack_app_url. Alertmanager's other global keys (smtp_*, opsgenie_*,
//     victorops_*, http_config…) are accepted and have no effect.
//   - route: the routing tree. The root names a receiver and has no
//     matchers, time intervals nor continue. matchers (strings, read as
//     Alertmanager 0.27+ reads them: severity="page" and severity=page
//     alike), match and match_re (anchored) all become Route.Matchers.
//     group_by: ['...'] groups by all labels. receiver, group_by,
//     group_wait, group_interval and repeat_interval are inherited from the
//     parent; the root's defaults are 30s, 5m and 4h.
//   - receivers: pagerduty_configs (Events API v2), slack_configs and
//     webhook_configs, with send_resolved defaulting as in Alertmanager
//     (true, false, true).
//   - inhibit_rules: source_matchers, target_matchers, the older
//     source_match(_re) and target_match(_re), and equal.
//   - time_intervals and the older mute_time_intervals, one namespace for
//     both; Config.Intervals feeds timeinterval.NewIntervener.
//
// Every receiver, time interval and label name a route or rule uses must
// exist or be valid. Problems are reported together, one per line, each
// with the file, line and field path:
//
//	alerting.yml:14: route.routes[1].receiver: "pagr" is not a receiver (have: pager, slack-ops)
//
// # Secrets
//
// A secret (routing_key, credentials, password, api_url, url…) may be
// given inline, as a whole-value ${env:NAME} reference expanded at load,
// or in its *_file (read at load, relative to the configuration's
// directory, less its trailing line break). After Load the value is in
// the Secret or SecretURL field whichever way it came; Value and URL give
// it to the integration. Secrets print as "<secret>" through fmt, JSON
// and YAML, and problems name the field, variable or file, never the
// value.
//
// # Slack
//
// A slack_config is an incoming webhook (api_url, api_url_file or
// global's) or a bot token: http_config.authorization.credentials,
// Alertmanager's way of giving one, or app_token. With a token slopipe
// calls the Web API: chat.postMessage to post, and chat.update to edit
// the same message on resolve (update_message, which with a token defaults
// to true where Alertmanager's defaults to false). APIURL then is the API base,
// https://slack.com/api/ unless an api_url or app_url says otherwise (one
// ending in chat.postMessage, as Alertmanager has it, is cut back to its
// base), and channel is required. A bot inherits global.slack_api_url
// only in that Web API form, never global's incoming webhook.
//
// # What differs from Alertmanager
//
//   - Strict: an unknown key is a problem. Integrations other than the
//     three (email_configs, opsgenie_configs, msteams_configs…) are
//     refused, as are PagerDuty's Events API v1 (service_key), route
//     labels, Slack attachments' fields and actions, webhook payloads, and
//     http_config's TLS, proxy, OAuth 2, header and redirect settings.
//   - templates must be empty: slopipe executes each text field as a Go
//     text/template with Alertmanager's data and its own default
//     templates, and reads no template files.
//   - URLs are absolute http or https URLs, not templates.
//   - A Slack bot token without an api_url is valid, and edits its message
//     on resolve unless update_message is false (see above).
//   - tracing and event_recorder, which configure Alertmanager itself, are
//     accepted and ignored.
//
// # Example
//
//	global:
//	  slack_api_url_file: /etc/slopipe/slack-webhook
//	route:
//	  receiver: slack-ops
//	  group_by: [slo, tenant]
//	  routes:
//	    - matchers: [severity="page"]
//	      receiver: pager
//	      group_wait: 10s
//	    - matchers: [severity="ticket"]
//	      mute_time_intervals: [weekly-maintenance]
//	inhibit_rules:
//	  - source_matchers: [severity="page"]
//	    target_matchers: [severity="ticket"]
//	    equal: [slo, tenant]
//	receivers:
//	  - name: pager
//	    pagerduty_configs:
//	      - routing_key: ${env:PAGERDUTY_ROUTING_KEY}
//	  - name: slack-ops
//	    slack_configs:
//	      - channel: '#slo'
//	time_intervals:
//	  - name: weekly-maintenance
//	    time_intervals:
//	      - weekdays: [tuesday]
//	        times: [{start_time: '06:00', end_time: '08:00'}]
//	        location: Europe/Paris
//
// testdata/alerting.yml is a fuller example.
package amconfig
