package storeextension

import (
	"fmt"

	"github.com/slopipe/slopipe/store"
)

// Config is the store's configuration plus the ClickHouse HTTP interface
// served over the embedded store.
type Config struct {
	store.Config `mapstructure:",squash"`

	// ClickHouseHTTP serves ClickHouse's HTTP interface over the embedded
	// store, for Grafana's ClickHouse data source and clickhouse-go clients.
	// With a dsn it is not served: clients talk to the server itself.
	ClickHouseHTTP HTTPConfig `mapstructure:"clickhouse_http"`
}

// HTTPConfig configures the ClickHouse HTTP interface.
type HTTPConfig struct {
	// Endpoint to listen on; empty turns the interface off.
	Endpoint string `mapstructure:"endpoint"`
	// Users maps user names to passwords; empty means no authentication,
	// which only a loopback endpoint allows.
	Users map[string]string `mapstructure:"users"`
}

// Validate names the first bad field.
func (c *Config) Validate() error {
	if err := c.Config.Validate(); err != nil {
		return err
	}
	for user := range c.ClickHouseHTTP.Users {
		if user == "" {
			return fmt.Errorf("clickhouse_http.users: empty user name")
		}
	}
	return nil
}
