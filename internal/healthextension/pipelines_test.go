package healthextension

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/pipeline"
)

var (
	tracesExporter = componentstatus.NewInstanceID(component.MustNewID("clickhouse"), component.KindExporter,
		pipeline.NewID(pipeline.SignalTraces))
	logsExporter = componentstatus.NewInstanceID(component.MustNewID("clickhouse"), component.KindExporter,
		pipeline.NewID(pipeline.SignalLogs))
	otlpReceiver = componentstatus.NewInstanceID(component.MustNewID("otlp"), component.KindReceiver,
		pipeline.NewID(pipeline.SignalTraces), pipeline.NewID(pipeline.SignalMetrics))
)

func queueFull() *componentstatus.Event {
	return componentstatus.NewRecoverableErrorEvent(fmt.Errorf("enqueue: %w", exporterhelper.ErrQueueIsFull))
}

func TestLivenessFollowsThePipelinesAndPermanentErrors(t *testing.T) {
	p := newPipelines(10*time.Second, time.Now)
	if got := p.liveProblem(); !strings.Contains(got, "not running") {
		t.Fatalf("before the pipelines are ready: %q, want 'not running'", got)
	}
	p.setRunning(true)
	if got := p.liveProblem(); got != "" {
		t.Fatalf("pipelines running: %q, want live", got)
	}
	p.record(otlpReceiver, componentstatus.NewRecoverableErrorEvent(errors.New("client went away")))
	if got := p.liveProblem(); got != "" {
		t.Fatalf("after a recoverable error: %q, want still live", got)
	}
	p.record(otlpReceiver, componentstatus.NewPermanentErrorEvent(errors.New("listen tcp: address in use")))
	got := p.liveProblem()
	if want := "receiver otlp (metrics, traces): permanent error: listen tcp: address in use"; got != want {
		t.Fatalf("after a permanent error: %q, want %q", got, want)
	}
	p.record(otlpReceiver, componentstatus.NewEvent(componentstatus.StatusStopping))
	if got := p.liveProblem(); got != "" {
		t.Fatalf("the failed component stopped: %q, want live", got)
	}
	p.record(tracesExporter, componentstatus.NewFatalErrorEvent(errors.New("boom")))
	p.setRunning(false)
	got = p.liveProblem()
	if !strings.HasPrefix(got, "the pipelines are not running") || !strings.Contains(got, "exporter clickhouse (traces): fatal error: boom") {
		t.Fatalf("shutting down after a fatal error: %q", got)
	}
}

func TestAFullQueueIsAProblemUntilTheExporterReportsOK(t *testing.T) {
	clock := &fakeClock{}
	p := newPipelines(10*time.Second, clock.Now)
	p.setRunning(true)
	full := queueFull()
	clock.now = full.Timestamp().Add(2 * time.Second)
	p.record(tracesExporter, full)
	got := p.queueProblem()
	want := "exporter clickhouse (traces): sending queue is full since " + full.Timestamp().UTC().Format(time.RFC3339) + " (last refusal 2s ago)"
	if got != want {
		t.Fatalf("queue problem %q, want %q", got, want)
	}
	if live := p.liveProblem(); live != "" {
		t.Fatalf("a full queue made slopipe not live (%q): a restart does not empty it", live)
	}
	p.record(logsExporter, queueFull())
	if got := p.queueProblem(); !strings.Contains(got, "(logs)") || !strings.Contains(got, "(traces)") {
		t.Fatalf("two full queues: %q, want both named", got)
	}
	p.record(tracesExporter, componentstatus.NewEvent(componentstatus.StatusOK))
	p.record(logsExporter, componentstatus.NewRecoverableErrorEvent(errors.New("something else")))
	if got := p.queueProblem(); got != "" {
		t.Fatalf("after OK and an unrelated error: %q, want no queue problem", got)
	}
}

// With no traffic nothing reports a drained queue: a refusal not repeated
// within the expiry no longer counts, and a new run has a new "since".
func TestAQueueRefusalNotRepeatedExpires(t *testing.T) {
	clock := &fakeClock{}
	p := newPipelines(10*time.Second, clock.Now)
	first := queueFull()
	clock.now = first.Timestamp()
	p.record(tracesExporter, first)
	clock.Advance(9 * time.Second)
	if p.queueProblem() == "" {
		t.Fatal("a refusal 9s ago (expiry 10s) no longer counts")
	}
	repeat := componentstatus.NewRecoverableErrorEvent(exporterhelper.ErrQueueIsFull)
	p.record(tracesExporter, repeat)
	clock.now = repeat.Timestamp().Add(9 * time.Second)
	got := p.queueProblem()
	if !strings.Contains(got, "since "+first.Timestamp().UTC().Format(time.RFC3339)) {
		t.Fatalf("a repeated refusal: %q, want the run's first refusal as 'since'", got)
	}
	clock.Advance(time.Second)
	if got := p.queueProblem(); got != "" {
		t.Fatalf("10s after the last refusal: %q, want it expired", got)
	}
}
