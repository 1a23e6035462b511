package alerting

import (
	"sort"
	"time"

	"github.com/prometheus/common/model"
)

// Lifecycle keeps a source's alerts between its runs: an alert keeps the
// StartsAt of when it began, one the source no longer reports is handed
// on once more as resolved (and kept retention, so every group it was in
// can send its resolve), and one that fires again after resolving starts
// anew. The SLO policy has one; other sources (cost budgets and
// anomalies) have theirs.
type Lifecycle struct {
	retention time.Duration
	alerts    map[model.Fingerprint]*Alert
}

// NewLifecycle returns a lifecycle with no alert.
func NewLifecycle(retention time.Duration) *Lifecycle {
	return &Lifecycle{retention: retention, alerts: map[model.Fingerprint]*Alert{}}
}

// Restore takes the alerts as they were saved before a restart.
func (l *Lifecycle) Restore(alerts []*Alert) {
	for _, a := range alerts {
		l.alerts[a.Fingerprint()] = a
	}
}

// Update takes what fires at now and returns every current alert.
func (l *Lifecycle) Update(firing []*Alert, now time.Time) []*Alert {
	current := make(map[model.Fingerprint]*Alert, len(firing))
	for _, a := range firing {
		current[a.Fingerprint()] = a
	}
	for fp, a := range current {
		if prev, ok := l.alerts[fp]; ok && !prev.Resolved(now) && prev.EndsAt.IsZero() {
			a.StartsAt = prev.StartsAt
		}
		l.alerts[fp] = a
	}
	for fp, a := range l.alerts {
		if _, ok := current[fp]; ok {
			continue
		}
		if a.EndsAt.IsZero() {
			resolved := *a
			resolved.EndsAt, resolved.UpdatedAt = now, now
			l.alerts[fp] = &resolved
			continue
		}
		if now.Sub(a.EndsAt) > l.retention {
			delete(l.alerts, fp)
		}
	}
	return l.Alerts()
}

// Alerts are the current alerts, firing and recently resolved, sorted by
// fingerprint.
func (l *Lifecycle) Alerts() []*Alert {
	out := make([]*Alert, 0, len(l.alerts))
	for _, a := range l.alerts {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Fingerprint() < out[j].Fingerprint() })
	return out
}
