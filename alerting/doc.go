// Package alerting turns SLO burn rates into alerts and carries them to the
// people who act on them.
//
// This package holds the alert model (Alert, Notification) and the alert
// policy: which pages, tickets, budget-exhaustion and no-data alerts an SLO
// evaluation fires. Its subpackages are the rest of the path:
//
//   - amconfig: the Alertmanager-format configuration (route, receivers,
//     inhibit_rules, time_intervals), validated with the field's path;
//   - pipeline: the notification stages, inhibit → silence → time intervals
//     → group → route → dedup → notify with retry → record;
//   - notify: the integrations (PagerDuty, Slack, webhook) and the
//     forwarder to an existing Alertmanager;
//   - alertingextension: the daemon's component, with the silences API and
//     the error-budget deploy gate.
//
// It does not evaluate SLOs (slo/evaluator does) nor hold SQL (store does).
package alerting
