package amconfig

import (
	"log/slog"
	"reflect"
	"sort"
	"unicode/utf8"

	"github.com/prometheus/alertmanager/matcher/compat"
	"github.com/prometheus/alertmanager/pkg/labels"
	"github.com/prometheus/common/model"
	yaml "go.yaml.in/yaml/v3"
)

// parseMatchers is Alertmanager's default since 0.27: the UTF-8 matchers
// parser, falling back to the classic one, so both severity="page" and
// severity=page read as they do there. Alertmanager logs the fallback; the
// result is the same without the log.
var parseMatchers = compat.FallbackMatchersParser(slog.New(slog.DiscardHandler))

// readByHand reads the keys whose fields are tagged "-": they need more
// than decoding (matchers parsed, group_by's "..."). It reports whether it
// read key.
func (d *decoder) readByHand(v reflect.Value, key string, n *yaml.Node, path string) bool {
	for n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	switch x := v.Addr().Interface().(type) {
	case *Route:
		switch key {
		case "group_by":
			d.groupBy(x, n, path)
		case "matchers":
			x.Matchers = append(x.Matchers, d.matchers(n, path)...)
		case "match":
			x.Match = d.labelMap(n, path)
			x.Matchers = append(x.Matchers, d.matchMap(x.Match, path, labels.MatchEqual)...)
		case "match_re":
			x.MatchRE = d.labelMap(n, path)
			x.Matchers = append(x.Matchers, d.matchMap(x.MatchRE, path, labels.MatchRegexp)...)
		default:
			return false
		}
		return true
	case *InhibitRule:
		switch key {
		case "source_matchers":
			x.SourceMatchers = append(x.SourceMatchers, d.matchers(n, path)...)
		case "target_matchers":
			x.TargetMatchers = append(x.TargetMatchers, d.matchers(n, path)...)
		case "source_match":
			x.SourceMatchers = append(x.SourceMatchers, d.matchMap(d.labelMap(n, path), path, labels.MatchEqual)...)
		case "target_match":
			x.TargetMatchers = append(x.TargetMatchers, d.matchMap(d.labelMap(n, path), path, labels.MatchEqual)...)
		case "source_match_re":
			x.SourceMatchers = append(x.SourceMatchers, d.matchMap(d.labelMap(n, path), path, labels.MatchRegexp)...)
		case "target_match_re":
			x.TargetMatchers = append(x.TargetMatchers, d.matchMap(d.labelMap(n, path), path, labels.MatchRegexp)...)
		case "equal":
			for i, name := range d.strings(n, path) {
				if !validLabelName(name) {
					d.errorAt(index(path, i), "%q is not a label name", name)
					continue
				}
				x.Equal = append(x.Equal, model.LabelName(name))
			}
		default:
			return false
		}
		return true
	}
	return false
}

// finish runs once a struct's keys are all read.
func (d *decoder) finish(v reflect.Value) {
	switch x := v.Addr().Interface().(type) {
	case *Route:
		sort.Sort(x.Matchers)
	case *InhibitRule:
		sort.Sort(x.SourceMatchers)
		sort.Sort(x.TargetMatchers)
	}
}

func (d *decoder) groupBy(r *Route, n *yaml.Node, path string) {
	names := d.strings(n, path)
	if names == nil {
		return
	}
	r.GroupBy = []model.LabelName{} // set, even empty: it overrides the parent's
	seen := map[string]bool{}
	for i, name := range names {
		switch {
		case name == "...":
			r.GroupByAll = true
		case !validLabelName(name):
			d.errorAt(index(path, i), "%q is not a label name", name)
		case seen[name]:
			d.errorAt(index(path, i), "%q is listed twice", name)
		default:
			seen[name] = true
			r.GroupBy = append(r.GroupBy, model.LabelName(name))
		}
	}
	if r.GroupByAll {
		if len(names) > 1 {
			d.errorAt(path, "'...' groups by all labels and cannot be listed with others")
		}
		r.GroupBy = nil
	}
}

// matchers parses a list of matcher strings, each holding one or more
// matchers, as Alertmanager's matchers, source_matchers and
// target_matchers.
func (d *decoder) matchers(n *yaml.Node, path string) labels.Matchers {
	var out labels.Matchers
	for i, s := range d.strings(n, path) {
		ms, err := parseMatchers(s, "config")
		if err != nil {
			d.errorAt(index(path, i), "%q is not a matcher: %v", s, err)
			continue
		}
		out = append(out, ms...)
	}
	return out
}

// labelMap reads match or match_re: label names to values.
func (d *decoder) labelMap(n *yaml.Node, path string) map[string]string {
	var m map[string]string
	d.decode(n, path, reflect.ValueOf(&m).Elem())
	return m
}

// matchMap turns match (equality) or match_re (a regular expression
// anchored at both ends) into matchers, in label order.
func (d *decoder) matchMap(m map[string]string, path string, t labels.MatchType) labels.Matchers {
	names := make([]string, 0, len(m))
	for name := range m {
		names = append(names, name)
	}
	sort.Strings(names)
	var out labels.Matchers
	for _, name := range names {
		// match and match_re keep Alertmanager's classic label names.
		if !model.LegacyValidation.IsValidLabelName(name) {
			d.errorAt(join(path, name), "%q is not a label name", name)
			continue
		}
		mt, err := labels.NewMatcher(t, name, m[name])
		if err != nil {
			d.errorAt(join(path, name), "%q is not a regular expression: %v", m[name], err)
			continue
		}
		out = append(out, mt)
	}
	return out
}

// strings reads a list of strings; nil if n is null or not a list.
func (d *decoder) strings(n *yaml.Node, path string) []string {
	var s []string
	d.decode(n, path, reflect.ValueOf(&s).Elem())
	return s
}

// validLabelName is Alertmanager's rule since 0.27: any non-empty UTF-8.
func validLabelName(s string) bool { return s != "" && utf8.ValidString(s) }
