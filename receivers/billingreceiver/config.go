package billingreceiver

import (
	"errors"
	"path/filepath"
	"time"

	"go.opentelemetry.io/collector/component"
)

// Config of the billing receiver.
type Config struct {
	// Inbox is the directory billing exports are dropped into; empty is
	// DataDir/billing-inbox. Imported files move to Inbox/imported, refused
	// ones to Inbox/rejected with a .reason file beside them.
	Inbox   string `mapstructure:"inbox"`
	DataDir string `mapstructure:"data_dir"`
	// PollInterval is how often the inbox is looked at.
	PollInterval time.Duration `mapstructure:"poll_interval"`
	// Settle: a file is taken once it has not changed for this long, so a
	// copy in progress is not read half-written.
	Settle time.Duration `mapstructure:"settle"`
	// MaxUploadBytes bounds a POST /api/v1/billing/import body.
	MaxUploadBytes int64 `mapstructure:"max_upload_bytes"`
	// Store is the store extension imports are written through.
	Store component.ID `mapstructure:"store"`
	// API is the slo extension whose endpoint serves
	// POST /api/v1/billing/import; empty serves no upload.
	API component.ID `mapstructure:"api"`
}

func createDefaultConfig() component.Config {
	return &Config{
		DataDir:        "./data",
		PollInterval:   5 * time.Second,
		Settle:         2 * time.Second,
		MaxUploadBytes: 2 << 30,
		Store:          component.MustNewID("store"),
		API:            component.MustNewID("slo"),
	}
}

// Validate names the first bad field.
func (c *Config) Validate() error {
	switch {
	case c.Inbox == "" && c.DataDir == "":
		return errors.New("inbox: set it, or data_dir for data_dir/billing-inbox")
	case c.PollInterval < 100*time.Millisecond:
		return errors.New("poll_interval: must be at least 100ms")
	case c.Settle < 0:
		return errors.New("settle: must not be negative")
	case c.MaxUploadBytes <= 0:
		return errors.New("max_upload_bytes: must be positive")
	case c.Store == component.ID{}:
		return errors.New("store: must name the store extension")
	}
	return nil
}

// inbox is the directory the receiver watches.
func (c *Config) inbox() string {
	if c.Inbox != "" {
		return c.Inbox
	}
	return filepath.Join(c.DataDir, "billing-inbox")
}
