package slo

import (
	"fmt"
	"maps"
	"math"
	"reflect"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// OpenSLO v1 documents, the parts slopipe reads. Kinds not listed here are
// refused by name.
type openSLODoc struct {
	APIVersion string          `yaml:"apiVersion"`
	Kind       string          `yaml:"kind"`
	Metadata   openSLOMetadata `yaml:"metadata"`
	Spec       yaml.Node       `yaml:"spec"`
}

type openSLOMetadata struct {
	Name        string            `yaml:"name"`
	DisplayName string            `yaml:"displayName"`
	Labels      openSLOLabels     `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
}

// openSLOLabels are OpenSLO metadata labels, whose values are a string or a
// list of strings; a list reads as its items joined by commas.
type openSLOLabels map[string]string

func (l *openSLOLabels) UnmarshalYAML(node *yaml.Node) error {
	if node.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: labels: want a mapping of names to a string or a list of strings", node.Line)
	}
	out := openSLOLabels{}
	for i := 0; i+1 < len(node.Content); i += 2 {
		key, value := node.Content[i].Value, node.Content[i+1]
		switch value.Kind {
		case yaml.ScalarNode:
			out[key] = value.Value
		case yaml.SequenceNode:
			var items []string
			if err := value.Decode(&items); err != nil {
				return fmt.Errorf("line %d: labels.%s: want a string or a list of strings", value.Line, key)
			}
			out[key] = strings.Join(items, ",")
		default:
			return fmt.Errorf("line %d: labels.%s: want a string or a list of strings", value.Line, key)
		}
	}
	*l = out
	return nil
}

type openSLOService struct {
	Description string `yaml:"description"`
}

type openSLOSLI struct {
	Description     string         `yaml:"description"`
	ThresholdMetric *openSLOMetric `yaml:"thresholdMetric"`
	RatioMetric     *openSLORatio  `yaml:"ratioMetric"`
}

type openSLORatio struct {
	Counter bool           `yaml:"counter"`
	Good    *openSLOMetric `yaml:"good"`
	Bad     *openSLOMetric `yaml:"bad"`
	Total   *openSLOMetric `yaml:"total"`
}

type openSLOMetric struct {
	MetricSource struct {
		MetricSourceRef string    `yaml:"metricSourceRef"`
		Type            string    `yaml:"type"`
		Spec            yaml.Node `yaml:"spec"`
	} `yaml:"metricSource"`
}

type openSLOInlineSLI struct {
	Metadata openSLOMetadata `yaml:"metadata"`
	Spec     openSLOSLI      `yaml:"spec"`
}

type openSLOSLOSpec struct {
	Description     string            `yaml:"description"`
	Service         string            `yaml:"service"`
	Indicator       *openSLOInlineSLI `yaml:"indicator"`
	IndicatorRef    string            `yaml:"indicatorRef"`
	BudgetingMethod string            `yaml:"budgetingMethod"`
	TimeWindow      []struct {
		Duration  string `yaml:"duration"`
		IsRolling bool   `yaml:"isRolling"`
		Calendar  *struct {
			StartTime string `yaml:"startTime"`
			TimeZone  string `yaml:"timeZone"`
		} `yaml:"calendar"`
	} `yaml:"timeWindow"`
	Objectives []struct {
		DisplayName     string   `yaml:"displayName"`
		Op              string   `yaml:"op"`
		Value           *float64 `yaml:"value"`
		Target          *float64 `yaml:"target"`
		TargetPercent   *float64 `yaml:"targetPercent"`
		TimeSliceTarget *float64 `yaml:"timeSliceTarget"`
		TimeSliceWindow string   `yaml:"timeSliceWindow"`
	} `yaml:"objectives"`
	// Names of AlertPolicy documents, {alertPolicyRef: name}, or inline
	// AlertPolicy objects.
	AlertPolicies []yaml.Node `yaml:"alertPolicies"`
}

// openSLOAlertPolicy is an AlertPolicy's spec. slopipe reads its
// conditions; the rest is for the alerting engine's routing.
type openSLOAlertPolicy struct {
	Description         string                   `yaml:"description"`
	AlertWhenNoData     bool                     `yaml:"alertWhenNoData"`
	AlertWhenBreaching  bool                     `yaml:"alertWhenBreaching"`
	AlertWhenResolved   bool                     `yaml:"alertWhenResolved"`
	Conditions          []openSLOPolicyCondition `yaml:"conditions"`
	NotificationTargets yaml.Node                `yaml:"notificationTargets"`
}

// openSLOPolicyCondition is a conditionRef or an inline AlertCondition.
type openSLOPolicyCondition struct {
	ConditionRef string                 `yaml:"conditionRef"`
	Kind         string                 `yaml:"kind"`
	Metadata     openSLOMetadata        `yaml:"metadata"`
	Spec         *openSLOAlertCondition `yaml:"spec"`
}

// openSLOAlertCondition is an AlertCondition's spec.
type openSLOAlertCondition struct {
	Description string `yaml:"description"`
	Severity    string `yaml:"severity"`
	Condition   *struct {
		Kind           string   `yaml:"kind"`
		Op             string   `yaml:"op"`
		Threshold      *float64 `yaml:"threshold"`
		LookbackWindow string   `yaml:"lookbackWindow"`
		AlertAfter     string   `yaml:"alertAfter"`
	} `yaml:"condition"`
}

// openSLOInlinePolicy is an AlertPolicy written in an SLO's alertPolicies.
type openSLOInlinePolicy struct {
	Kind     string             `yaml:"kind"`
	Metadata openSLOMetadata    `yaml:"metadata"`
	Spec     openSLOAlertPolicy `yaml:"spec"`
}

type openSLOPolicyRef struct {
	AlertPolicyRef string `yaml:"alertPolicyRef"`
}

// openSLOSet gathers the documents of every file before SLOs are resolved,
// because an SLO may name an SLI or a service defined in another file.
type openSLOSet struct {
	slis       map[string]openSLOSLIDoc
	services   map[string]bool
	slos       []openSLOSLODoc
	conditions map[string]openSLOConditionDoc
	policies   map[string]*openSLOPolicyDoc
	policyList []*openSLOPolicyDoc // in file order
	other      int                 // AlertNotificationTarget, DataSource: not read
}

// openSLOConditionDoc is an AlertCondition document read as a burn-rate
// pair; ok is false when it has problems (reported where it is).
type openSLOConditionDoc struct {
	pair BurnAlertPair
	ok   bool
}

// openSLOPolicyDoc is an AlertPolicy document; its pairs are resolved once
// every file is read, its conditions may be in other files.
type openSLOPolicyDoc struct {
	file  string
	node  *yaml.Node
	name  string
	spec  openSLOAlertPolicy
	pairs []BurnAlertPair
	ok    bool
}

type openSLOSLIDoc struct {
	file string
	node *yaml.Node
	sli  openSLOSLI
}

type openSLOSLODoc struct {
	file   string
	node   *yaml.Node
	name   string
	labels map[string]string
	spec   openSLOSLOSpec
}

func newOpenSLOSet() *openSLOSet {
	return &openSLOSet{slis: map[string]openSLOSLIDoc{}, services: map[string]bool{},
		conditions: map[string]openSLOConditionDoc{}, policies: map[string]*openSLOPolicyDoc{}}
}

// add reads one OpenSLO document.
func (set *openSLOSet) add(file string, doc *yaml.Node) Problems {
	var problems Problems
	var d openSLODoc
	if err := doc.Decode(&d); err != nil {
		return Problems{{File: file, Line: lineOf(doc, ""), Msg: err.Error()}}
	}
	report := func(field, msg string) {
		problems = append(problems, Problem{File: file, Line: lineOf(doc, field), SLO: d.Metadata.Name, Field: field, Msg: msg})
	}
	if d.APIVersion != "openslo/v1" {
		report("apiVersion", fmt.Sprintf("%q: slopipe reads openslo/v1", d.APIVersion))
		return problems
	}
	if d.Metadata.Name == "" {
		report("metadata.name", "missing")
		return problems
	}
	strict := func(t reflect.Type) {
		unknownFields(&d.Spec, t, "spec", func(line int, field, msg string) {
			problems = append(problems, Problem{File: file, Line: line, SLO: d.Metadata.Name, Field: field, Msg: msg})
		})
	}
	switch d.Kind {
	case "Service":
		strict(reflect.TypeFor[openSLOService]())
		set.services[d.Metadata.Name] = true
	case "SLI":
		var sli openSLOSLI
		strict(reflect.TypeFor[openSLOSLI]())
		if err := d.Spec.Decode(&sli); err != nil {
			report("spec", err.Error())
			break
		}
		set.slis[d.Metadata.Name] = openSLOSLIDoc{file: file, node: doc, sli: sli}
	case "SLO":
		var spec openSLOSLOSpec
		strict(reflect.TypeFor[openSLOSLOSpec]())
		if err := d.Spec.Decode(&spec); err != nil {
			report("spec", err.Error())
			break
		}
		set.slos = append(set.slos, openSLOSLODoc{file: file, node: doc, name: d.Metadata.Name, labels: d.Metadata.Labels, spec: spec})
	case "AlertCondition":
		var spec openSLOAlertCondition
		strict(reflect.TypeFor[openSLOAlertCondition]())
		if err := d.Spec.Decode(&spec); err != nil {
			report("spec", err.Error())
			break
		}
		pair := burnAlertPair(&spec, "spec.", report)
		set.conditions[d.Metadata.Name] = openSLOConditionDoc{pair: pair, ok: len(problems) == 0}
	case "AlertPolicy":
		var spec openSLOAlertPolicy
		strict(reflect.TypeFor[openSLOAlertPolicy]())
		if err := d.Spec.Decode(&spec); err != nil {
			report("spec", err.Error())
			break
		}
		p := &openSLOPolicyDoc{file: file, node: doc, name: d.Metadata.Name, spec: spec, ok: len(problems) == 0}
		set.policies[p.name] = p
		set.policyList = append(set.policyList, p)
	case "AlertNotificationTarget", "DataSource":
		set.other++
	default:
		report("kind", fmt.Sprintf("%q is not an OpenSLO v1 kind slopipe reads (Service, SLI, SLO, AlertPolicy, AlertCondition, AlertNotificationTarget, DataSource)", d.Kind))
	}
	return problems
}

// resolve turns the SLO documents into SLOs, one per objective.
func (set *openSLOSet) resolve() ([]SLO, Problems) {
	var out []SLO
	var problems Problems
	for _, p := range set.policyList {
		report := func(field, msg string) {
			problems = append(problems, Problem{File: p.file, Line: lineOf(p.node, field), SLO: p.name, Field: field, Msg: msg})
		}
		before := len(problems)
		p.pairs = set.policyPairs(&p.spec, "spec.", report)
		p.ok = p.ok && len(problems) == before
	}
	for _, d := range set.slos {
		report := func(field, msg string) {
			problems = append(problems, Problem{File: d.file, Line: lineOf(d.node, field), SLO: d.name, Field: field, Msg: msg})
		}
		before := len(problems)
		s := d.spec
		if s.Service == "" {
			report("spec.service", "missing")
		} else if len(set.services) > 0 && !set.services[s.Service] {
			report("spec.service", fmt.Sprintf("no Service %q is defined", s.Service))
		}

		var (
			sli      openSLOSLI
			haveSLI  bool
			sliField = "spec.indicator.spec"
		)
		switch {
		case s.Indicator != nil && s.IndicatorRef != "":
			report("spec.indicatorRef", "give indicator or indicatorRef, not both")
		case s.Indicator != nil:
			sli, haveSLI = s.Indicator.Spec, true
		case s.IndicatorRef != "":
			ref, ok := set.slis[s.IndicatorRef]
			if !ok {
				report("spec.indicatorRef", fmt.Sprintf("no SLI %q is defined", s.IndicatorRef))
			}
			sli, haveSLI, sliField = ref.sli, ok, "spec.indicatorRef"
		default:
			report("spec.indicator", "missing (or indicatorRef)")
		}
		ind, msg := indicatorOf(sli)
		if msg != "" && haveSLI {
			report(sliField, msg)
		}

		method, ok := map[string]Method{"Occurrences": Occurrences, "Timeslices": Timeslices, "RatioTimeslices": RatioTimeslices}[s.BudgetingMethod]
		if !ok {
			report("spec.budgetingMethod", fmt.Sprintf("%q: want Occurrences, Timeslices or RatioTimeslices", s.BudgetingMethod))
		}

		var window Window
		if len(s.TimeWindow) != 1 {
			report("spec.timeWindow", "needs exactly one window")
		} else {
			tw := s.TimeWindow[0]
			var start, zone string
			if tw.Calendar != nil {
				start, zone = tw.Calendar.StartTime, tw.Calendar.TimeZone
			}
			var err error
			if window, err = ParseWindow(tw.Duration, tw.IsRolling, start, zone); err != nil {
				report("spec.timeWindow.0", err.Error())
			}
		}

		pairs := set.sloPairs(s.AlertPolicies, report)
		for i := range pairs {
			// The share of this SLO's budget that burning at the
			// threshold spends within the long window.
			long := BurnWindows[burnWindow(pairs[i].Long)].Length
			if period := window.periodLength(); period > 0 {
				pairs[i].BudgetPercent = pairs[i].Factor * float64(long) / float64(period) * 100
			}
		}

		if len(s.Objectives) == 0 {
			report("spec.objectives", "no objectives")
		}
		for i, o := range s.Objectives {
			at := func(field string) string { return fmt.Sprintf("spec.objectives.%d.%s", i, field) }
			var target float64
			switch {
			case o.Target != nil && o.TargetPercent != nil:
				report(at("target"), "give target or targetPercent, not both")
			case o.Target != nil:
				target = *o.Target
			case o.TargetPercent != nil:
				target = PercentToRatio(*o.TargetPercent)
			default:
				report(at("target"), "missing (or targetPercent)")
			}
			if (o.Target != nil || o.TargetPercent != nil) && !(target > 0 && target < 1) {
				report(at("target"), fmt.Sprintf("%v is not in (0, 1) (targetPercent: in (0, 100))", target))
			}
			slo := SLO{Name: d.name, Service: s.Service, Description: s.Description, Labels: maps.Clone(d.labels),
				Objective: target, Method: method, Window: window, Indicator: ind, File: d.file,
				Alerting: Alerting{Pairs: slices.Clone(pairs)}}
			if len(s.Objectives) > 1 {
				slo.Name = fmt.Sprintf("%s/%d", d.name, i)
				if o.DisplayName != "" {
					slo.Name = d.name + "/" + o.DisplayName
				}
			}
			if method != Occurrences {
				if o.TimeSliceWindow == "" {
					report(at("timeSliceWindow"), "missing: "+method.String()+" needs it")
				} else if fixed, _, _, err := ParseDuration(o.TimeSliceWindow); err != nil || fixed < time.Minute {
					report(at("timeSliceWindow"), fmt.Sprintf("%q is not a whole number of minutes or more", o.TimeSliceWindow))
				} else {
					slo.TimesliceLength = fixed
				}
			}
			if method == Timeslices {
				if o.TimeSliceTarget == nil || !(*o.TimeSliceTarget > 0 && *o.TimeSliceTarget <= 1) {
					report(at("timeSliceTarget"), "Timeslices needs a timeSliceTarget in (0, 1]")
				} else {
					slo.TimesliceTarget = *o.TimeSliceTarget
				}
			}
			switch {
			case sli.ThresholdMetric != nil && sli.RatioMetric == nil:
				if o.Op == "" {
					report(at("op"), "missing: a thresholdMetric SLI needs op (lt, lte, gt or gte) and value")
				} else if _, ok := thresholdOps[o.Op]; !ok {
					report(at("op"), fmt.Sprintf("%q: want lt, lte, gt or gte", o.Op))
				}
				if o.Value == nil {
					report(at("value"), "missing: a thresholdMetric SLI needs the threshold value")
				} else if math.IsNaN(*o.Value) || math.IsInf(*o.Value, 0) {
					report(at("value"), fmt.Sprintf("%v is not a finite number", *o.Value))
				} else {
					slo.Indicator.ThresholdOp, slo.Indicator.ThresholdValue = o.Op, *o.Value
				}
			case sli.RatioMetric != nil && sli.ThresholdMetric == nil && (o.Op != "" || o.Value != nil):
				field := at("op")
				if o.Op == "" {
					field = at("value")
				}
				report(field, "op and value are for a thresholdMetric SLI; this SLO's SLI is a ratioMetric")
			}
			if len(problems) == before {
				out = append(out, slo)
			}
		}
	}
	return out, problems
}

// sloPairs reads an SLO's alertPolicies — AlertPolicy names,
// {alertPolicyRef: name} or inline AlertPolicy objects — into the pairs of
// their conditions, in order. BudgetPercent is left for the caller, who
// knows the period.
func (set *openSLOSet) sloPairs(items []yaml.Node, report func(field, msg string)) []BurnAlertPair {
	var pairs []BurnAlertPair
	for i := range items {
		item := &items[i]
		at := fmt.Sprintf("spec.alertPolicies.%d", i)
		var name string
		switch {
		case item.Kind == yaml.ScalarNode:
			name = item.Value
		case item.Kind == yaml.MappingNode && mappingHas(item, "alertPolicyRef"):
			var ref openSLOPolicyRef
			bad := false
			unknownFields(item, reflect.TypeFor[openSLOPolicyRef](), at, func(_ int, field, msg string) { bad = true; report(field, msg) })
			if err := item.Decode(&ref); err != nil {
				report(at, err.Error())
				continue
			}
			if bad {
				continue
			}
			name, at = ref.AlertPolicyRef, at+".alertPolicyRef"
		case item.Kind == yaml.MappingNode:
			var inline openSLOInlinePolicy
			unknownFields(item, reflect.TypeFor[openSLOInlinePolicy](), at, func(_ int, field, msg string) { report(field, msg) })
			if err := item.Decode(&inline); err != nil {
				report(at, err.Error())
				continue
			}
			if inline.Kind != "AlertPolicy" {
				report(at+".kind", fmt.Sprintf("%q: an inline alert policy is kind AlertPolicy (or give its name, or alertPolicyRef)", inline.Kind))
				continue
			}
			pairs = append(pairs, set.policyPairs(&inline.Spec, at+".spec.", report)...)
			continue
		default:
			report(at, "want an AlertPolicy's name, alertPolicyRef or an inline AlertPolicy")
			continue
		}
		p, ok := set.policies[name]
		switch {
		case name == "":
			report(at, "empty: want an AlertPolicy's name")
		case !ok:
			report(at, fmt.Sprintf("no AlertPolicy %q is defined", name))
		case !p.ok:
			report(at, fmt.Sprintf("AlertPolicy %q has problems (%s)", name, p.file))
		default:
			pairs = append(pairs, p.pairs...)
		}
	}
	return pairs
}

// policyPairs reads an AlertPolicy's conditions (at is the path of its
// spec, ending in a dot) into burn-rate pairs.
func (set *openSLOSet) policyPairs(p *openSLOAlertPolicy, at string, report func(field, msg string)) []BurnAlertPair {
	if len(p.Conditions) == 0 {
		report(at+"conditions", "no conditions")
		return nil
	}
	var pairs []BurnAlertPair
	for i, c := range p.Conditions {
		cat := fmt.Sprintf("%sconditions.%d", at, i)
		switch {
		case c.ConditionRef != "" && (c.Kind != "" || c.Spec != nil):
			report(cat+".conditionRef", "give conditionRef or an inline AlertCondition, not both")
		case c.ConditionRef != "":
			cond, ok := set.conditions[c.ConditionRef]
			switch {
			case !ok:
				report(cat+".conditionRef", fmt.Sprintf("no AlertCondition %q is defined", c.ConditionRef))
			case !cond.ok:
				report(cat+".conditionRef", fmt.Sprintf("AlertCondition %q has problems", c.ConditionRef))
			default:
				pairs = append(pairs, cond.pair)
			}
		case c.Kind != "AlertCondition":
			report(cat+".kind", fmt.Sprintf("%q: an inline condition is kind AlertCondition (or give conditionRef)", c.Kind))
		case c.Spec == nil:
			report(cat+".spec", "missing")
		default:
			bad := false
			pair := burnAlertPair(c.Spec, cat+".spec.", func(field, msg string) { bad = true; report(field, msg) })
			if !bad {
				pairs = append(pairs, pair)
			}
		}
	}
	return pairs
}

// alertSeverities map OpenSLO severities, which are free text, to
// slopipe's two.
var alertSeverities = map[string]string{
	"page": "page", "critical": "page",
	"ticket": "ticket", "warning": "ticket", "low": "ticket",
}

// burnAlertPair reads an AlertCondition's spec (at is its path, ending in
// a dot) as a pair: the burn rate over lookbackWindow (Long) and over
// alertAfter (Short) at or above threshold (Factor).
func burnAlertPair(c *openSLOAlertCondition, at string, report func(field, msg string)) BurnAlertPair {
	var pair BurnAlertPair
	if sev, ok := alertSeverities[strings.ToLower(c.Severity)]; ok {
		pair.Severity = sev
	} else if c.Severity == "" {
		report(at+"severity", "missing: page (or critical) or ticket (or warning, low)")
	} else {
		report(at+"severity", fmt.Sprintf("%q: want page (or critical) or ticket (or warning, low)", c.Severity))
	}
	cond := c.Condition
	if cond == nil {
		report(at+"condition", "missing")
		return pair
	}
	if cond.Kind != "" && cond.Kind != "burnrate" {
		report(at+"condition.kind", fmt.Sprintf("%q: slopipe reads burnrate conditions", cond.Kind))
	}
	if cond.Op != "" && cond.Op != "gte" && cond.Op != "gt" {
		report(at+"condition.op", fmt.Sprintf("%q: want gte or gt (a burn rate at or above threshold)", cond.Op))
	}
	switch t := cond.Threshold; {
	case t == nil:
		report(at+"condition.threshold", "missing: the burn rate to alert at")
	case !(*t > 0) || math.IsInf(*t, 0):
		report(at+"condition.threshold", fmt.Sprintf("%v is not a positive burn rate", *t))
	default:
		pair.Factor = *t
	}
	long, short := burnWindow(cond.LookbackWindow), burnWindow(cond.AlertAfter)
	for _, w := range []struct {
		field, text string
		index       int
	}{{"lookbackWindow", cond.LookbackWindow, long}, {"alertAfter", cond.AlertAfter, short}} {
		switch {
		case w.text == "":
			report(at+"condition."+w.field, "missing: one of the burn windows "+burnWindowNames())
		case w.index < 0:
			report(at+"condition."+w.field, fmt.Sprintf("%q is not a burn window slopipe computes (%s)", w.text, burnWindowNames()))
		}
	}
	if long >= 0 && short >= 0 {
		if short >= long {
			report(at+"condition.alertAfter", fmt.Sprintf("%s is not shorter than lookbackWindow %s", cond.AlertAfter, cond.LookbackWindow))
		}
		pair.Long, pair.Short = BurnWindows[long].Name, BurnWindows[short].Name
	}
	return pair
}

func mappingHas(node *yaml.Node, key string) bool {
	for i := 0; i+1 < len(node.Content); i += 2 {
		if node.Content[i].Value == key {
			return true
		}
	}
	return false
}

// indicatorOf reads an SLI's metric sources; msg says what is wrong.
func indicatorOf(sli openSLOSLI) (Indicator, string) {
	var ind Indicator
	switch {
	case sli.RatioMetric != nil && sli.ThresholdMetric != nil:
		return ind, "give ratioMetric or thresholdMetric, not both"
	case sli.ThresholdMetric != nil:
		return thresholdIndicator(sli.ThresholdMetric)
	case sli.RatioMetric == nil:
		return ind, "needs a ratioMetric or a thresholdMetric"
	}
	r := sli.RatioMetric
	ind.Counter = r.Counter
	if r.Total == nil {
		return ind, "ratioMetric.total: missing"
	}
	switch r.Total.MetricSource.Type {
	case "slopipe.spans":
		if r.Good != nil || r.Bad != nil {
			return ind, "ratioMetric: a slopipe.spans source says what is good itself (its good: section); give only total"
		}
		var src SpanSource
		if msg := decodeSource(&r.Total.MetricSource.Spec, &src); msg != "" {
			return ind, "ratioMetric.total.metricSource.spec: " + msg
		}
		if !src.Good.NotError && len(src.Good.HTTPStatusClasses) == 0 && src.Good.MaxDuration == 0 {
			return ind, "ratioMetric.total.metricSource.spec.good: says nothing (notError, httpStatusClasses or maxDuration)"
		}
		ind.Spans = &src
	case "slopipe.logs":
		if r.Good != nil || r.Bad != nil {
			return ind, "ratioMetric: a slopipe.logs source says what is good itself (its good: section); give only total"
		}
		var src LogSource
		if msg := decodeSource(&r.Total.MetricSource.Spec, &src); msg != "" {
			return ind, "ratioMetric.total.metricSource.spec: " + msg
		}
		if src.Good.MaxSeverityNumber == 0 && len(src.Good.Attributes) == 0 {
			return ind, "ratioMetric.total.metricSource.spec.good: says nothing (maxSeverityNumber or attributes)"
		}
		ind.Logs = &src
	case "Prometheus", "prometheus":
		if (r.Good == nil) == (r.Bad == nil) {
			return ind, "ratioMetric: give good or bad, with total"
		}
		total, msg := promQuery("total", r.Total)
		if msg != "" {
			return ind, msg
		}
		ind.TotalQuery = total
		if r.Good != nil {
			ind.GoodQuery, msg = promQuery("good", r.Good)
		} else {
			ind.ErrorQuery, msg = promQuery("bad", r.Bad)
		}
		if msg != "" {
			return ind, msg
		}
		if _, err := ind.Compile(); err != nil {
			return ind, "ratioMetric: " + err.Error()
		}
		return ind, ""
	default:
		return ind, fmt.Sprintf("ratioMetric.total.metricSource.type: %q is not a source slopipe reads (Prometheus, slopipe.spans, slopipe.logs)", r.Total.MetricSource.Type)
	}
	return ind, ""
}

// thresholdOps are the ops of an objective of a thresholdMetric SLO.
var thresholdOps = map[string]bool{"lt": true, "lte": true, "gt": true, "gte": true}

// thresholdIndicator reads a thresholdMetric: a Prometheus query of gauge
// samples. Its op and value are the objectives'.
func thresholdIndicator(m *openSLOMetric) (Indicator, string) {
	var ind Indicator
	switch t := m.MetricSource.Type; t {
	case "Prometheus", "prometheus":
	case "slopipe.spans", "slopipe.logs":
		return ind, fmt.Sprintf("thresholdMetric.metricSource.type: %s counts events as a ratioMetric's total; a thresholdMetric reads Prometheus samples", t)
	default:
		return ind, fmt.Sprintf("thresholdMetric.metricSource.type: %q is not a source slopipe reads for a thresholdMetric (Prometheus)", t)
	}
	var spec struct {
		Query string `yaml:"query"`
	}
	if msg := decodeSource(&m.MetricSource.Spec, &spec); msg != "" {
		return ind, "thresholdMetric.metricSource.spec: " + msg
	}
	if err := checkThresholdQuery(spec.Query); err != nil {
		return ind, fmt.Sprintf("thresholdMetric.metricSource.spec.query: %v", err)
	}
	ind.ThresholdQuery = spec.Query
	return ind, ""
}

func promQuery(part string, m *openSLOMetric) (string, string) {
	if m.MetricSource.Type != "Prometheus" && m.MetricSource.Type != "prometheus" {
		return "", fmt.Sprintf("ratioMetric.%s.metricSource.type: %q; good, bad and total must all be Prometheus", part, m.MetricSource.Type)
	}
	var spec struct {
		Query string `yaml:"query"`
	}
	if msg := decodeSource(&m.MetricSource.Spec, &spec); msg != "" {
		return "", fmt.Sprintf("ratioMetric.%s.metricSource.spec: %s", part, msg)
	}
	if err := checkEventsQuery(spec.Query); err != nil {
		return "", fmt.Sprintf("ratioMetric.%s.metricSource.spec.query: %v", part, err)
	}
	return spec.Query, ""
}

// decodeSource decodes a metric source's spec strictly.
func decodeSource(node *yaml.Node, out any) string {
	var unknown string
	unknownFields(node, reflect.TypeOf(out), "", func(_ int, field, msg string) {
		if unknown == "" {
			unknown = field + ": " + msg
		}
	})
	if unknown != "" {
		return unknown
	}
	if err := node.Decode(out); err != nil {
		return err.Error()
	}
	return ""
}
