package alertingextension

import (
	"math"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
)

func TestFactory(t *testing.T) {
	f := NewFactory()
	if f.Type().String() != "alerting" {
		t.Fatalf("type %s, want alerting", f.Type())
	}
	if f.Stability() != component.StabilityLevelAlpha {
		t.Errorf("stability %v, want alpha", f.Stability())
	}
	if err := componenttest.CheckConfigStruct(f.CreateDefaultConfig()); err != nil {
		t.Error(err)
	}
}

func TestDefaultConfigValidates(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	// The default policy fires the budget-exhaustion alert once a budget
	// is spent.
	if cfg.BudgetExhaustedAt == nil || *cfg.BudgetExhaustedAt != 0 {
		t.Errorf("budget_exhausted_at %v, want 0", cfg.BudgetExhaustedAt)
	}
}

func TestConfigUnmarshal(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	conf := confmap.NewFromStringMap(map[string]any{
		"config_file":   "/etc/slopipe/alerting.yml",
		"reload_period": "30s",
		"alertmanager":  map[string]any{"urls": []any{"http://alertmanager:9093"}},
		"deploy_gate": map[string]any{
			"min_budget_remaining":  0.1,
			"services":              map[string]any{"checkout": 0.25},
			"freeze_time_intervals": []any{"black-friday-freeze"},
		},
		"budget_exhausted_at": 0.05,
	})
	if err := conf.Unmarshal(cfg); err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if cfg.ConfigFile != "/etc/slopipe/alerting.yml" || cfg.ReloadPeriod != 30*time.Second ||
		len(cfg.Alertmanager.URLs) != 1 || cfg.Alertmanager.ResendDelay != time.Minute ||
		cfg.DeployGate.MinBudgetRemaining != 0.1 || cfg.DeployGate.Services["checkout"] != 0.25 ||
		len(cfg.DeployGate.FreezeTimeIntervals) != 1 || cfg.BudgetExhaustedAt == nil || *cfg.BudgetExhaustedAt != 0.05 {
		t.Errorf("unmarshalled %+v", cfg)
	}
	// Unset fields keep their defaults.
	if cfg.FlushInterval != time.Second || cfg.Retry.InitialInterval != time.Second || cfg.SLO != component.MustNewID("slo") {
		t.Errorf("defaults lost: %+v", cfg)
	}
}

func TestConfigValidateNamesTheField(t *testing.T) {
	for _, tc := range []struct {
		name  string
		edit  func(*Config)
		field string
	}{
		{"reload period too short", func(c *Config) { c.ReloadPeriod = 10 * time.Millisecond }, "reload_period:"},
		{"flush interval zero", func(c *Config) { c.FlushInterval = 0 }, "flush_interval:"},
		{"retry initial interval zero", func(c *Config) { c.Retry.InitialInterval = 0 }, "retry.initial_interval:"},
		{"retry max interval below the initial one", func(c *Config) { c.Retry.MaxInterval = 500 * time.Millisecond }, "retry.max_interval:"},
		{"retry max elapsed time below the initial interval", func(c *Config) { c.Retry.MaxElapsedTime = 500 * time.Millisecond }, "retry.max_elapsed_time:"},
		{"alertmanager URL relative", func(c *Config) { c.Alertmanager.URLs = []string{"http://alertmanager:9093", "alertmanager:9093"} }, "alertmanager.urls[1]:"},
		{"alertmanager URL not http", func(c *Config) { c.Alertmanager.URLs = []string{"ftp://alertmanager"} }, "alertmanager.urls[0]:"},
		{"alertmanager URL without host", func(c *Config) { c.Alertmanager.URLs = []string{"http://"} }, "alertmanager.urls[0]:"},
		{"alertmanager resend delay too short", func(c *Config) { c.Alertmanager.ResendDelay = 100 * time.Millisecond }, "alertmanager.resend_delay:"},
		{"slo extension unnamed", func(c *Config) { c.SLO = component.ID{} }, "slo:"},
		{"store extension unnamed", func(c *Config) { c.Store = component.ID{} }, "store:"},
		{"budget exhausted above 1", func(c *Config) { v := 1.5; c.BudgetExhaustedAt = &v }, "budget_exhausted_at:"},
		{"budget exhausted severity unknown", func(c *Config) { c.BudgetExhaustedSeverity = "critical" }, "budget_exhausted_severity:"},
		{"no data severity unknown", func(c *Config) { c.NoDataSeverity = "" }, "no_data_severity:"},
		{"no data window not a burn window", func(c *Config) { c.NoDataWindow = "45m" }, "no_data_window:"},
		{"min events negative", func(c *Config) { c.MinEvents = -1 }, "min_events:"},
		{"resolved retention zero", func(c *Config) { c.ResolvedRetention = 0 }, "resolved_retention:"},
		{"external URL relative", func(c *Config) { c.ExternalURL = "/slopipe" }, "external_url:"},
		{"deploy gate budget above 1", func(c *Config) { c.DeployGate.MinBudgetRemaining = 2 }, "deploy_gate.min_budget_remaining:"},
		{"deploy gate service budget above 1", func(c *Config) { c.DeployGate.Services = map[string]float64{"checkout": 1.1} }, "deploy_gate.services.checkout:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := createDefaultConfig().(*Config)
			tc.edit(cfg)
			err := cfg.Validate()
			if err == nil || !strings.HasPrefix(err.Error(), tc.field) {
				t.Errorf("Validate() = %v, want an error starting with %q", err, tc.field)
			}
		})
	}
}

// budget_exhausted_at left out turns the alert off; the policy says so
// with NaN.
func TestConfigNoBudgetExhaustedAlert(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.BudgetExhaustedAt = nil
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if p := cfg.policy(); !math.IsNaN(p.BudgetExhaustedAt) {
		t.Errorf("policy budget_exhausted_at %v, want NaN (off)", p.BudgetExhaustedAt)
	}
}
