package main

import (
	"context"
	"os"
	"runtime"
	"testing"

	"go.opentelemetry.io/collector/client"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/slopipe/slopipe/exporters/clickhouseexporter"
	"github.com/slopipe/slopipe/processors/tenantprocessor"
	"github.com/slopipe/slopipe/store"
	"github.com/slopipe/slopipe/store/storeextension/storeextensiontest"
)

// pipeline is the ingest path of the default configuration in one process,
// network aside: an OTLP request decoded as the receiver does, the tenant
// processor with its default limits, and the ClickHouse exporter writing to
// the embedded engine. The exporter inserts synchronously here, so a
// benchmark iteration ends with the rows in the store.
type pipeline struct {
	traces  consumer.Traces
	metrics consumer.Metrics
	ctx     context.Context
}

func newPipeline(b *testing.B) *pipeline {
	b.Helper()
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "slopipe-bench")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { os.RemoveAll(dir) })
	st, err := store.Open(ctx, store.Config{DataDir: dir})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	host := storeextensiontest.NewHost(st)

	expCfg := clickhouseexporter.NewFactory().CreateDefaultConfig().(*clickhouseexporter.Config)
	expCfg.QueueConfig = configoptional.None[exporterhelper.QueueBatchConfig]()
	expCfg.BackOffConfig.Enabled = false
	expSet := exportertest.NewNopSettings(clickhouseexporter.Type)
	tracesExp, err := clickhouseexporter.NewFactory().CreateTraces(ctx, expSet, expCfg)
	if err != nil {
		b.Fatal(err)
	}
	metricsExp, err := clickhouseexporter.NewFactory().CreateMetrics(ctx, expSet, expCfg)
	if err != nil {
		b.Fatal(err)
	}

	tenantCfg := tenantprocessor.NewFactory().CreateDefaultConfig().(*tenantprocessor.Config)
	tenantCfg.Store = component.ID{} // usage accounting is measured in its own package
	tenantCfg.Limits.Rate = 0        // measure the path, not the limiter's refusals
	tenantSet := processortest.NewNopSettings(tenantprocessor.Type)
	tracesProc, err := tenantprocessor.NewFactory().CreateTraces(ctx, tenantSet, tenantCfg, tracesExp)
	if err != nil {
		b.Fatal(err)
	}
	metricsProc, err := tenantprocessor.NewFactory().CreateMetrics(ctx, tenantSet, tenantCfg, metricsExp)
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []component.Component{tracesExp, metricsExp, tracesProc, metricsProc} {
		if err := c.Start(ctx, host); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { c.Shutdown(ctx) })
	}
	info := client.Info{Metadata: client.NewMetadata(map[string][]string{"X-Scope-OrgID": {"bench"}})}
	return &pipeline{traces: tracesProc, metrics: metricsProc, ctx: client.NewContext(ctx, info)}
}

const benchSpans = 10_000

// BenchmarkPipelineTraces: spans/s from OTLP bytes to rows in the embedded
// store, and allocations per span over the whole path.
func BenchmarkPipelineTraces(b *testing.B) {
	p := newPipeline(b)
	body := traceRequest(b, 1, benchSpans)
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	mallocs := mallocsSoFar()
	for b.Loop() {
		req := ptraceotlp.NewExportRequest()
		if err := req.UnmarshalProto(body); err != nil {
			b.Fatal(err)
		}
		if err := p.traces.ConsumeTraces(p.ctx, req.Traces()); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*benchSpans)/b.Elapsed().Seconds(), "spans/s")
	b.ReportMetric(float64(mallocsSoFar()-mallocs)/float64(b.N*benchSpans), "allocs/span")
}

// BenchmarkPipelineMetrics: gauge points/s from OTLP bytes to rows.
func BenchmarkPipelineMetrics(b *testing.B) {
	p := newPipeline(b)
	body := gaugeRequest(b, benchSpans)
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	mallocs := mallocsSoFar()
	for b.Loop() {
		req := pmetricotlp.NewExportRequest()
		if err := req.UnmarshalProto(body); err != nil {
			b.Fatal(err)
		}
		if err := p.metrics.ConsumeMetrics(p.ctx, req.Metrics()); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*benchSpans)/b.Elapsed().Seconds(), "points/s")
	b.ReportMetric(float64(mallocsSoFar()-mallocs)/float64(b.N*benchSpans), "allocs/point")
}

func mallocsSoFar() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.Mallocs
}
