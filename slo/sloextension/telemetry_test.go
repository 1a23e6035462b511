package sloextension

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/slopipe/slopipe/store"
)

// flakyStore is the store, failing every query while down is set.
type flakyStore struct {
	store.Store
	down atomic.Bool
}

var errDown = errors.New("store down")

func (f *flakyStore) Query(ctx context.Context, sql string, params store.Params) (store.Rows, error) {
	if f.down.Load() {
		return nil, errDown
	}
	return f.Store.Query(ctx, sql, params)
}

// checkEvaluationMetrics checks the loop's own metrics once it evaluated
// one SLO for one tenant, then takes the store down and checks failed
// cycles are told apart. Called by
// TestExtensionEvaluatesServesAndKeepsTheLastGoodSet, which has the engine.
func checkEvaluationMetrics(t *testing.T, reader *sdkmetric.ManualReader, st *flakyStore) {
	t.Helper()
	// A cycle's duration is recorded just after its results are served.
	waitForMetrics(t, reader, "an evaluation's duration", func(m metrics) bool { return m.cycles("ok") > 0 })
	m := collectMetrics(t, reader)
	if got := m.gauge("slopipe_slo_evaluated_pairs"); got != 1 {
		t.Errorf("slopipe_slo_evaluated_pairs = %d, want 1 (acme's requests-availability)", got)
	}
	if got := m.gauge("slopipe_slo_evaluated_slos"); got != 1 {
		t.Errorf("slopipe_slo_evaluated_slos = %d, want 1", got)
	}
	if got := m.cycles("error"); got != 0 {
		t.Errorf("%d failed cycles recorded while the store is up", got)
	}
	st.down.Store(true)
	defer st.down.Store(false)
	m = waitForMetrics(t, reader, "a failed evaluation", func(m metrics) bool {
		return m.cycles("error") > 0 && m.sum("slopipe_slo_evaluation_failures") > 0
	})
	if got := m.gauge("slopipe_slo_evaluated_pairs"); got != 1 {
		t.Errorf("slopipe_slo_evaluated_pairs = %d after a failed cycle, want the last good cycle's 1", got)
	}
}

type metrics []metricdata.Metrics

func collectMetrics(t *testing.T, reader *sdkmetric.ManualReader) metrics {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	var all metrics
	for _, sm := range rm.ScopeMetrics {
		all = append(all, sm.Metrics...)
	}
	return all
}

func waitForMetrics(t *testing.T, reader *sdkmetric.ManualReader, what string, ok func(metrics) bool) metrics {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		m := collectMetrics(t, reader)
		if ok(m) {
			return m
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s; metrics %+v", what, m)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// cycles is the count of slopipe_slo_evaluation_duration_seconds with outcome.
func (ms metrics) cycles(outcome string) uint64 {
	var n uint64
	for _, m := range ms {
		if h, ok := m.Data.(metricdata.Histogram[float64]); ok && m.Name == "slopipe_slo_evaluation_duration_seconds" {
			for _, dp := range h.DataPoints {
				if v, _ := dp.Attributes.Value(attribute.Key("outcome")); v.AsString() == outcome {
					n += dp.Count
				}
			}
		}
	}
	return n
}

func (ms metrics) gauge(name string) int64 {
	for _, m := range ms {
		if g, ok := m.Data.(metricdata.Gauge[int64]); ok && m.Name == name && len(g.DataPoints) == 1 {
			return g.DataPoints[0].Value
		}
	}
	return -1
}

func (ms metrics) sum(name string) int64 {
	for _, m := range ms {
		if s, ok := m.Data.(metricdata.Sum[int64]); ok && m.Name == name && len(s.DataPoints) == 1 {
			return s.DataPoints[0].Value
		}
	}
	return -1
}
