package prometheusremotewritereceiver

import (
	"context"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver"
)

// Type is the receiver's name in the collector configuration.
var Type = component.MustNewType("prometheus_remote_write")

// NewFactory returns the receiver's factory; it makes metrics receivers only.
func NewFactory() receiver.Factory {
	return receiver.NewFactory(Type, createDefaultConfig,
		receiver.WithMetrics(createMetrics, component.StabilityLevelBeta))
}

func createDefaultConfig() component.Config {
	srv := confighttp.NewDefaultServerConfig()
	srv.NetAddr.Endpoint = defaultEndpoint
	srv.MaxRequestBodySize = defaultMaxRequestBodySize
	// Remote write is snappy by specification, and Prometheus itself accepts
	// a missing Content-Encoding as snappy; the receiver undoes snappy itself
	// (see Start), so only those two are accepted by default and a
	// gzip or zstd body gets a clear "unsupported Content-Encoding" instead of
	// a snappy decoding error after confighttp has inflated it.
	srv.CompressionAlgorithms = []string{"", "snappy"}
	return &Config{
		ServerConfig:            srv,
		MaxDecompressedBodySize: defaultMaxDecompressedBodySize,
		TenantHeader:            "X-Scope-OrgID",
	}
}

func createMetrics(_ context.Context, set receiver.Settings, cfg component.Config, next consumer.Metrics) (receiver.Metrics, error) {
	return newReceiver(set, cfg.(*Config), next)
}
