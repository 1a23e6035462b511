package pipeline

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/alertmanager/pkg/labels"
	"github.com/prometheus/common/model"

	"github.com/slopipe/slopipe/alerting"
	"github.com/slopipe/slopipe/alerting/amconfig"
	"github.com/slopipe/slopipe/store"
)

func mustMatchers(t *testing.T, s string) labels.Matchers {
	t.Helper()
	ms, err := labels.ParseMatchers(s)
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

func dur(d time.Duration) *model.Duration { m := model.Duration(d); return &m }

// The routing tree: deepest match wins, continue lets siblings match too,
// a node without a matching child takes the alert itself, and children
// inherit what they leave unset.
func TestRouteMatchAndInheritance(t *testing.T) {
	cfg := &amconfig.Route{
		Receiver: "default", GroupBy: []model.LabelName{"slo", "tenant"}, GroupWait: dur(10 * time.Second),
		Routes: []*amconfig.Route{
			{Receiver: "audit", Matchers: mustMatchers(t, `severity=~"page|ticket"`), Continue: true, GroupByAll: true},
			{Receiver: "pager", Matchers: mustMatchers(t, `severity="page"`), RepeatInterval: dur(time.Hour),
				Routes: []*amconfig.Route{{Receiver: "acme-pager", Matchers: mustMatchers(t, `tenant="acme"`)}}},
			{Receiver: "tickets", Matchers: mustMatchers(t, `severity="ticket"`)},
		},
	}
	root := NewRoute(cfg)
	receivers := func(lset model.LabelSet) []string {
		var out []string
		for _, r := range root.Match(lset) {
			out = append(out, r.Receiver)
		}
		return out
	}
	for _, tc := range []struct {
		lset model.LabelSet
		want []string
	}{
		{model.LabelSet{"severity": "page", "tenant": "acme"}, []string{"audit", "acme-pager"}},
		{model.LabelSet{"severity": "page", "tenant": "beta"}, []string{"audit", "pager"}},
		{model.LabelSet{"severity": "ticket"}, []string{"audit", "tickets"}},
		{model.LabelSet{"severity": "info"}, []string{"default"}},
	} {
		if got := receivers(tc.lset); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%v → %v, want %v", tc.lset, got, tc.want)
		}
	}
	acme := root.Match(model.LabelSet{"severity": "page", "tenant": "acme"})[1]
	if acme.GroupWait != 10*time.Second || acme.GroupInterval != defaultGroupInterval || acme.RepeatInterval != time.Hour {
		t.Errorf("acme-pager timings %v %v %v: want inherited 10s, 5m, 1h", acme.GroupWait, acme.GroupInterval, acme.RepeatInterval)
	}
	if !acme.GroupBy["slo"] || !acme.GroupBy["tenant"] || acme.GroupByAll {
		t.Errorf("acme-pager groups by %v (all %v), want inherited slo, tenant", acme.GroupBy, acme.GroupByAll)
	}
	lset := model.LabelSet{"slo": "checkout", "tenant": "acme", "severity": "page", "team": "pay"}
	if got := acme.GroupLabels(lset); !reflect.DeepEqual(got, model.LabelSet{"slo": "checkout", "tenant": "acme"}) {
		t.Errorf("group labels %v", got)
	}
	audit := root.Match(lset)[0]
	if got := audit.GroupLabels(lset); !reflect.DeepEqual(got, lset) {
		t.Errorf("group_by [...] gives %v, want every label", got)
	}
	// Keys are Alertmanager's (they make the group keys PagerDuty dedups
	// on), stable across builds and sibling routes added.
	if want := `{}/{severity="page"}/{tenant="acme"}`; acme.Key != want {
		t.Errorf("route key %q, want %q", acme.Key, want)
	}
	if want := `{}/{severity=~"page|ticket"}`; audit.Key != want {
		t.Errorf("route key %q, want %q", audit.Key, want)
	}
	cfg.Routes = append([]*amconfig.Route{{Receiver: "first", Matchers: mustMatchers(t, `team="x"`)}}, cfg.Routes...)
	if again := NewRoute(cfg).Match(lset); again[1].Key != acme.Key || again[1].ID == acme.ID {
		t.Errorf("after a route was added before it: key %q id %q, was %q %q", again[1].Key, again[1].ID, acme.Key, acme.ID)
	}
}

func alert(lset model.LabelSet, endsAt time.Time) *alerting.Alert {
	return &alerting.Alert{Labels: lset, StartsAt: time.Unix(0, 0), EndsAt: endsAt}
}

