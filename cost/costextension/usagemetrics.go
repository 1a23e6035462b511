package costextension

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/slopipe/slopipe/cost/allocation"
	"github.com/slopipe/slopipe/store"
	"github.com/slopipe/slopipe/store/promsql"
)

// validateUsageMetrics checks that every usage metric's query compiles and
// that every metric:<name> driver names a usage metric.
func (c *Config) validateUsageMetrics() error {
	for _, name := range slices.Sorted(maps.Keys(c.UsageMetrics)) {
		switch name {
		case "":
			return errors.New("usage_metrics: empty name")
		case allocation.DriverIngestBytes, allocation.DriverRequests:
			return fmt.Errorf("usage_metrics.%s: the name of a built-in driver", name)
		}
		if _, err := promsql.CompileIncrease(c.UsageMetrics[name]); err != nil {
			return fmt.Errorf("usage_metrics.%s: %w", name, err)
		}
	}
	for i, p := range c.Rules.Shared {
		name, ok := strings.CutPrefix(p.Driver, allocation.DriverMetricPrefix)
		if !ok {
			continue
		}
		if _, ok := c.UsageMetrics[name]; ok {
			continue
		}
		hint := "none configured"
		switch {
		case name == allocation.DriverIngestBytes || name == allocation.DriverRequests:
			hint = "for the built-in driver, driver: " + name
		case len(c.UsageMetrics) > 0:
			hint = "configured: " + strings.Join(slices.Sorted(maps.Keys(c.UsageMetrics)), ", ")
		}
		return fmt.Errorf("rules.shared[%d] (%s).driver: %s names no usage_metrics entry (%s)", i, p.Name, p.Driver, hint)
	}
	return nil
}

// compileUsageMetrics compiles each usage metric's query into the SQL of
// its per-tenant totals over the tables of database.
func compileUsageMetrics(queries map[string]string, database string) (map[string]string, error) {
	out := make(map[string]string, len(queries))
	for name, q := range queries {
		inc, err := promsql.CompileIncrease(q)
		if err != nil {
			return nil, fmt.Errorf("usage_metrics.%s: %w", name, err)
		}
		out[name] = inc.TenantTotalsSQL(promsql.Options{Database: database})
	}
	return out, nil
}

// addMetricUsage sets usage[name] to each usage metric's per-tenant
// increase over the UTC day starting at day.
func (x *costExtension) addMetricUsage(ctx context.Context, usage allocation.Usage, day time.Time) error {
	for _, name := range slices.Sorted(maps.Keys(x.usageSQL)) {
		byTenant, err := store.MetricUsage(ctx, x.st, x.usageSQL[name], day, day.Add(24*time.Hour))
		if err != nil {
			return fmt.Errorf("usage metric %s: %w", name, err)
		}
		usage[name] = byTenant
	}
	return nil
}
