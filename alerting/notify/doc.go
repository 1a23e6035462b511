// Package notify delivers slopipe's burn-rate notifications to the people
// who act on them: PagerDuty, Slack and webhooks, configured the way
// Alertmanager configures them, and the forwarder to an Alertmanager that
// already does that job.
//
// # Integrations
//
// Build turns one receiver of an Alertmanager configuration (amconfig) into
// its integrations, one per entry of pagerduty_configs, slack_configs and
// webhook_configs, each named by kind and index ("slack[1]"):
//
//   - PagerDuty, through go-pagerduty's Events API v2 client. The group's
//     notifications are one incident: dedup_key is the hex SHA-256 of the
//     group key, as Alertmanager's, so an incident Alertmanager opened is
//     resolved by slopipe after a migration. The event triggers while the
//     group fires and resolves once none of its alerts does. Severity is
//     "critical" while a page (severity=page) fires and "warning" for
//     tickets; custom_details carry the counts, each alert's labels and the
//     burn_rates, burn_window and budget_remaining annotations; links carry
//     the runbook_url and dashboard_url annotations.
//   - Slack, through slack-go: with a bot token
//     (http_config.authorization.credentials) it posts with
//     chat.postMessage and keeps the message's channel and ts in the
//     group's state; with update_message the resolution and later updates
//     edit that message (chat.update) instead of adding to the channel's
//     noise. With only a webhook URL (api_url) it posts to the incoming
//     webhook.
//   - Webhooks, posting Alertmanager's webhook payload (version 4), so
//     receivers written for Alertmanager read slopipe's unchanged.
//
// Text fields (description, details, title, text, …) are Go templates over
// Alertmanager's template data (Data), with the functions and the named
// templates Alertmanager configurations call ("slack.default.text",
// "pagerduty.default.description", "__subject", …). The definitions are
// slopipe's own (default.tmpl), written for SLOs: a PagerDuty summary reads
// "[FIRING:1] SLOBurnRate checkout tenant acme — burning 15.2× (1h/5m),
// 63.2% budget left". No template files are read (amconfig refuses
// `templates:`); ExecuteTemplate renders a field as the integrations do.
//
// # Delivery
//
// An integration's Notify sends once. Deliver retries what may succeed
// later, the way Alertmanager's retry stage does: 429, 408, 5xx and network
// failures back off exponentially with jitter, never sooner than the
// server's Retry-After, until the policy's time runs out or the context
// ends; other 4xx and template errors fail at once. Every attempt is
// reported, with its HTTP status, for the notification log. Time is a Clock,
// so tests run retries without waiting.
//
// Secrets (routing keys, tokens, webhook URLs, passwords) never leave the
// package: not in errors, logs nor names. Errors from the client libraries
// and net/http are scrubbed: URLs cut to scheme and host, secret values
// replaced by "<secret>".
//
// # Not here
//
// Which alerts reach which receiver, when and how often (grouping, routing,
// inhibition, silences, dedup against the notification log) is the
// notification pipeline's; this package only sends what it is handed.
package notify
