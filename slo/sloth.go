package slo

import (
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// slothSpec is Sloth's prometheus/v1 spec, as Sloth documents it.
type slothSpec struct {
	Version string            `yaml:"version"`
	Service string            `yaml:"service"`
	Labels  map[string]string `yaml:"labels"`
	SLOs    []slothSLO        `yaml:"slos"`
}

type slothSLO struct {
	Name        string            `yaml:"name"`
	Objective   float64           `yaml:"objective"`
	Description string            `yaml:"description"`
	Labels      map[string]string `yaml:"labels"`
	SLI         struct {
		Events *struct {
			ErrorQuery string `yaml:"error_query"`
			TotalQuery string `yaml:"total_query"`
		} `yaml:"events"`
		Raw *struct {
			ErrorRatioQuery string `yaml:"error_ratio_query"`
		} `yaml:"raw"`
		Plugin *struct {
			ID      string            `yaml:"id"`
			Options map[string]string `yaml:"options"`
		} `yaml:"plugin"`
	} `yaml:"sli"`
	Alerting struct {
		Name        string            `yaml:"name"`
		Labels      map[string]string `yaml:"labels"`
		Annotations map[string]string `yaml:"annotations"`
		PageAlert   AlertLabels       `yaml:"page_alert"`
		TicketAlert AlertLabels       `yaml:"ticket_alert"`
	} `yaml:"alerting"`
}

// DefaultPeriod is the SLO period of Sloth specs, which name none (Sloth's
// own default).
var DefaultPeriod = RollingWindow(30 * 24 * time.Hour)

var slothName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)

// parseSloth reads one Sloth prometheus/v1 document.
func parseSloth(file string, doc *yaml.Node) ([]SLO, Problems) {
	var problems Problems
	report := func(slo, field, msg string) {
		problems = append(problems, Problem{File: file, Line: lineOf(doc, field), SLO: slo, Field: field, Msg: msg})
	}
	// An unknown field inside an SLO is that SLO's problem: it names the
	// SLO and leaves it out, like any other.
	unknownInSLO := map[int]Problems{}
	unknownFields(doc, reflect.TypeFor[slothSpec](), "", func(line int, field, msg string) {
		p := Problem{File: file, Line: line, Field: field, Msg: msg}
		var i int
		if _, err := fmt.Sscanf(field, "slos.%d.", &i); err == nil && strings.Count(field, ".") >= 2 {
			unknownInSLO[i] = append(unknownInSLO[i], p)
			return
		}
		problems = append(problems, p)
	})
	var spec slothSpec
	if err := doc.Decode(&spec); err != nil {
		report("", "", err.Error())
		return nil, problems
	}
	if spec.Service == "" {
		report("", "service", "missing")
	}
	if len(spec.SLOs) == 0 {
		report("", "slos", "no SLOs")
	}
	var out []SLO
	seen := map[string]bool{}
	for i, s := range spec.SLOs {
		at := func(field string) string { return fmt.Sprintf("slos.%d.%s", i, field) }
		before := len(problems)
		for _, p := range unknownInSLO[i] {
			p.SLO = s.Name
			problems = append(problems, p)
		}
		switch {
		case s.Name == "":
			report("", at("name"), "missing")
		case !slothName.MatchString(s.Name):
			report(s.Name, at("name"), "use letters, digits, '-', '_' and '.'")
		case seen[s.Name]:
			report(s.Name, at("name"), "a second SLO of this name")
		}
		seen[s.Name] = true
		if !(s.Objective > 0 && s.Objective < 100) {
			report(s.Name, at("objective"), fmt.Sprintf("%v is not a percentage in (0, 100)", s.Objective))
		}
		var ind Indicator
		sources := 0
		if e := s.SLI.Events; e != nil {
			sources++
			ind.ErrorQuery, ind.TotalQuery = e.ErrorQuery, e.TotalQuery
			if err := checkEventsQuery(e.ErrorQuery); err != nil {
				report(s.Name, at("sli.events.error_query"), err.Error())
			}
			if err := checkEventsQuery(e.TotalQuery); err != nil {
				report(s.Name, at("sli.events.total_query"), err.Error())
			}
		}
		if r := s.SLI.Raw; r != nil {
			sources++
			ind.ErrorRatioQuery = r.ErrorRatioQuery
			if err := checkRatioQuery(r.ErrorRatioQuery); err != nil {
				report(s.Name, at("sli.raw.error_ratio_query"), err.Error())
			}
		}
		if s.SLI.Plugin != nil {
			sources++
			report(s.Name, at("sli.plugin"), "SLI plugins are Sloth's Go code and not supported; write the queries as sli.events or sli.raw")
		}
		if sources != 1 {
			report(s.Name, at("sli"), "needs exactly one of events, raw or plugin")
		}
		if len(problems) == before {
			if _, err := ind.Compile(); err != nil {
				report(s.Name, at("sli.events"), err.Error())
			}
		}
		if len(problems) > before {
			continue
		}
		out = append(out, SLO{
			Name:        s.Name,
			Service:     spec.Service,
			Description: s.Description,
			Labels:      mergeLabels(spec.Labels, s.Labels),
			Objective:   PercentToRatio(s.Objective),
			Method:      Occurrences,
			Window:      DefaultPeriod,
			Indicator:   ind,
			Alerting: Alerting{Name: s.Alerting.Name, Labels: s.Alerting.Labels, Annotations: s.Alerting.Annotations,
				Page: s.Alerting.PageAlert, Ticket: s.Alerting.TicketAlert},
			File: file,
		})
	}
	return out, problems
}

func mergeLabels(maps ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range maps {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}
