package prometheusremotewritereceiver

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"

	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/confmap"
)

const (
	defaultEndpoint = "127.0.0.1:19291"
	// Prometheus sends 2,000 samples per request by default, a few hundred
	// KiB compressed; 32 MiB leaves room for senders configured with much
	// larger batches while still bounding one request.
	defaultMaxRequestBodySize = 32 << 20
	// Snappy can expand a block by about 20x, so the compressed bound alone
	// would still allow a request to claim over half a GiB once decoded.
	defaultMaxDecompressedBodySize = 64 << 20
)

// Config configures the Prometheus remote-write receiver.
type Config struct {
	// ServerConfig is the HTTP server: endpoint, tls, auth, include_metadata,
	// max_request_body_size (the bound on the compressed body) and the rest.
	// It is a named field, not an embedded one: ServerConfig implements
	// confmap.Unmarshaler, and embedding would promote that method to Config,
	// so that decoding a Config would fill only the server's fields and
	// silently ignore max_decompressed_body_size and misspelt keys.
	ServerConfig confighttp.ServerConfig `mapstructure:",squash"`

	// MaxDecompressedBodySize bounds the size of the protobuf message once
	// snappy-decoded. It is checked against the length the snappy block
	// announces before the output buffer is allocated.
	MaxDecompressedBodySize int64 `mapstructure:"max_decompressed_body_size"`

	// TenantHeader is the request metadata key a tenant named in the URL
	// (/tenants/<tenant>/api/v1/write) is given, so that the tenant
	// processor finds it where it looks for the header. It exists for
	// senders that cannot set headers.
	TenantHeader string `mapstructure:"tenant_header"`
}

// Validate names the first bad field.
func (c *Config) Validate() error {
	if c.ServerConfig.NetAddr.Endpoint == "" {
		return errors.New("endpoint: must not be empty")
	}
	if c.ServerConfig.MaxRequestBodySize <= 0 {
		return fmt.Errorf("max_request_body_size: must be positive, got %d", c.ServerConfig.MaxRequestBodySize)
	}
	if c.TenantHeader == "" {
		return errors.New("tenant_header: must not be empty")
	}
	if c.MaxDecompressedBodySize <= 0 {
		return fmt.Errorf("max_decompressed_body_size: must be positive, got %d", c.MaxDecompressedBodySize)
	}
	// Snappy block lengths are 32-bit; a larger bound would be meaningless.
	if c.MaxDecompressedBodySize > 1<<32-1 {
		return fmt.Errorf("max_decompressed_body_size: must be at most %d (the largest snappy block), got %d", int64(1<<32-1), c.MaxDecompressedBodySize)
	}
	return nil
}

var _ confmap.Unmarshaler = (*Config)(nil)

// Unmarshal lets confighttp decode the server's keys (it has an Unmarshal of
// its own, for its keepalive settings) and decodes the receiver's own keys
// here. confmap would decode the remaining fields with unknown keys ignored
// once a squashed field has its own Unmarshal; refusing them here keeps a
// misspelt limit from silently falling back to its default.
func (c *Config) Unmarshal(conf *confmap.Conf) error {
	if err := c.ServerConfig.Unmarshal(conf); err != nil {
		return err
	}
	own := struct {
		MaxDecompressedBodySize int64  `mapstructure:"max_decompressed_body_size"`
		TenantHeader            string `mapstructure:"tenant_header"`
	}{MaxDecompressedBodySize: c.MaxDecompressedBodySize, TenantHeader: c.TenantHeader}
	if err := conf.Unmarshal(&own, confmap.WithIgnoreUnused()); err != nil {
		return err
	}
	c.MaxDecompressedBodySize = own.MaxDecompressedBodySize
	c.TenantHeader = own.TenantHeader

	known := configKeys()
	var unknown []string
	for key := range conf.ToStringMap() {
		if !known[key] {
			unknown = append(unknown, key)
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return fmt.Errorf("unknown keys: %s", strings.Join(unknown, ", "))
	}
	return nil
}

// configKeys are the top-level keys of Config, squashed structs included.
var configKeys = sync.OnceValue(func() map[string]bool {
	keys := map[string]bool{}
	addKeys(reflect.TypeFor[Config](), keys)
	return keys
})

func addKeys(t reflect.Type, keys map[string]bool) {
	for f := range t.Fields() {
		if !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("mapstructure"), ",")
		if slices.Contains(strings.Split(opts, ","), "squash") {
			addKeys(f.Type, keys)
			continue
		}
		if name == "-" {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		keys[name] = true
	}
}
