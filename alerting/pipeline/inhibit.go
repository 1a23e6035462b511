package pipeline

import (
	"time"

	"github.com/prometheus/common/model"

	"github.com/slopipe/slopipe/alerting"
	"github.com/slopipe/slopipe/alerting/amconfig"
)

// Inhibitor mutes alerts while others fire: by default slopipe's config
// has a page mute the ticket of the same SLO and tenant.
type Inhibitor struct {
	rules []amconfig.InhibitRule
}

// NewInhibitor takes the configured rules.
func NewInhibitor(rules []amconfig.InhibitRule) *Inhibitor { return &Inhibitor{rules: rules} }

// Muted says whether target is inhibited by one of sources firing at now.
// An alert never inhibits itself, as in Alertmanager, so one rule can
// have the same matchers on both sides.
func (in *Inhibitor) Muted(target *alerting.Alert, sources []*alerting.Alert, now time.Time) bool {
	var targetFingerprint model.Fingerprint
	for i := range in.rules {
		rule := &in.rules[i]
		if !matches(rule.TargetMatchers, target.Labels) {
			continue
		}
		for _, s := range sources {
			if s == target || s.Resolved(now) || !matches(rule.SourceMatchers, s.Labels) || !equalOn(rule.Equal, s.Labels, target.Labels) {
				continue
			}
			// Only a source that would mute is checked for being the
			// target itself: a fingerprint hashes every label, and this
			// loop runs for every firing alert per target.
			if targetFingerprint == 0 {
				targetFingerprint = target.Fingerprint()
			}
			if s.Fingerprint() != targetFingerprint {
				return true
			}
		}
	}
	return false
}

func equalOn(names []model.LabelName, a, b model.LabelSet) bool {
	for _, n := range names {
		if a[n] != b[n] {
			return false
		}
	}
	return true
}
