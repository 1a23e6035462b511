package alerting

import (
	"sort"
	"time"

	"github.com/prometheus/common/model"
)

// Label names slopipe's alerts carry; a route or silence matches on them.
const (
	LabelAlertName = "alertname"
	LabelSLO       = "slo"
	LabelTenant    = "tenant"
	LabelService   = "service"
	LabelTeam      = "team"
	LabelSeverity  = "severity" // SeverityPage or SeverityTicket
	LabelWindows   = "windows"  // the window pairs the alert is evaluated on, e.g. "1h/5m,6h/30m"
	// LabelSource names the source of an alert other than the SLO policy
	// ("cost"): after a restart its saved alerts go back to it.
	LabelSource = "source"
)

const (
	SeverityPage   = "page"
	SeverityTicket = "ticket"
)

// Alert is one alert as Alertmanager models it: an identity (its labels),
// what a human reads (annotations) and when it started and ended.
type Alert struct {
	Labels       model.LabelSet
	Annotations  model.LabelSet
	StartsAt     time.Time
	EndsAt       time.Time // zero while firing; when it stopped once resolved
	GeneratorURL string
	UpdatedAt    time.Time
}

// Fingerprint identifies the alert by its labels, as Alertmanager does.
func (a *Alert) Fingerprint() model.Fingerprint { return a.Labels.Fingerprint() }

// Resolved says whether the alert has stopped firing at now.
func (a *Alert) Resolved(now time.Time) bool { return !a.EndsAt.IsZero() && !a.EndsAt.After(now) }

// Name is the alert's alertname label.
func (a *Alert) Name() string { return string(a.Labels[LabelAlertName]) }

// Notification is what a receiver is told about one aggregation group: its
// alerts, firing and resolved, at one flush.
type Notification struct {
	Receiver    string
	GroupKey    string         // stable per route and group labels: PagerDuty's dedup_key comes from it
	GroupLabels model.LabelSet // the group_by labels' values
	Alerts      []*Alert       // firing first, then resolved; each sorted by fingerprint
	Now         time.Time
	ExternalURL string // slopipe's own URL, for links back
	// State is what integrations kept from earlier notifications of this
	// group (a Slack message's channel and ts), keyed by integration name.
	State map[string]string
}

// Firing are the alerts still firing at n.Now.
func (n *Notification) Firing() []*Alert {
	var out []*Alert
	for _, a := range n.Alerts {
		if !a.Resolved(n.Now) {
			out = append(out, a)
		}
	}
	return out
}

// Resolved are the alerts that have stopped at n.Now.
func (n *Notification) Resolved() []*Alert {
	var out []*Alert
	for _, a := range n.Alerts {
		if a.Resolved(n.Now) {
			out = append(out, a)
		}
	}
	return out
}

// Status is "firing" while any alert fires, else "resolved".
func (n *Notification) Status() string {
	if len(n.Firing()) > 0 {
		return "firing"
	}
	return "resolved"
}

// CommonLabels are the labels every alert of the notification shares.
func (n *Notification) CommonLabels() model.LabelSet {
	return common(n.Alerts, func(a *Alert) model.LabelSet { return a.Labels })
}

// CommonAnnotations are the annotations every alert shares.
func (n *Notification) CommonAnnotations() model.LabelSet {
	return common(n.Alerts, func(a *Alert) model.LabelSet { return a.Annotations })
}

func common(alerts []*Alert, of func(*Alert) model.LabelSet) model.LabelSet {
	out := model.LabelSet{}
	if len(alerts) == 0 {
		return out
	}
	for k, v := range of(alerts[0]) {
		out[k] = v
	}
	for _, a := range alerts[1:] {
		set := of(a)
		for k, v := range out {
			if set[k] != v {
				delete(out, k)
			}
		}
	}
	return out
}

// SortAlerts orders alerts firing first, then resolved, each by
// fingerprint: the order notifications list them in.
func SortAlerts(alerts []*Alert, now time.Time) {
	sort.SliceStable(alerts, func(i, j int) bool {
		ri, rj := alerts[i].Resolved(now), alerts[j].Resolved(now)
		if ri != rj {
			return !ri
		}
		return alerts[i].Fingerprint() < alerts[j].Fingerprint()
	})
}
