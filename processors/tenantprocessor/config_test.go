package tenantprocessor

import (
	"math"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
)

func TestDefaultConfig(t *testing.T) {
	cfg := NewFactory().CreateDefaultConfig().(*Config)
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	want := &Config{
		From:                  []string{"header", "resource_attribute", "default"},
		Header:                "X-Scope-OrgID",
		ResourceAttribute:     "tenant.id",
		DefaultTenant:         "default",
		OverridesReloadPeriod: 10 * time.Second,
		ActiveSeriesWindow:    20 * time.Minute,
		Store:                 component.MustNewID("store"),
		UsageFlushInterval:    10 * time.Second,
		UsageMaxPendingRows:   100_000,
	}
	if got := *cfg; !equalConfig(&got, want) {
		t.Fatalf("default config\n got %+v\nwant %+v", got, *want)
	}
}

func equalConfig(a, b *Config) bool {
	return strings.Join(a.From, ",") == strings.Join(b.From, ",") && a.Header == b.Header &&
		a.ResourceAttribute == b.ResourceAttribute && a.DefaultTenant == b.DefaultTenant && a.Limits == b.Limits &&
		a.OverridesFile == b.OverridesFile && a.OverridesReloadPeriod == b.OverridesReloadPeriod &&
		a.ActiveSeriesWindow == b.ActiveSeriesWindow && a.Store == b.Store &&
		a.UsageFlushInterval == b.UsageFlushInterval && a.UsageMaxPendingRows == b.UsageMaxPendingRows
}

func TestConfigUnmarshal(t *testing.T) {
	conf := confmap.NewFromStringMap(map[string]any{
		"from":                    []any{"resource_attribute", "header"},
		"header":                  "X-Tenant",
		"resource_attribute":      "org",
		"default_tenant":          "",
		"overrides_file":          "/etc/slopipe/overrides.yaml",
		"overrides_reload_period": "5s",
		"active_series_window":    "1h",
		"store":                   "store/main",
		"usage_flush_interval":    "30s",
		"usage_max_pending_rows":  500,
		"limits": map[string]any{
			"rate": 1500.5, "burst": 3000, "max_request_bytes": 4 << 20,
			"max_attributes_per_item": 128, "max_active_series": 100000,
		},
	})
	cfg := createDefaultConfig().(*Config)
	if err := conf.Unmarshal(cfg); err != nil {
		t.Fatal(err)
	}
	want := &Config{
		From: []string{"resource_attribute", "header"}, Header: "X-Tenant", ResourceAttribute: "org",
		OverridesFile: "/etc/slopipe/overrides.yaml", OverridesReloadPeriod: 5 * time.Second,
		ActiveSeriesWindow: time.Hour, Store: component.MustNewIDWithName("store", "main"),
		UsageFlushInterval: 30 * time.Second, UsageMaxPendingRows: 500,
		Limits: Limits{Rate: 1500.5, Burst: 3000, MaxRequestBytes: 4 << 20, MaxAttributesPerItem: 128, MaxActiveSeries: 100000},
	}
	if !equalConfig(cfg, want) {
		t.Fatalf("unmarshalled\n got %+v\nwant %+v", *cfg, *want)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	// An empty store turns usage recording off.
	cfg = createDefaultConfig().(*Config)
	if err := confmap.NewFromStringMap(map[string]any{"store": ""}).Unmarshal(cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Store != (component.ID{}) {
		t.Fatalf("store %v, want none", cfg.Store)
	}
	// Unknown keys are errors, not silently ignored limits.
	bad := confmap.NewFromStringMap(map[string]any{"limits": map[string]any{"rate_limit": 5}})
	if err := bad.Unmarshal(createDefaultConfig()); err == nil || !strings.Contains(err.Error(), "rate_limit") {
		t.Fatalf("unknown key: %v", err)
	}
}

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		mutate func(*Config)
		want   string
	}{
		{func(c *Config) { c.From = nil }, "from: must list"},
		{func(c *Config) { c.From = []string{"header", "cookie"} }, `from[1]: unknown source "cookie"`},
		{func(c *Config) { c.From = []string{"header", "header"} }, "from[1]: header listed twice"},
		{func(c *Config) { c.From = []string{"default", "header"} }, "from[1]: header after default is never reached"},
		{func(c *Config) { c.Header = "" }, "header: must not be empty"},
		{func(c *Config) { c.ResourceAttribute = "" }, "resource_attribute: must not be empty"},
		{func(c *Config) { c.DefaultTenant = "a b" }, "default_tenant: tenant id"},
		{func(c *Config) { c.Limits.Rate = -1 }, "limits.rate: must be a finite number >= 0"},
		{func(c *Config) { c.Limits.Rate = math.NaN() }, "limits.rate:"},
		{func(c *Config) { c.Limits.Rate = 10 }, "limits.burst: must be > 0 when rate is set"},
		{func(c *Config) { c.Limits.Burst = -1 }, "limits.burst: must be >= 0"},
		{func(c *Config) { c.Limits.MaxRequestBytes = -1 }, "limits.max_request_bytes"},
		{func(c *Config) { c.Limits.MaxAttributesPerItem = -1 }, "limits.max_attributes_per_item"},
		{func(c *Config) { c.Limits.MaxActiveSeries = -1 }, "limits.max_active_series"},
		{func(c *Config) { c.OverridesFile = "x"; c.OverridesReloadPeriod = 0 }, "overrides_reload_period"},
		{func(c *Config) { c.ActiveSeriesWindow = 0 }, "active_series_window"},
		{func(c *Config) { c.UsageFlushInterval = 0 }, "usage_flush_interval"},
		{func(c *Config) { c.UsageMaxPendingRows = 0 }, "usage_max_pending_rows"},
		{func(c *Config) { c.ReservedTenants = []string{"slopipe", "a/b"} }, "reserved_tenants[1]: tenant id"},
		{func(c *Config) { c.ReservedTenants = []string{"default"} }, `reserved_tenants[0]: "default" is also the default_tenant`},
	} {
		cfg := createDefaultConfig().(*Config)
		tc.mutate(cfg)
		err := cfg.Validate()
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("Validate() = %v, want an error starting %q", err, tc.want)
		}
	}
	// The header is not needed when it is not a source, and no default
	// tenant is a valid choice.
	cfg := createDefaultConfig().(*Config)
	cfg.From, cfg.Header, cfg.DefaultTenant = []string{"resource_attribute"}, "", ""
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
}
