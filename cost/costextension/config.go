package costextension

import (
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/collector/component"

	"github.com/slopipe/slopipe/cost/allocation"
)

// Config of the cost extension.
type Config struct {
	// Rules map line items to tenants, teams and services, and split
	// shared costs.
	Rules allocation.Rules `mapstructure:"rules"`
	// Interval is how often allocations are recomputed.
	Interval time.Duration `mapstructure:"interval"`
	// LookbackDays are the days recomputed each time, today included:
	// providers restate a month to date, so the whole of it and the end of
	// the last.
	LookbackDays int `mapstructure:"lookback_days"`
	// Store is the store extension; API the slo extension whose endpoint
	// serves GET /api/v1/cost (empty: none).
	Store component.ID `mapstructure:"store"`
	API   component.ID `mapstructure:"api"`
}

func createDefaultConfig() component.Config {
	return &Config{
		Rules:        allocation.DefaultRules(),
		Interval:     time.Hour,
		LookbackDays: 35,
		Store:        component.MustNewID("store"),
		API:          component.MustNewID("slo"),
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
	return nil
}
