package amconfig

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"
	// A time interval's location must load in an image without
	// /usr/share/zoneinfo, as it does in Alertmanager's.
	_ "time/tzdata"

	"github.com/prometheus/common/model"
	yaml "go.yaml.in/yaml/v3"
)

// Load reads and checks the configuration file at path. Relative *_file
// paths in it are relative to its directory.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("alerting configuration: %w", err)
	}
	return Parse(data, path)
}

// Parse reads and checks a configuration. file names it in problems, and
// its directory is where relative *_file paths are read from. The error is
// an *Error holding every problem found.
func Parse(data []byte, file string) (*Config, error) {
	d := &decoder{
		file:      file,
		dir:       filepath.Dir(file),
		lines:     map[string]int{},
		failed:    map[string]bool{},
		lookupEnv: os.LookupEnv,
		readFile:  os.ReadFile,
	}
	return d.parse(data)
}

func (d *decoder) parse(data []byte) (*Config, error) {
	cfg := &Config{}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		d.problems = append(d.problems, Problem{File: d.file, Line: yamlErrorLine(err), Message: cleanYAMLError(err)})
		return nil, d.err()
	}
	if len(doc.Content) > 0 {
		d.decode(doc.Content[0], "", reflect.ValueOf(cfg).Elem())
	}
	d.global(&cfg.Global)
	receivers := d.receivers(cfg)
	intervals := d.timeIntervals(cfg)
	d.routes(cfg.Route, receivers, intervals)
	if len(cfg.Templates) > 0 {
		d.errorAt("templates", "custom template files are not supported: slopipe executes each field as a Go text/template with Alertmanager's data and its own default templates")
	}
	if len(d.problems) > 0 {
		return nil, d.err()
	}
	return cfg, nil
}

func (d *decoder) err() error {
	// In file order; problems about the file as a whole (line 0) last.
	key := func(i int) int {
		if l := d.problems[i].Line; l > 0 {
			return l
		}
		return math.MaxInt
	}
	sort.SliceStable(d.problems, func(i, j int) bool { return key(i) < key(j) })
	return &Error{Problems: d.problems}
}

func (d *decoder) global(g *Global) {
	if g.ResolveTimeout == 0 {
		g.ResolveTimeout = model.Duration(DefaultResolveTimeout)
	}
	if g.PagerDutyURL == nil {
		g.PagerDutyURL, _ = ParseURL(DefaultPagerDutyURL)
	}
	if g.SlackAppURL == nil {
		g.SlackAppURL, _ = ParseURL(DefaultSlackAppURL)
	}
	d.secretURLFile(&g.SlackAPIURL, &g.SlackAPIURLFile, "global", "slack_api_url")
	d.secretFile(&g.SlackAppToken, &g.SlackAppTokenFile, "global", "slack_app_token")
	// Alertmanager allows both only in the shape of its old workaround: the
	// API URL being the app URL.
	if g.SlackAppToken != "" && g.SlackAPIURL.isSet() && g.SlackAPIURL.Value() != g.SlackAppURL.String() {
		d.errorAt("global.slack_app_token", "set slack_app_token or slack_api_url, not both")
	}
}

// timeIntervals checks the names of both lists and returns them.
func (d *decoder) timeIntervals(cfg *Config) map[string]bool {
	names := map[string]bool{}
	first := map[string]string{}
	for _, list := range []struct {
		key string
		tis []NamedTimeInterval
	}{{"mute_time_intervals", cfg.MuteTimeIntervals}, {"time_intervals", cfg.TimeIntervals}} {
		for i, ti := range list.tis {
			path := index(list.key, i)
			switch {
			case ti.Name == "":
				d.errorAt(path, "name is required")
			case names[ti.Name]:
				d.errorAt(join(path, "name"), "%q is already the name of %s (line %d)", ti.Name, first[ti.Name], d.lineOf(first[ti.Name]))
			default:
				names[ti.Name] = true
				first[ti.Name] = path
			}
		}
	}
	return names
}

