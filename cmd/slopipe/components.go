package main

import (
	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/storage/filestorage"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/extension"
	"go.opentelemetry.io/collector/otelcol"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/batchprocessor"
	"go.opentelemetry.io/collector/processor/memorylimiterprocessor"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/otlpreceiver"
	"go.opentelemetry.io/collector/service/telemetry/otelconftelemetry"

	"github.com/slopipe/slopipe/alerting/alertingextension"
	"github.com/slopipe/slopipe/cost/costextension"
	"github.com/slopipe/slopipe/exporters/clickhouseexporter"
	"github.com/slopipe/slopipe/internal/healthextension"
	"github.com/slopipe/slopipe/internal/pprofextension"
	"github.com/slopipe/slopipe/processors/sliprocessor"
	"github.com/slopipe/slopipe/processors/tenantprocessor"
	"github.com/slopipe/slopipe/receivers/billingreceiver"
	"github.com/slopipe/slopipe/receivers/prometheusremotewritereceiver"
	"github.com/slopipe/slopipe/slo/sloextension"
	"github.com/slopipe/slopipe/store/storeextension"
)

// components lists what a slopipe configuration can use.
func components() (otelcol.Factories, error) {
	var (
		f   otelcol.Factories
		err error
	)
	if f.Receivers, err = otelcol.MakeFactoryMap[receiver.Factory](
		otlpreceiver.NewFactory(),
		prometheusremotewritereceiver.NewFactory(),
		billingreceiver.NewFactory(),
	); err != nil {
		return f, err
	}
	if f.Processors, err = otelcol.MakeFactoryMap[processor.Factory](
		memorylimiterprocessor.NewFactory(),
		// In the distribution for users who batch before a non-persistent
		// exporter; the default pipelines batch in the exporter's persistent
		// queue instead, because the batch processor acknowledges data
		// before it is anywhere durable.
		batchprocessor.NewFactory(),
		tenantprocessor.NewFactory(),
		sliprocessor.NewFactory(),
	); err != nil {
		return f, err
	}
	if f.Exporters, err = otelcol.MakeFactoryMap[exporter.Factory](
		clickhouseexporter.NewFactory(),
	); err != nil {
		return f, err
	}
	if f.Extensions, err = otelcol.MakeFactoryMap[extension.Factory](
		storeextension.NewFactory(),
		filestorage.NewFactory(),
		healthextension.NewFactory(),
		pprofextension.NewFactory(),
		sloextension.NewFactory(),
		alertingextension.NewFactory(),
		costextension.NewFactory(),
	); err != nil {
		return f, err
	}
	f.Telemetry = selfTelemetryFactory{otelconftelemetry.NewFactory()}
	return f, nil
}
