package costextension

import (
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/collector/component"

	"github.com/slopipe/slopipe/cost/allocation"
	"github.com/slopipe/slopipe/cost/budget"
	"github.com/slopipe/slopipe/cost/chargeback"
)

// Config of the cost extension.
type Config struct {
	// Rules map line items to tenants, teams and services, and split
	// shared costs.
	Rules allocation.Rules `mapstructure:"rules"`
	// UsageMetrics are the usage that shared pools with driver
	// metric:<name> split by, name to PromQL over the stored metrics, e.g.
	// cpu_seconds: sum(rate(container_cpu_usage_seconds_total[5m])). A
	// tenant's usage on a day is the query's increase over the day (the
	// sum of its per-minute increases, see store/promsql): the CPU seconds
	// used that day.
	UsageMetrics map[string]string `mapstructure:"usage_metrics"`
	// Interval is how often allocations are recomputed.
	Interval time.Duration `mapstructure:"interval"`
	// LookbackDays are the days recomputed each time, today included:
	// providers restate a month to date, so the whole of it and the end of
	// the last.
	LookbackDays int `mapstructure:"lookback_days"`
	// Budgets are monthly budgets per team or tenant; crossing one of
	// their thresholds (actual or run-rate forecast) is a ticket.
	Budgets []budget.Budget `mapstructure:"budgets"`
	// Anomalies: a service's daily cost for a tenant surging above its
	// trailing median is a ticket.
	Anomalies budget.AnomalyConfig `mapstructure:"anomalies"`
	// Chargeback prices each tenant's telemetry per GB (10⁹ bytes)
	// ingested and per GB-month retained; both prices zero (the default)
	// turn it off.
	Chargeback chargeback.Config `mapstructure:"chargeback"`
	// Recommendations are the thresholds of the recommendations computed
	// at every recomputation (see the package documentation).
	Recommendations RecommendationsConfig `mapstructure:"recommendations"`
	// Store is the store extension; API the slo extension whose endpoint
	// serves GET /api/v1/cost (empty: none); Alerting the alerting
	// extension cost alerts go through (empty: none).
	Store    component.ID `mapstructure:"store"`
	API      component.ID `mapstructure:"api"`
	Alerting component.ID `mapstructure:"alerting"`
}

func createDefaultConfig() component.Config {
	return &Config{
		Rules:        allocation.DefaultRules(),
		Interval:     time.Hour,
		LookbackDays: 35,
		Anomalies:    budget.DefaultAnomalyConfig(),
		Store:        component.MustNewID("store"),
		API:          component.MustNewID("slo"),
		Alerting:     component.MustNewID("alerting"),

		Recommendations: DefaultRecommendationsConfig(),
	}
}

// Validate names the first bad field.
func (c *Config) Validate() error {
	switch {
	case c.Interval < time.Second:
		return errors.New("interval: must be at least 1s")
	case c.LookbackDays < 1 || c.LookbackDays > 400:
		return errors.New("lookback_days: must be between 1 and 400")
	case c.Store == component.ID{}:
		return errors.New("store: must name the store extension")
	}
	if err := c.Rules.Validate(); err != nil {
		return fmt.Errorf("rules.%w", err)
	}
	if err := c.validateUsageMetrics(); err != nil {
		return err
	}
	names := map[string]bool{}
	for i := range c.Budgets {
		if err := c.Budgets[i].Validate(); err != nil {
			return fmt.Errorf("budgets[%d].%w", i, err)
		}
		if names[c.Budgets[i].Name] {
			return fmt.Errorf("budgets[%d].name: %q is used twice", i, c.Budgets[i].Name)
		}
		names[c.Budgets[i].Name] = true
	}
	if err := c.Anomalies.Validate(); err != nil {
		return fmt.Errorf("anomalies.%w", err)
	}
	if err := c.Chargeback.Validate(); err != nil {
		return fmt.Errorf("chargeback.%w", err)
	}
	if err := c.Recommendations.Validate(); err != nil {
		return fmt.Errorf("recommendations.%w", err)
	}
	return nil
}
