package pprofextension

import (
	"fmt"
	"net"

	"go.opentelemetry.io/collector/component"
)

// Config of the pprof extension.
type Config struct {
	// Endpoint is the host:port the profiles are served on; empty serves
	// nothing.
	Endpoint string `mapstructure:"endpoint"`
}

func createDefaultConfig() component.Config { return &Config{} }

// Validate names a bad endpoint.
func (c *Config) Validate() error {
	if c.Endpoint == "" {
		return nil
	}
	if _, _, err := net.SplitHostPort(c.Endpoint); err != nil {
		return fmt.Errorf("endpoint: %q is not host:port: %w", c.Endpoint, err)
	}
	return nil
}
