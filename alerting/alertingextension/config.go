package alertingextension

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"time"

	"go.opentelemetry.io/collector/component"

	"github.com/slopipe/slopipe/alerting"
)

// Config of the alerting extension.
type Config struct {
	// ConfigFile is an Alertmanager-format configuration (route,
	// receivers, inhibit_rules, time_intervals); empty runs the built-in
	// one, which notifies nobody. It is reloaded on change; a change that
	// does not validate is logged and the last good one keeps running.
	ConfigFile   string        `mapstructure:"config_file"`
	ReloadPeriod time.Duration `mapstructure:"reload_period"`
	// FlushInterval is how often due groups are flushed: the resolution
	// of group_wait and group_interval.
	FlushInterval time.Duration `mapstructure:"flush_interval"`

	// The alert policy.
	MinEvents               float64       `mapstructure:"min_events"`
	BudgetExhaustedAt       *float64      `mapstructure:"budget_exhausted_at"` // nil: no budget-exhaustion alert
	BudgetExhaustedSeverity string        `mapstructure:"budget_exhausted_severity"`
	NoDataWindow            string        `mapstructure:"no_data_window"`
	NoDataSeverity          string        `mapstructure:"no_data_severity"`
	ExternalURL             string        `mapstructure:"external_url"`
	DashboardURL            string        `mapstructure:"dashboard_url"`
	ResolvedRetention       time.Duration `mapstructure:"resolved_retention"`

	Retry RetryConfig `mapstructure:"retry"`
	// Alertmanager forwards every alert to existing Alertmanagers.
	Alertmanager AlertmanagerConfig  `mapstructure:"alertmanager"`
	DeployGate   alerting.GatePolicy `mapstructure:"deploy_gate"`

	SLO   component.ID `mapstructure:"slo"`
	Store component.ID `mapstructure:"store"`
}

// RetryConfig is how a failed notification is retried.
type RetryConfig struct {
	InitialInterval time.Duration `mapstructure:"initial_interval"`
	MaxInterval     time.Duration `mapstructure:"max_interval"`
	MaxElapsedTime  time.Duration `mapstructure:"max_elapsed_time"`
}

// AlertmanagerConfig names the Alertmanagers alerts are forwarded to.
type AlertmanagerConfig struct {
	URLs []string `mapstructure:"urls"`
	// ResendDelay: firing alerts are sent again this often, with endsAt
	// four of them ahead, so they expire there if slopipe stops.
	ResendDelay time.Duration `mapstructure:"resend_delay"`
}

func createDefaultConfig() component.Config {
	p := alerting.DefaultPolicyConfig()
	exhausted := p.BudgetExhaustedAt
	return &Config{
		ReloadPeriod:            10 * time.Second,
		FlushInterval:           time.Second,
		MinEvents:               p.MinEvents,
		BudgetExhaustedAt:       &exhausted,
		BudgetExhaustedSeverity: p.BudgetSeverity,
		NoDataWindow:            p.NoDataWindow,
		NoDataSeverity:          p.NoDataSeverity,
		ExternalURL:             p.ExternalURL,
		ResolvedRetention:       p.ResolvedRetention,
		Retry:                   RetryConfig{InitialInterval: time.Second, MaxInterval: time.Minute, MaxElapsedTime: 5 * time.Minute},
		Alertmanager:            AlertmanagerConfig{ResendDelay: time.Minute},
		SLO:                     component.MustNewID("slo"),
		Store:                   component.MustNewID("store"),
	}
}

// policy is the alert policy the configuration describes.
func (c *Config) policy() alerting.PolicyConfig {
	p := alerting.PolicyConfig{
		MinEvents: c.MinEvents, BudgetExhaustedAt: math.NaN(), BudgetSeverity: c.BudgetExhaustedSeverity,
		NoDataWindow: c.NoDataWindow, NoDataSeverity: c.NoDataSeverity,
		ExternalURL: c.ExternalURL, DashboardURL: c.DashboardURL, ResolvedRetention: c.ResolvedRetention,
	}
	if c.BudgetExhaustedAt != nil {
		p.BudgetExhaustedAt = *c.BudgetExhaustedAt
	}
	return p
}

// Validate names the first bad field.
func (c *Config) Validate() error {
	switch {
	case c.ReloadPeriod < 100*time.Millisecond:
		return errors.New("reload_period: must be at least 100ms")
	case c.FlushInterval < 10*time.Millisecond:
		return errors.New("flush_interval: must be at least 10ms")
	case c.Retry.InitialInterval <= 0:
		return errors.New("retry.initial_interval: must be positive")
	case c.Retry.MaxInterval < c.Retry.InitialInterval:
		return errors.New("retry.max_interval: must be at least retry.initial_interval")
	case c.Retry.MaxElapsedTime < c.Retry.InitialInterval:
		return errors.New("retry.max_elapsed_time: must be at least retry.initial_interval")
	case c.Alertmanager.ResendDelay < time.Second:
		return errors.New("alertmanager.resend_delay: must be at least 1s")
	case c.SLO == component.ID{}:
		return errors.New("slo: must name the slo extension")
	case c.Store == component.ID{}:
		return errors.New("store: must name the store extension")
	}
	for i, u := range c.Alertmanager.URLs {
		if parsed, err := url.Parse(u); err != nil || (parsed.Scheme != "http" && parsed.Scheme != "https") || parsed.Host == "" {
			return fmt.Errorf("alertmanager.urls[%d]: %q is not an http(s) URL", i, u)
		}
	}
	if c.BudgetExhaustedAt != nil && (*c.BudgetExhaustedAt > 1 || math.IsNaN(*c.BudgetExhaustedAt)) {
		return fmt.Errorf("budget_exhausted_at: %v must be at most 1 (a fraction of the budget)", *c.BudgetExhaustedAt)
	}
	if err := c.policy().Validate(); err != nil {
		return err
	}
	if err := c.DeployGate.Validate(); err != nil {
		return fmt.Errorf("deploy_gate.%w", err)
	}
	return nil
}
