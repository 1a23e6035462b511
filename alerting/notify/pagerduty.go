package notify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/PagerDuty/go-pagerduty"
	"go.uber.org/zap"

	"github.com/slopipe/slopipe/alerting"
	"github.com/slopipe/slopipe/alerting/amconfig"
)

const (
	pagerDutyEnqueuePath = "/v2/enqueue"
	// PagerDuty cuts summaries at 1024 characters and refuses events over
	// 512 KB.
	pagerDutyMaxSummary   = 1024
	pagerDutyMaxEventSize = 512000
)

type pagerDuty struct {
	name       string
	conf       *amconfig.PagerDutyConfig
	routingKey secret
	endpoint   string // the Events API base: the configured URL without /v2/enqueue
	opts       Options
}

func newPagerDuty(i int, c *amconfig.PagerDutyConfig, opts Options) (*pagerDuty, error) {
	if c == nil {
		return nil, errors.New("empty configuration")
	}
	pd := &pagerDuty{
		name:       fmt.Sprintf("pagerduty[%d]", i),
		conf:       c,
		routingKey: secret{field: "routing_key", value: c.RoutingKey.Value(), file: c.RoutingKeyFile},
		opts:       opts,
	}
	if !pd.routingKey.set() {
		return nil, errors.New("routing_key: one of routing_key and routing_key_file is required")
	}
	raw := amconfig.DefaultPagerDutyURL
	if c.URL != nil && c.URL.URL != nil {
		raw = c.URL.String()
	}
	base, err := pagerDutyBase(raw)
	if err != nil {
		return nil, fmt.Errorf("url: %w", err)
	}
	pd.endpoint = base
	return pd, nil
}

// pagerDutyBase is the API base go-pagerduty wants from the enqueue URL
// Alertmanager configurations give.
func pagerDutyBase(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", err
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return "", fmt.Errorf("%q is not an absolute http(s) URL", raw)
	}
	p := strings.TrimSuffix(u.Path, "/")
	if !strings.HasSuffix(p, pagerDutyEnqueuePath) {
		return "", fmt.Errorf("%q: the Events API v2 URL ends in %s", raw, pagerDutyEnqueuePath)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("%q: a query or fragment can't be kept", raw)
	}
	return u.Scheme + "://" + u.Host + strings.TrimSuffix(p, pagerDutyEnqueuePath), nil
}

func (p *pagerDuty) Name() string       { return p.name }
func (p *pagerDuty) Kind() string       { return "pagerduty" }
func (p *pagerDuty) SendResolved() bool { return p.conf.SendsResolved() }

// DedupKey is PagerDuty's dedup_key of a group: the hex SHA-256 of its
// group key, as Alertmanager's, so an incident opened by Alertmanager is
// resolved by slopipe after a migration.
func DedupKey(groupKey string) string {
	sum := sha256.Sum256([]byte(groupKey))
	return hex.EncodeToString(sum[:])
}

type pagerDutyLink struct {
	Href string `json:"href"`
	Text string `json:"text"`
}

func (p *pagerDuty) Notify(ctx context.Context, n *alerting.Notification) (map[string]string, error) {
	n, ok := forIntegration(p.SendResolved(), n)
	if !ok {
		return nil, nil
	}
	key, err := p.routingKey.read()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p.name, err)
	}
	var scrub scrubber
	scrub.add(key)

	ev, err := p.event(n, key)
	if err != nil {
		return nil, scrub.error(err)
	}

	client, x := newExchange(p.opts.HTTPClient, p.opts.UserAgent)
	pd := pagerduty.NewClient("", pagerduty.WithV2EventsAPIEndpoint(p.endpoint))
	pd.HTTPClient = client
	sendCtx, cancel := withTimeout(ctx, p.conf.Timeout)
	defer cancel()
	_, err = pd.ManageEventWithContext(sendCtx, ev)
	status, header, terr := x.last()
	reportStatus(ctx, status)
	if status/100 == 2 {
		// Accepted: a body go-pagerduty can't decode changes nothing.
		p.opts.Logger.Debug("pagerduty event sent", zap.String("integration", p.name),
			zap.String("event_action", ev.Action), zap.String("dedup_key", ev.DedupKey))
		return nil, nil
	}
	switch {
	case terr != nil:
		// go-pagerduty flattens the transport error into text; the
		// recorded one keeps its type.
		err = terr
	case status != 0:
		// go-pagerduty reads error bodies in the REST API's shape, not the
		// Events API's; read PagerDuty's reason ourselves.
		err = pagerDutyError(status, x.rawErrorBody(), err)
	case err == nil:
		err = errors.New("no response")
	}
	msg := fmt.Errorf("%s: %s event: %w", p.name, ev.Action, err)
	return nil, classify(ctx, status, header, terr, scrub.error(msg))
}

