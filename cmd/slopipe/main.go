// Command slopipe is the slopipe daemon, an OpenTelemetry Collector
// distribution: OTLP and Prometheus remote-write in, per-tenant limits,
// ClickHouse (embedded engine or server) out.
//
// Without --config it runs the built-in default configuration, everything on
// localhost with the embedded store; `slopipe print-default-config` prints it
// as a starting point and `slopipe validate --config FILE` checks a file.
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/provider/envprovider"
	"go.opentelemetry.io/collector/confmap/provider/fileprovider"
	"go.opentelemetry.io/collector/confmap/provider/yamlprovider"
	"go.opentelemetry.io/collector/otelcol"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() { os.Exit(runMain(os.Args[1:])) }

// runMain runs args and returns the process's exit code, the error printed.
func runMain(args []string) int {
	err := run(args)
	if err == nil {
		return 0
	}
	fmt.Fprintln(os.Stderr, "slopipe:", err)
	var ec *exitCodeError
	if errors.As(err, &ec) {
		return ec.code
	}
	return 1
}

// exitCodeError makes the process exit with code instead of 1: a command
// whose exit code means something (gate check) says what.
type exitCodeError struct {
	code int
	err  error
}

func (e *exitCodeError) Error() string { return e.err.Error() }
func (e *exitCodeError) Unwrap() error { return e.err }

// run runs the command line args; a configuration error comes back with
// the file and line of the setting it names.
func run(args []string) error {
	cmd := newCommand()
	cmd.SetArgs(args)
	if err := cmd.Execute(); err != nil {
		return locateConfigError(err, configFiles(args))
	}
	return nil
}

func newCommand() *cobra.Command {
	cmd := otelcol.NewCommand(otelcol.CollectorSettings{
		BuildInfo: component.BuildInfo{
			Command:     "slopipe",
			Description: "slopipe: multi-tenant telemetry ingest, SLOs and cost attribution over ClickHouse",
			Version:     version,
		},
		Factories: components,
		ConfigProviderSettings: otelcol.ConfigProviderSettings{
			ResolverSettings: confmap.ResolverSettings{
				// Used when no --config is given.
				URIs: []string{defaultConfigURI},
				ProviderFactories: []confmap.ProviderFactory{
					envprovider.NewFactory(),
					fileprovider.NewFactory(),
					yamlprovider.NewFactory(),
					newDefaultConfigProviderFactory(),
				},
			},
		},
	})
	// run prints the error once, located.
	cmd.SilenceErrors = true
	cmd.AddCommand(sloCommand(), silenceCommand(), gateCommand(), billingCommand(), costCommand())
	cmd.AddCommand(&cobra.Command{
		Use:   "print-default-config",
		Short: "Print the built-in configuration slopipe runs without --config",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			_, err := c.OutOrStdout().Write(defaultConfig)
			return err
		},
	})
	return cmd
}