// A firing page mutes the ticket of the same SLO and tenant, not another
// tenant's; a resolved page mutes nothing; an alert never mutes itself.
func TestInhibitorMutesTicketWhilePageFires(t *testing.T) {
	now := time.Unix(1000, 0)
	in := NewInhibitor([]amconfig.InhibitRule{{
		SourceMatchers: mustMatchers(t, `severity="page"`), TargetMatchers: mustMatchers(t, `severity=~"page|ticket"`),
		Equal: []model.LabelName{"slo", "tenant"},
	}})
	page := alert(model.LabelSet{"severity": "page", "slo": "a", "tenant": "acme"}, time.Time{})
	ticket := alert(model.LabelSet{"severity": "ticket", "slo": "a", "tenant": "acme"}, time.Time{})
	otherTenant := alert(model.LabelSet{"severity": "ticket", "slo": "a", "tenant": "beta"}, time.Time{})
	resolvedPage := alert(model.LabelSet{"severity": "page", "slo": "a", "tenant": "acme"}, now.Add(-time.Second))
	sources := []*alerting.Alert{page, ticket, otherTenant}
	if !in.Sources(sources, now).Muted(ticket) {
		t.Error("ticket not inhibited by the firing page")
	}
	if in.Sources(sources, now).Muted(otherTenant) {
		t.Error("another tenant's ticket inhibited")
	}
	if in.Sources(sources, now).Muted(page) {
		t.Error("the page inhibited itself")
	}
	if in.Sources([]*alerting.Alert{resolvedPage, ticket}, now).Muted(ticket) {
		t.Error("a resolved page inhibits")
	}
}

// Sources are found by the values of the equal labels: a missing label
// equals an empty one, values are not run together (slo "a" with tenant
// "bc" is not slo "ab" with tenant "c"), a rule without equal labels lets
// any source mute any target, an alert with the same labels as the target
// (another copy of it) does not mute it, and a source must match the
// source matchers, not just share the values.
func TestInhibitionIndexByEqualLabels(t *testing.T) {
	now := time.Unix(1000, 0)
	firing := func(labels ...string) *alerting.Alert {
		lset := model.LabelSet{}
		for i := 0; i < len(labels); i += 2 {
			lset[model.LabelName(labels[i])] = model.LabelValue(labels[i+1])
		}
		return alert(lset, time.Time{})
	}
	rule := func(equal ...model.LabelName) amconfig.InhibitRule {
		return amconfig.InhibitRule{SourceMatchers: mustMatchers(t, `severity="page"`),
			TargetMatchers: mustMatchers(t, `severity="ticket"`), Equal: equal}
	}
	for _, tc := range []struct {
		name    string
		rules   []amconfig.InhibitRule
		sources []*alerting.Alert
		target  *alerting.Alert
		want    bool
	}{
		{"same values", []amconfig.InhibitRule{rule("slo", "tenant")},
			[]*alerting.Alert{firing("severity", "page", "slo", "a", "tenant", "acme")},
			firing("severity", "ticket", "slo", "a", "tenant", "acme"), true},
		{"missing on both sides", []amconfig.InhibitRule{rule("slo", "tenant")},
			[]*alerting.Alert{firing("severity", "page", "slo", "a")},
			firing("severity", "ticket", "slo", "a"), true},
		{"missing on the source, empty on the target", []amconfig.InhibitRule{rule("slo", "tenant")},
			[]*alerting.Alert{firing("severity", "page", "slo", "a")},
			firing("severity", "ticket", "slo", "a", "tenant", ""), true},
		{"missing on the source, set on the target", []amconfig.InhibitRule{rule("slo", "tenant")},
			[]*alerting.Alert{firing("severity", "page", "slo", "a")},
			firing("severity", "ticket", "slo", "a", "tenant", "acme"), false},
		{"values not run together", []amconfig.InhibitRule{rule("slo", "tenant")},
			[]*alerting.Alert{firing("severity", "page", "slo", "a", "tenant", "bc")},
			firing("severity", "ticket", "slo", "ab", "tenant", "c"), false},
		{"no equal labels", []amconfig.InhibitRule{rule()},
			[]*alerting.Alert{firing("severity", "page", "slo", "x", "tenant", "other")},
			firing("severity", "ticket", "slo", "a", "tenant", "acme"), true},
		{"same values, not a source", []amconfig.InhibitRule{rule("slo", "tenant")},
			[]*alerting.Alert{firing("severity", "info", "slo", "a", "tenant", "acme")},
			firing("severity", "ticket", "slo", "a", "tenant", "acme"), false},
		{"a copy of the target", []amconfig.InhibitRule{{SourceMatchers: mustMatchers(t, `slo="a"`),
			TargetMatchers: mustMatchers(t, `slo="a"`), Equal: []model.LabelName{"tenant"}}},
			[]*alerting.Alert{firing("severity", "ticket", "slo", "a", "tenant", "acme")},
			firing("severity", "ticket", "slo", "a", "tenant", "acme"), false},
		// Alertmanager's two-sided rule: a target that matches the source
		// matchers too is muted only by sources that do not match the
		// target matchers.
		{"another alert matching both sides", []amconfig.InhibitRule{{SourceMatchers: mustMatchers(t, `slo="a"`),
			TargetMatchers: mustMatchers(t, `slo="a"`), Equal: []model.LabelName{"tenant"}}},
			[]*alerting.Alert{firing("severity", "page", "slo", "a", "tenant", "acme")},
			firing("severity", "ticket", "slo", "a", "tenant", "acme"), false},
		{"two-sided target, one-sided source", []amconfig.InhibitRule{{SourceMatchers: mustMatchers(t, `slo="a"`),
			TargetMatchers: mustMatchers(t, `slo="a", severity="ticket"`), Equal: []model.LabelName{"tenant"}}},
			[]*alerting.Alert{firing("severity", "page", "slo", "a", "tenant", "acme")},
			firing("severity", "ticket", "slo", "a", "tenant", "acme"), true},
		{"second rule mutes", []amconfig.InhibitRule{rule("slo", "tenant"), rule("tenant")},
			[]*alerting.Alert{firing("severity", "page", "slo", "b", "tenant", "acme")},
			firing("severity", "ticket", "slo", "a", "tenant", "acme"), true},
	} {
		if got := NewInhibitor(tc.rules).Sources(tc.sources, now).Muted(tc.target); got != tc.want {
			t.Errorf("%s: muted %v, want %v", tc.name, got, tc.want)
		}
	}
}

