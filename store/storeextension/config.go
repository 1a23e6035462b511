package storeextension

import (
	"errors"
	"fmt"

	"github.com/slopipe/slopipe/store"
)

// Config is the store's configuration plus the ClickHouse HTTP interface
// served over the embedded store.
type Config struct {
	store.Config `mapstructure:",squash"`

	// ClickHouseHTTP serves ClickHouse's HTTP interface over the embedded
	// store, for Grafana's ClickHouse data source and clickhouse-go clients.
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
	if c.DSN != "" && c.ClickHouseHTTP.Endpoint != "" {
		return errors.New("clickhouse_http: the HTTP interface serves the embedded store; with a dsn, point clients at the server itself (set clickhouse_http.endpoint to \"\")")
	}
	for user := range c.ClickHouseHTTP.Users {
		if user == "" {
			return fmt.Errorf("clickhouse_http.users: empty user name")
		}
	}
	return nil
}
