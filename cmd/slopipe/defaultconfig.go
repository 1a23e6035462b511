package main

import (
	"context"
	_ "embed"
	"fmt"

	"go.opentelemetry.io/collector/confmap"
)

// defaultConfig is the configuration slopipe runs without --config.
//
//go:embed default-config.yaml
var defaultConfig []byte

const (
	defaultConfigScheme = "slopipe"
	defaultConfigURI    = defaultConfigScheme + ":default"
)

// defaultConfigProvider serves the built-in configuration under the URI
// slopipe:default, so that it goes through the collector's own resolver and
// its ${env:VAR:-default} references are expanded like a file's.
type defaultConfigProvider struct{}

func newDefaultConfigProviderFactory() confmap.ProviderFactory {
	return confmap.NewProviderFactory(func(confmap.ProviderSettings) confmap.Provider {
		return defaultConfigProvider{}
	})
}

func (defaultConfigProvider) Retrieve(_ context.Context, uri string, _ confmap.WatcherFunc) (*confmap.Retrieved, error) {
	if uri != defaultConfigURI {
		return nil, fmt.Errorf("%q: the only built-in configuration is %s", uri, defaultConfigURI)
	}
	return confmap.NewRetrievedFromYAML(defaultConfig)
}

func (defaultConfigProvider) Scheme() string                 { return defaultConfigScheme }
func (defaultConfigProvider) Shutdown(context.Context) error { return nil }