// event is the Events API v2 event of a notification.
func (p *pagerDuty) event(n *alerting.Notification, routingKey string) (*pagerduty.V2Event, error) {
	data := NewData(n)
	r := &renderer{data: data, prefix: p.name}
	c := p.conf

	summary := r.or("description", c.Description, `{{ template "pagerduty.default.description" . }}`)
	client := r.or("client", c.Client, `{{ template "pagerduty.default.client" . }}`)
	clientURL := r.or("client_url", c.ClientURL, `{{ template "pagerduty.default.clientURL" . }}`)
	severity := r.text("severity", c.Severity)
	source := r.text("source", c.Source)
	class := r.text("class", c.Class)
	component := r.text("component", c.Component)
	group := r.text("group", c.Group)
	details := map[string]any{}
	names := make([]string, 0, len(c.Details))
	for k := range c.Details {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		details[k] = r.text("details."+k, c.Details[k])
	}
	if r.err != nil {
		return nil, r.err
	}

	summary = strings.TrimSpace(summary)
	if s, cut := truncateRunes(summary, pagerDutyMaxSummary); cut {
		p.opts.Logger.Debug("pagerduty summary truncated", zap.String("integration", p.name), zap.String("group_key", n.GroupKey))
		summary = s
	}
	if severity == "" {
		severity = defaultSeverity(n)
	}
	if source == "" {
		source = client
	}
	if source == "" {
		source = "slopipe"
	}

	action := "trigger"
	if data.Status == "resolved" {
		action = "resolve"
	}
	ev := &pagerduty.V2Event{
		RoutingKey: routingKey,
		Action:     action,
		DedupKey:   DedupKey(n.GroupKey),
		Client:     client,
		ClientURL:  clientURL,
		Payload: &pagerduty.V2Payload{
			Summary:   summary,
			Source:    source,
			Severity:  severity,
			Class:     class,
			Component: component,
			Group:     group,
			Details:   withDefaultDetails(details, data),
		},
	}
	if action == "trigger" {
		ev.Payload.Timestamp = earliestStart(data.Alerts.Firing()).UTC().Format(time.RFC3339)
	}
	for _, l := range links(data) {
		ev.Links = append(ev.Links, l)
	}

	if b, err := json.Marshal(ev); err == nil && len(b) > pagerDutyMaxEventSize {
		p.opts.Logger.Warn("pagerduty event too large, custom details dropped",
			zap.String("integration", p.name), zap.Int("bytes", len(b)), zap.String("group_key", n.GroupKey))
		ev.Payload.Details = map[string]any{
			"error": fmt.Sprintf("custom details dropped: the event was %d bytes, over PagerDuty's %d", len(b), pagerDutyMaxEventSize),
		}
	}
	return ev, nil
}

// defaultSeverity is "critical" while a page fires, else "warning": a
// burn-rate page wakes someone, a ticket waits for working hours.
func defaultSeverity(n *alerting.Notification) string {
	alerts := n.Firing()
	if len(alerts) == 0 {
		alerts = n.Alerts
	}
	for _, a := range alerts {
		if a.Labels[alerting.LabelSeverity] == alerting.SeverityPage {
			return "critical"
		}
	}
	return "warning"
}

