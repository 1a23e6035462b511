package sliprocessor

import (
	"errors"
	"strings"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
)

// Config of the sli processor.
type Config struct {
	// SLODir holds the SLO specs (OpenSLO v1, Sloth prometheus/v1); the
	// span and log SLIs among them are counted here.
	SLODir string `mapstructure:"slo_dir"`
	// ReloadPeriod is how often SLODir is checked for changes.
	ReloadPeriod time.Duration `mapstructure:"reload_period"`
	// TenantAttribute is the resource attribute holding the tenant (the
	// tenant processor, which runs before this one, sets it).
	TenantAttribute string `mapstructure:"tenant_attribute"`
	// Store is the store extension the counts are written through; empty
	// keeps them in memory only (tests).
	Store component.ID `mapstructure:"store"`
	// FlushInterval is how often counts are written to slopipe_sli_events.
	FlushInterval time.Duration `mapstructure:"flush_interval"`
}

func createDefaultConfig() component.Config {
	return &Config{
		SLODir:          "./slos",
		ReloadPeriod:    10 * time.Second,
		TenantAttribute: "tenant.id",
		Store:           component.MustNewID("store"),
		FlushInterval:   10 * time.Second,
	}
}

// Unmarshal lets `store: ""` mean no store, which component.ID refuses.
func (c *Config) Unmarshal(conf *confmap.Conf) error {
	if v, ok := conf.Get("store").(string); ok && strings.TrimSpace(v) == "" {
		conf.Delete("store")
		c.Store = component.ID{}
	}
	return conf.Unmarshal(c)
}

// Validate names the first bad field.
func (c *Config) Validate() error {
	switch {
	case c.SLODir == "":
		return errors.New("slo_dir: must not be empty")
	case c.ReloadPeriod < 100*time.Millisecond:
		return errors.New("reload_period: must be at least 100ms")
	case c.TenantAttribute == "":
		return errors.New("tenant_attribute: must not be empty")
	case c.FlushInterval < 100*time.Millisecond:
		return errors.New("flush_interval: must be at least 100ms")
	}
	return nil
}
