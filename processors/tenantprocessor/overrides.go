package tenantprocessor

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"time"

	"go.uber.org/zap"
	"go.yaml.in/yaml/v3"
)

// overrides is one immutable generation of per-tenant limits; a reload
// swaps in a new one, so requests read limits without a lock.
type overrides struct {
	defaults Limits
	tenants  map[string]*Limits
	// lines maps a tenant to its line in the file, for error messages.
	lines map[string]int
}

func newOverrides(defaults Limits) *overrides {
	return &overrides{defaults: defaults}
}

func (o *overrides) limits(tenant string) *Limits {
	if l, ok := o.tenants[tenant]; ok {
		return l
	}
	return &o.defaults
}

// limitFields are the keys an override may set, each pointing into Limits.
var limitFields = []string{"rate", "burst", "max_request_bytes", "max_attributes_per_item", "max_active_series"}

func limitField(l *Limits, name string) (f *float64, i *int) {
	switch name {
	case "rate":
		return &l.Rate, nil
	case "burst":
		return nil, &l.Burst
	case "max_request_bytes":
		return nil, &l.MaxRequestBytes
	case "max_attributes_per_item":
		return nil, &l.MaxAttributesPerItem
	case "max_active_series":
		return nil, &l.MaxActiveSeries
	}
	return nil, nil
}

func loadOverrides(path string, defaults Limits) (*overrides, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parseOverrides(path, data, defaults)
}

var yamlLineError = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parseOverrides reads
//
//	overrides:
//	  <tenant>:
//	    <limit field>: <value>
//
// Fields a tenant leaves out inherit defaults. Every error starts with
// file:line and names the field, so the operator can go straight to it.
func parseOverrides(path string, data []byte, defaults Limits) (*overrides, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		if m := yamlLineError.FindStringSubmatch(err.Error()); m != nil {
			return nil, fmt.Errorf("%s:%s: %s", path, m[1], m[2])
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	o := &overrides{defaults: defaults, tenants: map[string]*Limits{}, lines: map[string]int{}}
	if len(doc.Content) == 0 {
		return o, nil // an empty file: no overrides
	}
	root := resolveAlias(doc.Content[0])
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return o, nil
	}
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s:%d: want a mapping with the key overrides", path, root.Line)
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		key, val := root.Content[i], resolveAlias(root.Content[i+1])
		if key.Value != "overrides" {
			return nil, fmt.Errorf("%s:%d: %s: unknown key (want overrides)", path, key.Line, key.Value)
		}
		if val.Kind == yaml.ScalarNode && val.Tag == "!!null" {
			continue
		}
		if val.Kind != yaml.MappingNode {
			return nil, fmt.Errorf("%s:%d: overrides: want a mapping of tenant to limits", path, val.Line)
		}
		for j := 0; j+1 < len(val.Content); j += 2 {
			if err := o.parseTenant(path, val.Content[j], resolveAlias(val.Content[j+1])); err != nil {
				return nil, err
			}
		}
	}
	return o, nil
}

