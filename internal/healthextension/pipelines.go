package healthextension

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/pipeline"
)

// pipelines follows the collector's lifecycle and its components' status
// events: whether the pipelines run, which components failed for good, and
// which exporters' sending queues refuse data.
type pipelines struct {
	mu sync.Mutex
	// running is true from the collector's Ready to its NotReady: every
	// pipeline started and none is being shut down.
	running bool
	// failed holds the components whose latest event is a permanent or
	// fatal error.
	failed map[*componentstatus.InstanceID]*componentstatus.Event
	// full holds the exporters whose latest event is their sending queue
	// refusing data. clickhouseexporter reports refusals again every second
	// while they go on, and OK once the queue takes data again.
	full map[*componentstatus.InstanceID]refusals
	// fullExpiry is how long a refusal counts without another one: without
	// traffic nothing reports that the queue drained.
	fullExpiry time.Duration
	now        func() time.Time
}

// refusals is one exporter's run of queue-full reports.
type refusals struct {
	since, last time.Time
}

func newPipelines(fullExpiry time.Duration, now func() time.Time) *pipelines {
	return &pipelines{
		failed:     map[*componentstatus.InstanceID]*componentstatus.Event{},
		full:       map[*componentstatus.InstanceID]refusals{},
		fullExpiry: fullExpiry,
		now:        now,
	}
}

func (p *pipelines) setRunning(running bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.running = running
}

// record takes a component's new status. The collector calls it with its
// own status lock held, on the reporting component's goroutine: it only
// updates two maps.
func (p *pipelines) record(id *componentstatus.InstanceID, ev *componentstatus.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch ev.Status() {
	case componentstatus.StatusPermanentError, componentstatus.StatusFatalError:
		p.failed[id] = ev
		delete(p.full, id)
	case componentstatus.StatusRecoverableError:
		delete(p.failed, id)
		if errors.Is(ev.Err(), exporterhelper.ErrQueueIsFull) {
			run, ok := p.full[id]
			if !ok || ev.Timestamp().Sub(run.last) >= p.fullExpiry {
				run.since = ev.Timestamp()
			}
			run.last = ev.Timestamp()
			p.full[id] = run
		} else {
			delete(p.full, id)
		}
	default:
		delete(p.failed, id)
		delete(p.full, id)
	}
}

// liveProblem says why slopipe is not live, or "" when it is.
func (p *pipelines) liveProblem() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var failures []string
	for id, ev := range p.failed {
		kind := "permanent error"
		if ev.Status() == componentstatus.StatusFatalError {
			kind = "fatal error"
		}
		failures = append(failures, fmt.Sprintf("%s: %s: %v", describe(id), kind, ev.Err()))
	}
	slices.Sort(failures)
	if !p.running {
		failures = slices.Insert(failures, 0, "the pipelines are not running (starting or shutting down)")
	}
	return strings.Join(failures, "; ")
}

// queueProblem names the exporters whose sending queue refused data
// within fullExpiry and since when, or is "" when none did.
func (p *pipelines) queueProblem() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	var problems []string
	for id, run := range p.full {
		if now.Sub(run.last) >= p.fullExpiry {
			continue
		}
		problems = append(problems, fmt.Sprintf("%s: sending queue is full since %s (last refusal %s ago)",
			describe(id), run.since.UTC().Format(time.RFC3339), now.Sub(run.last).Round(time.Second)))
	}
	slices.Sort(problems)
	return strings.Join(problems, "; ")
}

// describe names a component instance as a configuration does: kind, ID
// and the pipelines it is in, e.g. "exporter clickhouse (traces)".
func describe(id *componentstatus.InstanceID) string {
	var names []string
	id.AllPipelineIDs(func(p pipeline.ID) bool {
		names = append(names, p.String())
		return true
	})
	slices.Sort(names)
	s := strings.ToLower(id.Kind().String()) + " " + id.ComponentID().String()
	if len(names) > 0 {
		s += " (" + strings.Join(names, ", ") + ")"
	}
	return s
}
