package tenantprocessor

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
)

// Tenant sources, the values of Config.From.
const (
	SourceHeader            = "header"
	SourceResourceAttribute = "resource_attribute"
	SourceDefault           = "default"
)

// Config is the tenant processor's configuration.
type Config struct {
	// From lists where the tenant is taken from, first match wins.
	From []string `mapstructure:"from"`
	// Header is the request header (gRPC metadata) carrying the tenant; the
	// receiver must have include_metadata: true for it to be visible.
	Header string `mapstructure:"header"`
	// ResourceAttribute is read as a tenant source and always written with
	// the resolved tenant.
	ResourceAttribute string `mapstructure:"resource_attribute"`
	// DefaultTenant is used when no other source names a tenant; empty
	// refuses such data instead.
	DefaultTenant string `mapstructure:"default_tenant"`

	// Limits apply to every tenant without an override.
	Limits Limits `mapstructure:"limits"`
	// OverridesFile is a YAML file of per-tenant limits, re-read when it
	// changes; empty means no overrides.
	OverridesFile         string        `mapstructure:"overrides_file"`
	OverridesReloadPeriod time.Duration `mapstructure:"overrides_reload_period"`

	// ActiveSeriesWindow is how long a metric series counts as active after
	// its last data point.
	ActiveSeriesWindow time.Duration `mapstructure:"active_series_window"`

	// Store is the store extension usage is written to; the zero ID turns
	// usage recording off.
	Store               component.ID  `mapstructure:"store"`
	UsageFlushInterval  time.Duration `mapstructure:"usage_flush_interval"`
	UsageMaxPendingRows int           `mapstructure:"usage_max_pending_rows"`
	// ReservedTenants may not be named by a request's header or resource
	// attribute: the tenant of slopipe's own telemetry, which arrives
	// through a pipeline of its own and must not be mixed with (or billed
	// as) a client's data. Such requests are refused as invalid_tenant.
	ReservedTenants []string `mapstructure:"reserved_tenants"`
}

// Limits are one tenant's ingestion limits; 0 means unlimited.
type Limits struct {
	// Rate is the sustained rate in items per second (spans, log records,
	// metric data points) over all signals.
	Rate float64 `mapstructure:"rate"`
	// Burst is the token bucket's size in items, so also the largest request
	// that can ever pass.
	Burst                int `mapstructure:"burst"`
	MaxRequestBytes      int `mapstructure:"max_request_bytes"`
	MaxAttributesPerItem int `mapstructure:"max_attributes_per_item"`
	MaxActiveSeries      int `mapstructure:"max_active_series"`
}

func createDefaultConfig() component.Config {
	return &Config{
		From:                  []string{SourceHeader, SourceResourceAttribute, SourceDefault},
		Header:                "X-Scope-OrgID",
		ResourceAttribute:     "tenant.id",
		DefaultTenant:         "default",
		OverridesReloadPeriod: 10 * time.Second,
		ActiveSeriesWindow:    20 * time.Minute,
		Store:                 component.MustNewID("store"),
		UsageFlushInterval:    10 * time.Second,
		UsageMaxPendingRows:   100_000,
	}
}

// Unmarshal lets `store: ""` turn usage recording off: component.ID on its
// own refuses an empty id.
func (c *Config) Unmarshal(conf *confmap.Conf) error {
	if v, ok := conf.Get("store").(string); ok && strings.TrimSpace(v) == "" {
		conf.Delete("store")
		c.Store = component.ID{}
	}
	return conf.Unmarshal(c)
}

// Validate names the first bad field.
func (c *Config) Validate() error {
	if len(c.From) == 0 {
		return errors.New("from: must list at least one of header, resource_attribute, default")
	}
	seen := map[string]bool{}
	for i, s := range c.From {
		switch s {
		case SourceHeader, SourceResourceAttribute, SourceDefault:
		default:
			return fmt.Errorf("from[%d]: unknown source %q (want header, resource_attribute or default)", i, s)
		}
		if seen[s] {
			return fmt.Errorf("from[%d]: %s listed twice", i, s)
		}
		if seen[SourceDefault] {
			return fmt.Errorf("from[%d]: %s after default is never reached", i, s)
		}
		seen[s] = true
	}
	if seen[SourceHeader] && c.Header == "" {
		return errors.New("header: must not be empty when from lists header")
	}
	if c.ResourceAttribute == "" {
		return errors.New("resource_attribute: must not be empty; the resolved tenant is written there")
	}
	if c.DefaultTenant != "" {
		if err := validateTenant(c.DefaultTenant); err != nil {
			return fmt.Errorf("default_tenant: %w", err)
		}
	}
	for i, id := range c.ReservedTenants {
		if err := validateTenant(id); err != nil {
			return fmt.Errorf("reserved_tenants[%d]: %w", i, err)
		}
		if id == c.DefaultTenant {
			return fmt.Errorf("reserved_tenants[%d]: %q is also the default_tenant, whose data would land in the reserved tenant", i, id)
		}
	}
	if err := c.Limits.validate(); err != nil {
		return fmt.Errorf("limits.%w", err)
	}
	if c.OverridesFile != "" && c.OverridesReloadPeriod <= 0 {
		return errors.New("overrides_reload_period: must be positive")
	}
	if c.ActiveSeriesWindow <= 0 {
		return errors.New("active_series_window: must be positive")
	}
	if c.UsageFlushInterval <= 0 {
		return errors.New("usage_flush_interval: must be positive")
	}
	if c.UsageMaxPendingRows <= 0 {
		return errors.New("usage_max_pending_rows: must be positive")
	}
	return nil
}

// limitsError names the offending field so that callers can prefix it with
// where the limits came from (config or an overrides file line).
type limitsError struct {
	field string
	// cause is another field that made field wrong, if any.
	cause string
	msg   string
}

func (e *limitsError) Error() string { return e.field + ": " + e.msg }

func (l Limits) validate() error {
	switch {
	case math.IsNaN(l.Rate) || math.IsInf(l.Rate, 0) || l.Rate < 0:
		return &limitsError{"rate", "", fmt.Sprintf("must be a finite number >= 0, got %v", l.Rate)}
	case l.Burst < 0:
		return &limitsError{"burst", "", fmt.Sprintf("must be >= 0, got %d", l.Burst)}
	case l.Rate > 0 && l.Burst == 0:
		// A bucket of size 0 admits nothing; refusing the config beats
		// silently refusing every request.
		return &limitsError{"burst", "rate", "must be > 0 when rate is set (it is also the largest request that can pass)"}
	case l.MaxRequestBytes < 0:
		return &limitsError{"max_request_bytes", "", fmt.Sprintf("must be >= 0, got %d", l.MaxRequestBytes)}
	case l.MaxAttributesPerItem < 0:
		return &limitsError{"max_attributes_per_item", "", fmt.Sprintf("must be >= 0, got %d", l.MaxAttributesPerItem)}
	case l.MaxActiveSeries < 0:
		return &limitsError{"max_active_series", "", fmt.Sprintf("must be >= 0, got %d", l.MaxActiveSeries)}
	}
	return nil
}
