package clickhouseexporter

import (
	"errors"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
)

// Config of the exporter. The connection is not here: the store extension
// named by Store owns it, so every component shares one store.
type Config struct {
	// Store is the ID of the store extension to write through.
	Store component.ID `mapstructure:"store"`
	// TenantAttribute is the resource attribute whose value fills the
	// TenantId column (the tenant processor writes it).
	TenantAttribute string `mapstructure:"tenant_attribute"`
	// QueueFullRetryAfter is what a refused request is told to wait when the
	// sending queue is full.
	QueueFullRetryAfter time.Duration `mapstructure:"queue_full_retry_after"`

	exporterhelper.TimeoutConfig `mapstructure:",squash"`
	QueueConfig                  configoptional.Optional[exporterhelper.QueueBatchConfig] `mapstructure:"sending_queue"`
	BackOffConfig                configretry.BackOffConfig                                `mapstructure:"retry_on_failure"`
}

// Validate names the first bad field.
func (c *Config) Validate() error {
	if c.Store.Type().String() == "" {
		return errors.New("store: names no store extension")
	}
	if c.TenantAttribute == "" {
		return errors.New("tenant_attribute: must not be empty")
	}
	if c.QueueFullRetryAfter < time.Second {
		return errors.New("queue_full_retry_after: must be at least 1s (Retry-After counts whole seconds)")
	}
	if c.QueueConfig.HasValue() && c.QueueConfig.Get().WaitForResult && c.QueueConfig.Get().StorageID != nil {
		return errors.New("sending_queue: wait_for_result cannot be combined with storage")
	}
	return nil
}
