package healthextension

import (
	"errors"
	"fmt"
	"net"
	"time"

	"go.opentelemetry.io/collector/component"
)

// Config of the health extension.
type Config struct {
	// Endpoint is where /livez, /readyz and / are served.
	Endpoint string `mapstructure:"endpoint"`
	// Store is the store extension whose store readiness pings.
	Store component.ID `mapstructure:"store"`
	// StoreTimeout is how long the store has to answer a ping before
	// slopipe is not ready. Probes with a shorter timeout of their own give
	// up first.
	StoreTimeout time.Duration `mapstructure:"store_timeout"`
	// StoreCacheFor is how long a ping's answer serves later probes, so
	// that several probers do not each query the store.
	StoreCacheFor time.Duration `mapstructure:"store_cache_for"`
	// QueueFullExpiry is how long an exporter's sending queue counts as
	// full after its last refusal. Exporters report refusals every second
	// while they go on, but nothing reports a drained queue until data
	// arrives, and a balancer sends none to a slopipe that is not ready.
	QueueFullExpiry time.Duration `mapstructure:"queue_full_expiry"`
}

// DefaultEndpoint is the contrib health_check extension's port, which
// existing probes and scripts already use.
const DefaultEndpoint = "127.0.0.1:13133"

func createDefaultConfig() component.Config {
	return &Config{
		Endpoint:        DefaultEndpoint,
		Store:           component.MustNewID("store"),
		StoreTimeout:    2 * time.Second,
		StoreCacheFor:   time.Second,
		QueueFullExpiry: 10 * time.Second,
	}
}

// Validate names the first bad field.
func (c *Config) Validate() error {
	if _, _, err := net.SplitHostPort(c.Endpoint); err != nil {
		return fmt.Errorf("endpoint: %q is not host:port: %w", c.Endpoint, err)
	}
	switch {
	case c.Store == component.ID{}:
		return errors.New("store: must name the store extension")
	case c.StoreTimeout < 10*time.Millisecond:
		return errors.New("store_timeout: must be at least 10ms")
	case c.StoreCacheFor < 0:
		return errors.New("store_cache_for: must not be negative")
	case c.QueueFullExpiry < 2*time.Second:
		// Exporters repeat a refusal every second: less would forget a
		// queue that is still full between two reports.
		return errors.New("queue_full_expiry: must be at least 2s")
	}
	return nil
}
