package sloextension

import (
	"errors"
	"fmt"
	"net"
	"time"

	"go.opentelemetry.io/collector/component"

	"github.com/slopipe/slopipe/slo/sloapi"
)

// Config of the slo extension.
type Config struct {
	// SLODir holds the SLO specs (OpenSLO v1, Sloth prometheus/v1,
	// slopipe/v1 Overrides).
	SLODir string `mapstructure:"slo_dir"`
	// ReloadPeriod is how often SLODir is checked for changes.
	ReloadPeriod time.Duration `mapstructure:"reload_period"`
	// Interval is the time between evaluation cycles.
	Interval time.Duration `mapstructure:"interval"`
	// MaxSampleGap: counter samples further apart are not differenced.
	MaxSampleGap time.Duration `mapstructure:"max_sample_gap"`
	// ArrivalMargin: how long an insert may take to become visible; late
	// data is searched for that far before the previous search. More for a
	// cluster with asynchronous inserts.
	ArrivalMargin time.Duration `mapstructure:"arrival_margin"`
	// Endpoint is where the HTTP API listens; empty serves no API.
	Endpoint string `mapstructure:"endpoint"`
	// Store is the store extension evaluations read and write through.
	Store component.ID `mapstructure:"store"`
}

func createDefaultConfig() component.Config {
	return &Config{
		SLODir:        "./slos",
		ReloadPeriod:  10 * time.Second,
		Interval:      30 * time.Second,
		MaxSampleGap:  15 * time.Minute,
		ArrivalMargin: time.Minute,
		Endpoint:      sloapi.DefaultAddr,
		Store:         component.MustNewID("store"),
	}
}

// Validate names the first bad field.
func (c *Config) Validate() error {
	switch {
	case c.SLODir == "":
		return errors.New("slo_dir: must not be empty")
	case c.ReloadPeriod < 100*time.Millisecond:
		return errors.New("reload_period: must be at least 100ms")
	case c.Interval < 100*time.Millisecond:
		return errors.New("interval: must be at least 100ms")
	case c.MaxSampleGap < time.Second:
		return errors.New("max_sample_gap: must be at least 1s")
	case c.ArrivalMargin < time.Second:
		return errors.New("arrival_margin: must be at least 1s")
	case c.Store == component.ID{}:
		return errors.New("store: must name the store extension")
	}
	if c.Endpoint != "" {
		if _, _, err := net.SplitHostPort(c.Endpoint); err != nil {
			return fmt.Errorf("endpoint: %q is not host:port: %w", c.Endpoint, err)
		}
	}
	return nil
}