// routes checks the tree and fills in what each node inherits.
func (d *decoder) routes(root *Route, receivers, intervals map[string]bool) {
	if root == nil {
		d.problems = append(d.problems, Problem{File: d.file, Path: "route", Message: "the root route is required"})
		return
	}
	const path = "route"
	if root.Receiver == "" {
		d.errorAt(path, "the root route must name a receiver, the default for every alert")
	}
	if len(root.Matchers) > 0 || len(root.Match) > 0 || len(root.MatchRE) > 0 {
		d.errorAt(path, "the root route must not have matchers: every alert goes through it")
	}
	if len(root.MuteTimeIntervals) > 0 {
		d.errorAt(join(path, "mute_time_intervals"), "the root route must not have time intervals")
	}
	if len(root.ActiveTimeIntervals) > 0 {
		d.errorAt(join(path, "active_time_intervals"), "the root route must not have time intervals")
	}
	if root.Continue {
		d.errorAt(join(path, "continue"), "the root route cannot continue: it has no siblings")
	}
	defaults := &Route{
		GroupWait:      durationPtr(DefaultGroupWait),
		GroupInterval:  durationPtr(DefaultGroupInterval),
		RepeatInterval: durationPtr(DefaultRepeatInterval),
	}
	d.route(root, defaults, path, receivers, intervals)
}

func (d *decoder) route(r, parent *Route, path string, receivers, intervals map[string]bool) {
	if r.Receiver != "" && !receivers[r.Receiver] {
		d.errorAt(join(path, "receiver"), "%q is not a receiver (have: %s)", r.Receiver, list(receivers))
	}
	for _, key := range []string{"mute_time_intervals", "active_time_intervals"} {
		names := r.MuteTimeIntervals
		if key == "active_time_intervals" {
			names = r.ActiveTimeIntervals
		}
		for i, name := range names {
			if !intervals[name] {
				d.errorAt(index(join(path, key), i), "%q is not a time interval (have: %s)", name, list(intervals))
			}
		}
	}
	if r.GroupInterval != nil && *r.GroupInterval == 0 {
		d.errorAt(join(path, "group_interval"), "must be more than 0")
	}
	if r.RepeatInterval != nil && *r.RepeatInterval == 0 {
		d.errorAt(join(path, "repeat_interval"), "must be more than 0")
	}

	if r.Receiver == "" {
		r.Receiver = parent.Receiver
	}
	if r.GroupBy == nil && !r.GroupByAll {
		r.GroupBy = slices.Clone(parent.GroupBy)
		r.GroupByAll = parent.GroupByAll
	}
	r.GroupWait = inherit(r.GroupWait, parent.GroupWait)
	r.GroupInterval = inherit(r.GroupInterval, parent.GroupInterval)
	r.RepeatInterval = inherit(r.RepeatInterval, parent.RepeatInterval)

	for i, child := range r.Routes {
		if child == nil {
			continue // an empty entry, already a problem
		}
		d.route(child, r, index(join(path, "routes"), i), receivers, intervals)
	}
}

func inherit(own, parent *model.Duration) *model.Duration {
	if own != nil {
		return own
	}
	v := *parent
	return &v
}

func durationPtr(d time.Duration) *model.Duration {
	v := model.Duration(d)
	return &v
}

// list names a set for a problem: sorted, "none" when empty.
func list(set map[string]bool) string {
	if len(set) == 0 {
		return "none"
	}
	names := make([]string, 0, len(set))
	for n := range set {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// ReferencedFiles are the files the configuration's *_file settings name,
// resolved as Parse resolves them: what a reload must watch besides the
// configuration itself, so a rotated key is taken up. It reads the YAML
// only, valid or not.
func ReferencedFiles(data []byte, file string) []string {
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil {
		return nil
	}
	var out []string
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				if strings.HasSuffix(k.Value, "_file") && v.Kind == yaml.ScalarNode && v.Value != "" {
					p := v.Value
					if !filepath.IsAbs(p) {
						p = filepath.Join(filepath.Dir(file), p)
					}
					out = append(out, p)
				}
			}
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(&doc)
	sort.Strings(out)
	return slices.Compact(out)
}
