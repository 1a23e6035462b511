package slo

import (
	"fmt"
	"math"
	"reflect"
	"time"

	"go.yaml.in/yaml/v3"
)

// OpenSLO v1 documents, the parts slopipe reads. Kinds not listed here are
// refused by name.
type openSLODoc struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name        string            `yaml:"name"`
		DisplayName string            `yaml:"displayName"`
		Labels      map[string]string `yaml:"labels"`
		Annotations map[string]string `yaml:"annotations"`
	} `yaml:"metadata"`
	Spec yaml.Node `yaml:"spec"`
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
	Metadata struct {
		Name string `yaml:"name"`
	} `yaml:"metadata"`
	Spec openSLOSLI `yaml:"spec"`
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
	AlertPolicies []yaml.Node `yaml:"alertPolicies"`
}

// openSLOSet gathers the documents of every file before SLOs are resolved,
// because an SLO may name an SLI or a service defined in another file.
type openSLOSet struct {
	slis     map[string]openSLOSLIDoc
	services map[string]bool
	slos     []openSLOSLODoc
	other    int // AlertPolicy, AlertCondition, AlertNotificationTarget: read by the alerting engine
}

type openSLOSLIDoc struct {
	file string
	node *yaml.Node
	sli  openSLOSLI
}

type openSLOSLODoc struct {
	file string
	node *yaml.Node
	name string
	spec openSLOSLOSpec
}

func newOpenSLOSet() *openSLOSet {
	return &openSLOSet{slis: map[string]openSLOSLIDoc{}, services: map[string]bool{}}
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
		set.slos = append(set.slos, openSLOSLODoc{file: file, node: doc, name: d.Metadata.Name, spec: spec})
	case "AlertPolicy", "AlertCondition", "AlertNotificationTarget", "DataSource":
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
			slo := SLO{Name: d.name, Service: s.Service, Description: s.Description, Objective: target,
				Method: method, Window: window, Indicator: ind, File: d.file}
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
