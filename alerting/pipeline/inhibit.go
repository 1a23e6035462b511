package pipeline

import (
	"encoding/binary"
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

// Inhibition is what inhibits at one instant: per rule, the alerts firing
// then that match its source matchers, by the values of its equal labels.
// A target is checked against the few sources that share its values, not
// against every alert.
type Inhibition struct {
	rules []amconfig.InhibitRule
	// sources[i] are rule i's sources by equalKey.
	sources []map[string][]*alerting.Alert
}

// Sources indexes the alerts of alerts firing at now that inhibit by a
// rule.
func (in *Inhibitor) Sources(alerts []*alerting.Alert, now time.Time) *Inhibition {
	ix := &Inhibition{rules: in.rules, sources: make([]map[string][]*alerting.Alert, len(in.rules))}
	var key []byte
	for i := range in.rules {
		rule := &in.rules[i]
		bySources := map[string][]*alerting.Alert{}
		for _, a := range alerts {
			if a.Resolved(now) || !matches(rule.SourceMatchers, a.Labels) {
				continue
			}
			key = equalKey(key[:0], rule.Equal, a.Labels)
			bySources[string(key)] = append(bySources[string(key)], a)
		}
		ix.sources[i] = bySources
	}
	return ix
}

// Muted says whether target is inhibited by one of the sources. As in
// Alertmanager, a target that matches a rule's source matchers too is
// muted only by sources that do not match its target matchers: one rule
// can have the same matchers on both sides, and an alert never mutes
// itself or one like it.
func (ix *Inhibition) Muted(target *alerting.Alert) bool {
	var scratch [128]byte
	for i := range ix.rules {
		rule := &ix.rules[i]
		if len(ix.sources[i]) == 0 || !matches(rule.TargetMatchers, target.Labels) {
			continue
		}
		twoSided := matches(rule.SourceMatchers, target.Labels)
		for _, s := range ix.sources[i][string(equalKey(scratch[:0], rule.Equal, target.Labels))] {
			if twoSided && matches(rule.TargetMatchers, s.Labels) {
				continue
			}
			return true
		}
	}
	return false
}

// equalKey appends the values of names in lset to dst, each after its
// length, so no two lists of values make the same key. A missing label is
// the empty value, as in Alertmanager: a source without the label inhibits
// a target without it or with it empty.
func equalKey(dst []byte, names []model.LabelName, lset model.LabelSet) []byte {
	for _, n := range names {
		v := lset[n]
		dst = binary.AppendUvarint(dst, uint64(len(v)))
		dst = append(dst, v...)
	}
	return dst
}