func (o *overrides) parseTenant(path string, key, val *yaml.Node) error {
	tenant := key.Value
	if err := validateTenant(tenant); err != nil {
		return fmt.Errorf("%s:%d: overrides: %w", path, key.Line, err)
	}
	if line, dup := o.lines[tenant]; dup {
		return fmt.Errorf("%s:%d: overrides.%s: tenant already listed at line %d", path, key.Line, tenant, line)
	}
	l := o.defaults
	fieldLines := map[string]int{}
	switch {
	case val.Kind == yaml.ScalarNode && val.Tag == "!!null":
		// A tenant with no fields gets the defaults, which is a way to
		// document it.
	case val.Kind != yaml.MappingNode:
		return fmt.Errorf("%s:%d: overrides.%s: want a mapping of limit fields", path, val.Line, tenant)
	default:
		for k := 0; k+1 < len(val.Content); k += 2 {
			fk, fv := val.Content[k], resolveAlias(val.Content[k+1])
			name := fk.Value
			if _, dup := fieldLines[name]; dup {
				return fmt.Errorf("%s:%d: overrides.%s.%s: set twice", path, fk.Line, tenant, name)
			}
			fieldLines[name] = fk.Line
			fp, ip := limitField(&l, name)
			switch {
			case fp != nil:
				if !isValue(fv) || (fv.Tag != "!!int" && fv.Tag != "!!float") || fv.Decode(fp) != nil {
					return fmt.Errorf("%s:%d: overrides.%s.%s: want a number, got %s", path, fv.Line, tenant, name, describe(fv))
				}
			case ip != nil:
				// The tag check refuses 1.5 and 1e6, which Decode would
				// truncate or misread into an int.
				if !isValue(fv) || fv.Tag != "!!int" || fv.Decode(ip) != nil {
					return fmt.Errorf("%s:%d: overrides.%s.%s: want an integer, got %s", path, fv.Line, tenant, name, describe(fv))
				}
			default:
				return fmt.Errorf("%s:%d: overrides.%s.%s: unknown field (want one of %v)", path, fk.Line, tenant, name, limitFields)
			}
		}
	}
	if err := l.validate(); err != nil {
		line := key.Line
		var le *limitsError
		if errors.As(err, &le) {
			if fl, ok := fieldLines[le.field]; ok {
				line = fl
			} else if fl, ok := fieldLines[le.cause]; ok {
				line = fl
			}
		}
		return fmt.Errorf("%s:%d: overrides.%s.%w", path, line, tenant, err)
	}
	o.tenants[tenant] = &l
	o.lines[tenant] = key.Line
	return nil
}

// isValue rejects what Decode would quietly turn into 0: null, and
// anything that is not a scalar.
func isValue(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag != "!!null"
}

func resolveAlias(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

func describe(n *yaml.Node) string {
	if n.Kind == yaml.ScalarNode {
		if n.Tag == "!!null" {
			return "nothing"
		}
		return fmt.Sprintf("%q", n.Value)
	}
	return "a " + map[yaml.Kind]string{yaml.MappingNode: "mapping", yaml.SequenceNode: "sequence"}[n.Kind]
}

// overridesWatcher re-reads the overrides file when its modification time
// or size changes. Polling rather than inotify: it works the same for a
// ConfigMap's symlink swap, NFS and bind mounts, and costs one stat per
// period.
type overridesWatcher struct {
	path     string
	defaults Limits
	logger   *zap.Logger
	apply    func(*overrides)

	modTime time.Time
	size    int64
	statErr string
}

// load reads the file at start-up, when there is no last good version to
// fall back to, so an error fails the start.
func (w *overridesWatcher) load() error {
	fi, err := os.Stat(w.path)
	if err != nil {
		return fmt.Errorf("overrides_file: %w", err)
	}
	o, err := loadOverrides(w.path, w.defaults)
	if err != nil {
		return fmt.Errorf("overrides_file: %w", err)
	}
	w.modTime, w.size = fi.ModTime(), fi.Size()
	w.apply(o)
	w.logger.Info("tenant overrides loaded", zap.String("file", w.path), zap.Int("tenants", len(o.tenants)))
	return nil
}

// check reloads the file if it changed. A bad file is logged once per
// change and the last good overrides stay in force.
func (w *overridesWatcher) check() {
	fi, err := os.Stat(w.path)
	if err != nil {
		if err.Error() != w.statErr {
			w.statErr = err.Error()
			w.logger.Error("tenant overrides file unreadable; keeping the last good overrides", zap.Error(err))
		}
		return
	}
	w.statErr = ""
	if fi.ModTime().Equal(w.modTime) && fi.Size() == w.size {
		return
	}
	w.modTime, w.size = fi.ModTime(), fi.Size()
	o, err := loadOverrides(w.path, w.defaults)
	if err != nil {
		w.logger.Error("tenant overrides not reloaded; keeping the last good overrides", zap.Error(err))
		return
	}
	w.apply(o)
	w.logger.Info("tenant overrides reloaded", zap.String("file", w.path), zap.Int("tenants", len(o.tenants)))
}