// withDefaultDetails are the custom details every event carries, under the
// configured ones: counts, the burn figures the alerts share and each
// alert's labels and burn figures.
func withDefaultDetails(configured map[string]any, d *Data) map[string]any {
	out := map[string]any{
		"num_firing":   len(d.Alerts.Firing()),
		"num_resolved": len(d.Alerts.Resolved()),
	}
	for _, k := range burnAnnotations {
		if v := d.CommonAnnotations[k]; v != "" {
			out[k] = v
		}
	}
	alerts := make([]map[string]any, 0, len(d.Alerts))
	for _, a := range d.Alerts {
		m := map[string]any{"status": a.Status, "labels": a.Labels, "starts_at": a.StartsAt.UTC().Format(time.RFC3339)}
		if a.Status == "resolved" {
			m["ends_at"] = a.EndsAt.UTC().Format(time.RFC3339)
		}
		for _, k := range burnAnnotations {
			if v := a.Annotations[k]; v != "" {
				m[k] = v
			}
		}
		alerts = append(alerts, m)
	}
	out["alerts"] = alerts
	for k, v := range configured {
		out[k] = v
	}
	return out
}

var burnAnnotations = []string{"burn_rates", "burn_window", "budget_remaining"}

// links are the runbooks and dashboards of the alerts, each URL once.
func links(d *Data) []pagerDutyLink {
	var out []pagerDutyLink
	seen := map[string]bool{}
	for _, kind := range []struct{ annotation, text string }{{"runbook_url", "Runbook"}, {"dashboard_url", "Dashboard"}} {
		var urls, slos []string
		for _, a := range d.Alerts {
			if u := a.Annotations[kind.annotation]; u != "" && !seen[u] {
				seen[u] = true
				urls = append(urls, u)
				slos = append(slos, a.Labels[string(alerting.LabelSLO)])
			}
		}
		for i, u := range urls {
			text := kind.text
			if len(urls) > 1 && slos[i] != "" {
				text += " (" + slos[i] + ")"
			}
			out = append(out, pagerDutyLink{Href: u, Text: text})
		}
	}
	return out
}

func earliestStart(as Alerts) time.Time {
	var t time.Time
	for _, a := range as {
		if t.IsZero() || a.StartsAt.Before(t) {
			t = a.StartsAt
		}
	}
	return t
}

// truncateRunes cuts s to at most n runes, ending in "…" when cut.
func truncateRunes(s string, n int) (string, bool) {
	r := []rune(s)
	if len(r) <= n {
		return s, false
	}
	if n <= 1 {
		return string(r[:n]), true
	}
	return string(r[:n-1]) + "…", true
}

// pagerDutyError is the reason the Events API gave for refusing an event:
// {"status": "invalid event", "message": "Event object is invalid",
// "errors": ["…"]}.
func pagerDutyError(status int, raw []byte, libErr error) error {
	var resp struct {
		Status  string   `json:"status"`
		Message string   `json:"message"`
		Errors  []string `json:"errors"`
	}
	if json.Unmarshal(raw, &resp) == nil && (resp.Message != "" || len(resp.Errors) > 0) {
		msg := resp.Message
		if len(resp.Errors) > 0 {
			msg += ": " + strings.Join(resp.Errors, "; ")
		}
		msg, _ = truncateRunes(msg, errorMessageBody)
		return fmt.Errorf("HTTP %d: %s", status, msg)
	}
	body, _ := truncateRunes(strings.TrimSpace(string(raw)), errorMessageBody)
	if body != "" {
		return fmt.Errorf("HTTP %d: %s", status, body)
	}
	if libErr != nil {
		return fmt.Errorf("HTTP %d: %w", status, libErr)
	}
	return fmt.Errorf("HTTP %d", status)
}
