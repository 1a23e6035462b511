package slo

import (
	"fmt"
	"reflect"
	"time"

	"go.yaml.in/yaml/v3"
)

// Overrides are what slopipe adds to the SLOs of OpenSLO and Sloth specs,
// written as `apiVersion: slopipe/v1`, `kind: Overrides` documents beside
// them: per-tenant objectives, and intervals left out of error budgets
// (planned maintenance).
type Overrides struct {
	Objectives []TenantObjective
	Exclusions []Exclusion
}

// TenantObjective replaces an SLO's objective for one tenant (a premium
// tenant promised 99.95 % where the SLO says 99.9 %).
type TenantObjective struct {
	SLO, Tenant string
	Objective   float64
}

// Exclusion leaves an interval out of an SLO's SLI: for one SLO or all
// (SLO empty), one tenant or all (Tenant empty).
type Exclusion struct {
	SLO, Tenant string
	Interval
	Reason string
}

// Objective is the SLO's objective for tenant.
func (o *Overrides) Objective(s *SLO, tenant string) float64 {
	for _, t := range o.Objectives {
		if t.SLO == s.Name && t.Tenant == tenant {
			return t.Objective
		}
	}
	return s.Objective
}

func (o *Overrides) objectiveOf(slo, tenant string) bool {
	for _, t := range o.Objectives {
		if t.SLO == slo && t.Tenant == tenant {
			return true
		}
	}
	return false
}

// Excluded lists the intervals left out of the SLO's SLI for tenant.
func (o *Overrides) Excluded(slo, tenant string) []Interval {
	var out []Interval
	for _, e := range o.Exclusions {
		if (e.SLO == "" || e.SLO == slo) && (e.Tenant == "" || e.Tenant == tenant) {
			out = append(out, e.Interval)
		}
	}
	return out
}

// ExcludesAny says whether an exclusion of the SLO, for any tenant,
// overlaps [from, to).
func (o *Overrides) ExcludesAny(slo string, from, to time.Time) bool {
	for _, e := range o.Exclusions {
		if (e.SLO == "" || e.SLO == slo) && e.From.Before(to) && e.To.After(from) {
			return true
		}
	}
	return false
}

type overridesDoc struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name string `yaml:"name"`
	} `yaml:"metadata"`
	Spec struct {
		Objectives []struct {
			SLO           string   `yaml:"slo"`
			Tenant        string   `yaml:"tenant"`
			Target        *float64 `yaml:"target"`
			TargetPercent *float64 `yaml:"targetPercent"`
		} `yaml:"objectives"`
		Exclusions []struct {
			SLO    string `yaml:"slo"`
			Tenant string `yaml:"tenant"`
			From   string `yaml:"from"`
			To     string `yaml:"to"`
			Reason string `yaml:"reason"`
		} `yaml:"exclusions"`
	} `yaml:"spec"`
}

// overridesEntry is one override with where it was written, checked
// against the SLOs once every file is read.
type overridesEntry struct {
	file  string
	line  int
	field string
	slo   string
}

// parseOverrides reads one slopipe/v1 document into o.
func parseOverrides(file string, doc *yaml.Node, o *Overrides, refs *[]overridesEntry) Problems {
	var problems Problems
	report := func(field, msg string) {
		problems = append(problems, Problem{File: file, Line: lineOf(doc, field), Field: field, Msg: msg})
	}
	unknownFields(doc, reflect.TypeFor[overridesDoc](), "", func(line int, field, msg string) {
		problems = append(problems, Problem{File: file, Line: line, Field: field, Msg: msg})
	})
	var d overridesDoc
	if err := doc.Decode(&d); err != nil {
		report("spec", err.Error())
		return problems
	}
	if d.Kind != "Overrides" {
		report("kind", fmt.Sprintf("%q: slopipe/v1 has one kind, Overrides", d.Kind))
		return problems
	}
	for i, t := range d.Spec.Objectives {
		field := fmt.Sprintf("spec.objectives.%d", i)
		var objective float64
		switch {
		case t.SLO == "":
			report(field+".slo", "missing")
			continue
		case t.Tenant == "":
			report(field+".tenant", "missing: an override is for one tenant")
			continue
		case t.Target != nil && t.TargetPercent != nil:
			report(field, "target and targetPercent both given")
			continue
		case t.Target != nil:
			objective = *t.Target
		case t.TargetPercent != nil:
			objective = PercentToRatio(*t.TargetPercent)
		default:
			report(field, "target or targetPercent missing")
			continue
		}
		if !(objective > 0 && objective < 1) {
			report(field+".target", fmt.Sprintf("%v is not in (0, 1)", objective))
			continue
		}
		if o.objectiveOf(t.SLO, t.Tenant) {
			report(field, fmt.Sprintf("tenant %q already has an objective for slo %q", t.Tenant, t.SLO))
			continue
		}
		o.Objectives = append(o.Objectives, TenantObjective{SLO: t.SLO, Tenant: t.Tenant, Objective: objective})
		*refs = append(*refs, overridesEntry{file: file, line: lineOf(doc, field+".slo"), field: field + ".slo", slo: t.SLO})
	}
	for i, e := range d.Spec.Exclusions {
		field := fmt.Sprintf("spec.exclusions.%d", i)
		from, err := time.Parse(time.RFC3339, e.From)
		if err != nil {
			report(field+".from", fmt.Sprintf("%q is not an RFC 3339 time like 2026-11-20T02:00:00Z", e.From))
			continue
		}
		to, err := time.Parse(time.RFC3339, e.To)
		if err != nil {
			report(field+".to", fmt.Sprintf("%q is not an RFC 3339 time like 2026-11-20T03:00:00Z", e.To))
			continue
		}
		if !to.After(from) {
			report(field+".to", "must be after from")
			continue
		}
		o.Exclusions = append(o.Exclusions, Exclusion{SLO: e.SLO, Tenant: e.Tenant, Interval: Interval{From: from, To: to}, Reason: e.Reason})
		if e.SLO != "" {
			*refs = append(*refs, overridesEntry{file: file, line: lineOf(doc, field+".slo"), field: field + ".slo", slo: e.SLO})
		}
	}
	return problems
}
