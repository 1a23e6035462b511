package pipeline

import (
	"fmt"
	"time"

	"github.com/prometheus/alertmanager/pkg/labels"
	"github.com/prometheus/common/model"

	"github.com/slopipe/slopipe/alerting/amconfig"
)

// Route defaults of Alertmanager's root route.
const (
	defaultGroupWait      = 30 * time.Second
	defaultGroupInterval  = 5 * time.Minute
	defaultRepeatInterval = 4 * time.Hour
)

// Route is one node of the routing tree, its timings resolved from its
// ancestors.
type Route struct {
	// Key is Alertmanager's route key, its matchers and its ancestors':
	// group keys (and so PagerDuty dedup keys) are those Alertmanager
	// makes, and do not change when a sibling route is added.
	Key string
	// ID is unique in the tree, also among siblings with the same matchers.
	ID              string
	Receiver        string
	Matchers        labels.Matchers
	GroupBy         map[model.LabelName]bool
	GroupByAll      bool
	GroupWait       time.Duration
	GroupInterval   time.Duration
	RepeatInterval  time.Duration
	MuteIntervals   []string
	ActiveIntervals []string
	Continue        bool
	Routes          []*Route
}

// NewRoute resolves the configured tree: what a child leaves unset it
// inherits from its parent.
func NewRoute(cfg *amconfig.Route) *Route {
	root := &Route{GroupWait: defaultGroupWait, GroupInterval: defaultGroupInterval, RepeatInterval: defaultRepeatInterval}
	return newRoute(cfg, root, 0, true)
}

func newRoute(cfg *amconfig.Route, parent *Route, index int, isRoot bool) *Route {
	r := &Route{
		Receiver: cfg.Receiver, Matchers: cfg.Matchers, Continue: cfg.Continue,
		GroupBy: parent.GroupBy, GroupByAll: parent.GroupByAll,
		GroupWait: parent.GroupWait, GroupInterval: parent.GroupInterval, RepeatInterval: parent.RepeatInterval,
		MuteIntervals: cfg.MuteTimeIntervals, ActiveIntervals: cfg.ActiveTimeIntervals,
	}
	if r.Receiver == "" {
		r.Receiver = parent.Receiver
	}
	if cfg.GroupBy != nil || cfg.GroupByAll {
		r.GroupByAll = cfg.GroupByAll
		r.GroupBy = map[model.LabelName]bool{}
		for _, l := range cfg.GroupBy {
			r.GroupBy[l] = true
		}
	}
	if cfg.GroupWait != nil {
		r.GroupWait = time.Duration(*cfg.GroupWait)
	}
	if cfg.GroupInterval != nil {
		r.GroupInterval = time.Duration(*cfg.GroupInterval)
	}
	if cfg.RepeatInterval != nil {
		r.RepeatInterval = time.Duration(*cfg.RepeatInterval)
	}
	if isRoot {
		r.Key, r.ID = r.Matchers.String(), r.Matchers.String()
	} else {
		r.Key = parent.Key + "/" + r.Matchers.String()
		r.ID = fmt.Sprintf("%s/%s/%d", parent.ID, r.Matchers.String(), index)
	}
	for i, child := range cfg.Routes {
		r.Routes = append(r.Routes, newRoute(child, r, i, false))
	}
	return r
}

// Match returns the routes an alert with lset goes to: the deepest
// matching nodes, siblings after one that matched only with continue, and
// the node itself when no child matches.
func (r *Route) Match(lset model.LabelSet) []*Route {
	if !matches(r.Matchers, lset) {
		return nil
	}
	var out []*Route
	for _, child := range r.Routes {
		matched := child.Match(lset)
		out = append(out, matched...)
		if len(matched) > 0 && !child.Continue {
			break
		}
	}
	if len(out) == 0 {
		out = append(out, r)
	}
	return out
}

// GroupLabels are the labels of lset the route groups by.
func (r *Route) GroupLabels(lset model.LabelSet) model.LabelSet {
	if r.GroupByAll {
		return lset.Clone()
	}
	out := model.LabelSet{}
	for name := range r.GroupBy {
		if v, ok := lset[name]; ok {
			out[name] = v
		}
	}
	return out
}

// GroupKey identifies an aggregation group: the route and its group
// labels, in Alertmanager's shape.
func (r *Route) GroupKey(groupLabels model.LabelSet) string {
	return r.Key + ":" + groupLabels.String()
}

// Walk calls f on r and every route below it.
func (r *Route) Walk(f func(*Route)) {
	f(r)
	for _, c := range r.Routes {
		c.Walk(f)
	}
}

func matches(ms labels.Matchers, lset model.LabelSet) bool {
	for _, m := range ms {
		if !m.Matches(string(lset[model.LabelName(m.Name)])) {
			return false
		}
	}
	return true
}