// The dedup stage's decisions, Alertmanager's.
func TestNeedsUpdate(t *testing.T) {
	now := time.Unix(100000, 0)
	set := func(keys ...string) map[string]bool {
		m := map[string]bool{}
		for _, k := range keys {
			m[k] = true
		}
		return m
	}
	entry := func(firing, resolved []string, ago time.Duration) *store.NotificationLogEntry {
		return &store.NotificationLogEntry{FiringAlerts: firing, ResolvedAlerts: resolved, SentAt: now.Add(-ago)}
	}
	for _, tc := range []struct {
		name             string
		entry            *store.NotificationLogEntry
		firing, resolved map[string]bool
		sendResolved     bool
		want             bool
	}{
		{"new group firing", nil, set("a"), set(), true, true},
		{"new group only resolved", nil, set(), set("a"), true, false},
		{"same firing within repeat", entry([]string{"a"}, nil, time.Minute), set("a"), set(), true, false},
		{"same firing after repeat", entry([]string{"a"}, nil, time.Hour), set("a"), set(), true, true},
		{"new firing alert", entry([]string{"a"}, nil, time.Minute), set("a", "b"), set(), true, true},
		{"fewer firing, one resolved, send_resolved", entry([]string{"a", "b"}, nil, time.Minute), set("a"), set("b"), true, true},
		{"fewer firing, one resolved, no send_resolved", entry([]string{"a", "b"}, nil, time.Minute), set("a"), set("b"), false, false},
		{"all resolved", entry([]string{"a"}, nil, time.Minute), set(), set("a"), false, true},
		{"resolve already sent", entry(nil, []string{"a"}, time.Minute), set(), set("a"), true, false},
	} {
		if got := needsUpdate(tc.entry, tc.firing, tc.resolved, tc.sendResolved, time.Hour, now); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestSilenceValidateAndState(t *testing.T) {
	now := time.Unix(5000, 0)
	ok := Silence{Matchers: []Matcher{{Name: "slo", Value: "checkout"}, {Name: "tenant", Value: "a|b", IsRegex: true}},
		StartsAt: now, EndsAt: now.Add(time.Hour), CreatedBy: "oncall", Comment: "deploying"}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	if !ok.Mutes(model.LabelSet{"slo": "checkout", "tenant": "b"}, now) || ok.Mutes(model.LabelSet{"slo": "checkout", "tenant": "c"}, now) {
		t.Error("matching is wrong")
	}
	if ok.State(now.Add(-time.Second)) != SilencePending || ok.State(now) != SilenceActive || ok.State(now.Add(time.Hour)) != SilenceExpired {
		t.Error("states are wrong")
	}
	if ok.Mutes(model.LabelSet{"slo": "checkout", "tenant": "b"}, now.Add(time.Hour)) {
		t.Error("an expired silence mutes")
	}
	notEqual := false
	for _, tc := range []struct {
		name string
		edit func(*Silence)
		want string
	}{
		{"no matchers", func(s *Silence) { s.Matchers = nil }, "matchers: at least one"},
		{"empty name", func(s *Silence) { s.Matchers[0].Name = "" }, `matchers[0].name: ""`},
		{"bad regex", func(s *Silence) { s.Matchers[1].Value = "(" }, "matchers[1].value:"},
		{"mutes everything", func(s *Silence) {
			s.Matchers = []Matcher{{Name: "slo", Value: ".*", IsRegex: true}, {Name: "x", Value: "y", IsEqual: &notEqual}}
		}, "would mute every alert"},
		{"ends before start", func(s *Silence) { s.EndsAt = s.StartsAt }, "endsAt: must be after startsAt"},
		{"no author", func(s *Silence) { s.CreatedBy = "" }, "createdBy: missing"},
		{"no comment", func(s *Silence) { s.Comment = "" }, "comment: missing"},
	} {
		s := ok
		s.Matchers = append([]Matcher(nil), ok.Matchers...)
		tc.edit(&s)
		err := s.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}
