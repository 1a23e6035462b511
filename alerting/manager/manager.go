// Package manager runs slopipe's alerting: after each SLO evaluation the
// alert policy decides what fires, the alerts' state is saved, the
// pipeline routes and delivers them and, when configured, they are
// forwarded to an existing Alertmanager. It also answers the deploy gate.
//
// It owns no goroutine and no clock: the alerting extension calls
// Evaluated after every evaluation and Flush on a ticker, with time from
// the injected Clock, so scenarios run on a fake clock against a real
// store.
package manager

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/prometheus/alertmanager/timeinterval"
	"github.com/prometheus/common/model"
	"go.uber.org/zap"

	"github.com/slopipe/slopipe/alerting"
	"github.com/slopipe/slopipe/alerting/amconfig"
	"github.com/slopipe/slopipe/alerting/notify"
	"github.com/slopipe/slopipe/alerting/pipeline"
	"github.com/slopipe/slopipe/slo/evaluator"
	"github.com/slopipe/slopipe/store"
)

// Options configure a Manager.
type Options struct {
	Store  store.Store
	Clock  notify.Clock
	Logger *zap.Logger
	Policy alerting.PolicyConfig
	Gate   alerting.GatePolicy
	Retry  notify.RetryPolicy
	// Alertmanagers are existing Alertmanagers' base URLs the alerts are
	// forwarded to, re-sent every ResendDelay while they fire.
	Alertmanagers []string
	ResendDelay   time.Duration
	HTTPClient    *http.Client
	UserAgent     string
}

// Manager is the alerting engine.
type Manager struct {
	opts      Options
	policy    *alerting.Policy
	silences  *pipeline.Silences
	nflog     *pipeline.NotificationLog
	pipeline  *pipeline.Pipeline
	forwarder *notify.AlertmanagerForwarder

	// evaluating serializes Evaluated: the slo extension's first cycle
	// and its loop may hand over results at the same time.
	evaluating    sync.Mutex
	lastEvaluated time.Time
	forwarding    sync.Mutex // held while a forward is under way

	// sources are the alert sources besides the SLO policy (cost), and
	// policyAlerts the policy's last alerts: the pipeline always gets all.
	sources      map[string]*alerting.Lifecycle
	policyAlerts []*alerting.Alert

	mu         sync.Mutex
	intervener *timeinterval.Intervener
	latest     *evaluator.Snapshot
	saved      map[model.Fingerprint]savedState
	forwarded  time.Time         // guarded by evaluating
	forwards   map[string]uint64 // forwards to the Alertmanagers by status
	wg         sync.WaitGroup
	alerts     []*alerting.Alert
}

// savedState is what the store last holds of an alert: saving again is
// needed only when it changes.
type savedState struct {
	resolved bool
	startsAt time.Time
}

// New returns a manager with Alertmanager's default configuration (every
// alert to a receiver without integrations) until SetConfig.
func New(opts Options) (*Manager, error) {
	if opts.Logger == nil {
		opts.Logger = zap.NewNop()
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if opts.ResendDelay <= 0 {
		opts.ResendDelay = time.Minute
	}
	if err := opts.Policy.Validate(); err != nil {
		return nil, err
	}
	if err := opts.Gate.Validate(); err != nil {
		return nil, fmt.Errorf("deploy_gate: %w", err)
	}
	m := &Manager{
		opts:     opts,
		policy:   alerting.NewPolicy(opts.Policy),
		silences: pipeline.NewSilences(opts.Store),
		nflog:    pipeline.NewNotificationLog(opts.Store),
		saved:    map[model.Fingerprint]savedState{},
		sources:  map[string]*alerting.Lifecycle{},
	}
	if len(opts.Alertmanagers) > 0 {
		f, err := notify.NewAlertmanagerForwarder(opts.Alertmanagers, opts.HTTPClient)
		if err != nil {
			return nil, fmt.Errorf("alertmanagers: %w", err)
		}
		m.forwarder = f
	}
	cfg, err := m.pipelineConfig(DefaultConfig())
	if err != nil {
		return nil, err
	}
	m.pipeline = pipeline.New(opts.Store, m.silences, m.nflog, cfg, opts.Clock, opts.Logger)
	m.intervener = timeinterval.NewIntervener(nil)
	return m, nil
}

// DefaultConfig is the configuration without a file: alerts are evaluated,
// kept and forwarded, and notify nobody; a page inhibits the ticket of the
// same SLO and tenant.
func DefaultConfig() *amconfig.Config {
	cfg, err := amconfig.Parse([]byte(defaultConfigYAML), "built-in alerting configuration")
	if err != nil {
		panic(err) // the built-in text is tested
	}
	return cfg
}

const defaultConfigYAML = `
route:
  receiver: none
  group_by: [alertname, slo, tenant, severity]
receivers:
  - name: none
inhibit_rules:
  - source_matchers: [severity="page"]
    target_matchers: [severity="ticket"]
    equal: [slo, tenant]
`

// Start reads what the store kept: silences, the notification log and the
// alerts that were firing, so a restart neither repeats nor forgets.
func (m *Manager) Start(ctx context.Context) error {
	now := m.opts.Clock.Now()
	if err := m.silences.Load(ctx, now); err != nil {
		return err
	}
	if err := m.nflog.Load(ctx, now); err != nil {
		return err
	}
	rows, err := store.LoadAlertStates(ctx, m.opts.Store, now.Add(-m.opts.Policy.ResolvedRetention))
	if err != nil {
		return fmt.Errorf("alert states: %w", err)
	}
	alerts := make([]*alerting.Alert, 0, len(rows))
	bySource := map[string][]*alerting.Alert{}
	m.mu.Lock()
	for _, r := range rows {
		a := &alerting.Alert{Labels: labelSet(r.Labels), Annotations: labelSet(r.Annotations),
			StartsAt: r.StartsAt, EndsAt: r.EndsAt, UpdatedAt: r.UpdatedAt}
		m.saved[a.Fingerprint()] = savedState{resolved: !r.EndsAt.IsZero(), startsAt: r.StartsAt}
		if source := string(a.Labels[alerting.LabelSource]); source != "" {
			bySource[source] = append(bySource[source], a)
			continue
		}
		alerts = append(alerts, a)
	}
	m.mu.Unlock()
	m.policy.Restore(alerts)
	m.evaluating.Lock()
	// Until the first evaluation, the restored alerts are what fires:
	// another source's alerts must not make the pipeline forget them.
	m.policyAlerts = m.policy.Alerts()
	for source, list := range bySource {
		m.source(source).Restore(list)
	}
	m.evaluating.Unlock()
	return nil
}

// SetConfig replaces the alerting configuration: receivers are built
// first, so a configuration that cannot be used changes nothing.
func (m *Manager) SetConfig(cfg *amconfig.Config) error {
	intervals := cfg.Intervals()
	for _, name := range m.opts.Gate.FreezeTimeIntervals {
		if _, ok := intervals[name]; !ok {
			return fmt.Errorf("deploy_gate.freeze_time_intervals: %q is not a time interval of the alerting configuration", name)
		}
	}
	pc, err := m.pipelineConfig(cfg)
	if err != nil {
		return err
	}
	m.pipeline.SetConfig(pc)
	m.mu.Lock()
	m.intervener = timeinterval.NewIntervener(intervals)
	m.mu.Unlock()
	return nil
}

func (m *Manager) pipelineConfig(cfg *amconfig.Config) (pipeline.Config, error) {
	pc := pipeline.Config{Route: cfg.Route, InhibitRules: cfg.InhibitRules, TimeIntervals: cfg.Intervals(),
		Integrations: map[string][]notify.Integration{}, Retry: m.opts.Retry, ExternalURL: m.opts.Policy.ExternalURL}
	for _, r := range cfg.Receivers {
		ins, err := notify.Build(r, notify.Options{HTTPClient: m.opts.HTTPClient, UserAgent: m.opts.UserAgent, Logger: m.opts.Logger})
		if err != nil {
			return pc, fmt.Errorf("receiver %q: %w", r.Name, err)
		}
		pc.Integrations[r.Name] = ins
	}
	return pc, nil
}

// Evaluated takes an evaluation's results: the policy's alerts are saved,
// handed to the pipeline and forwarded. A snapshot of a failed cycle
// changes nothing: no alert resolves because the store was slow.
func (m *Manager) Evaluated(ctx context.Context, snap *evaluator.Snapshot) error {
	if snap == nil || snap.Error != "" || snap.EvaluatedAt.IsZero() {
		return nil
	}
	m.evaluating.Lock()
	defer m.evaluating.Unlock()
	if !snap.EvaluatedAt.After(m.lastEvaluated) {
		return nil // seen already, or older than one that was
	}
	m.lastEvaluated = snap.EvaluatedAt
	m.policyAlerts = m.policy.Evaluate(snap)
	m.mu.Lock()
	m.latest = snap
	m.mu.Unlock()
	return m.process(ctx)
}

// SetSourceAlerts replaces what source (e.g. "cost") fires now: its alerts
// go through the same pipeline as the SLO policy's, labelled with the
// source; one it no longer lists resolves.
func (m *Manager) SetSourceAlerts(ctx context.Context, source string, firing []*alerting.Alert) error {
	if source == "" {
		return errors.New("alert source: empty name")
	}
	m.evaluating.Lock()
	defer m.evaluating.Unlock()
	now := m.opts.Clock.Now()
	for _, a := range firing {
		a.Labels[alerting.LabelSource] = model.LabelValue(source)
	}
	m.source(source).Update(firing, now)
	return m.process(ctx)
}

// source is source's lifecycle; the caller holds evaluating.
func (m *Manager) source(name string) *alerting.Lifecycle {
	l, ok := m.sources[name]
	if !ok {
		l = alerting.NewLifecycle(m.opts.Policy.ResolvedRetention)
		m.sources[name] = l
	}
	return l
}

// process saves, routes and forwards every current alert: the policy's
// and the sources'. The caller holds evaluating.
func (m *Manager) process(ctx context.Context) error {
	now := m.opts.Clock.Now()
	alerts := append([]*alerting.Alert(nil), m.policyAlerts...)
	names := make([]string, 0, len(m.sources))
	for name := range m.sources {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		alerts = append(alerts, m.sources[name].Alerts()...)
	}
	m.mu.Lock()
	m.alerts = alerts
	m.mu.Unlock()
	saveErr := m.saveStates(ctx, alerts)
	err := saveErr
	m.pipeline.Process(alerts, now)
	if m.forwarder != nil && (now.Sub(m.forwarded) >= m.opts.ResendDelay || m.changed(alerts)) {
		m.forward(alerts, now)
	}
	if saveErr == nil {
		m.markSaved(alerts)
	}
	return err
}

// forward sends the alerts to the Alertmanagers on a goroutine of its own,
// so an Alertmanager that does not answer holds neither evaluations nor
// notifications; a forward still under way is not doubled.
func (m *Manager) forward(alerts []*alerting.Alert, now time.Time) {
	if !m.forwarding.TryLock() {
		return
	}
	m.forwarded = now
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		defer m.forwarding.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), min(m.opts.ResendDelay, 30*time.Second))
		defer cancel()
		err := m.forwarder.Send(ctx, alerts, now, m.opts.ResendDelay)
		status := store.NotificationDelivered
		if err != nil {
			status = store.NotificationFailed
		}
		m.mu.Lock()
		if m.forwards == nil {
			m.forwards = map[string]uint64{}
		}
		m.forwards[status]++
		m.mu.Unlock()
		if err != nil {
			m.opts.Logger.Warn("forwarding alerts to Alertmanager failed; sent again with the next evaluation", zap.Error(err))
			m.evaluating.Lock()
			m.forwarded = time.Time{}
			m.evaluating.Unlock()
		}
	}()
}

// saveStates writes the alerts whose state changed since the last save.
func (m *Manager) saveStates(ctx context.Context, alerts []*alerting.Alert) error {
	var rows []store.AlertStateRow
	m.mu.Lock()
	for _, a := range alerts {
		prev, ok := m.saved[a.Fingerprint()]
		if ok && prev.resolved == !a.EndsAt.IsZero() && prev.startsAt.Equal(a.StartsAt) {
			continue
		}
		rows = append(rows, stateRow(a))
	}
	m.mu.Unlock()
	if len(rows) == 0 {
		return nil
	}
	if err := store.SaveAlertStates(ctx, m.opts.Store, rows); err != nil {
		// Kept in memory: tried again with the next evaluation.
		return fmt.Errorf("saving alert states: %w", err)
	}
	return nil
}

// changed says whether an alert started or stopped since the last save:
// Alertmanager hears of it at once rather than at the next resend.
func (m *Manager) changed(alerts []*alerting.Alert) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, a := range alerts {
		prev, ok := m.saved[a.Fingerprint()]
		if !ok || prev.resolved != !a.EndsAt.IsZero() {
			return true
		}
	}
	return false
}

func (m *Manager) markSaved(alerts []*alerting.Alert) {
	m.mu.Lock()
	defer m.mu.Unlock()
	current := make(map[model.Fingerprint]savedState, len(alerts))
	for _, a := range alerts {
		current[a.Fingerprint()] = savedState{resolved: !a.EndsAt.IsZero(), startsAt: a.StartsAt}
	}
	m.saved = current
}

// Flush delivers the groups due now; Wait waits for the deliveries.
func (m *Manager) Flush(ctx context.Context) { m.pipeline.Flush(ctx, m.opts.Clock.Now()) }

// Wait blocks until every flush and forward started has finished.
func (m *Manager) Wait() {
	m.pipeline.Wait()
	m.wg.Wait()
}

// Silences are the silences the pipeline mutes by.
func (m *Manager) Silences() *pipeline.Silences { return m.silences }

// ReloadSilences reads the store's silences again: another replica, or the
// CLI against another instance, may have changed them.
func (m *Manager) ReloadSilences(ctx context.Context) error {
	return m.silences.Load(ctx, m.opts.Clock.Now())
}

// ForwardReceiver is the receiver and integration that forwards to the
// Alertmanagers are counted under in Counts.
const ForwardReceiver = "alertmanager"

// Counts are the notification attempts so far by outcome, and the
// forwards to the Alertmanagers under receiver and integration
// ForwardReceiver: delivered when every Alertmanager took the alerts,
// failed when one did not (they are sent again with the next evaluation).
func (m *Manager) Counts() map[pipeline.CountKey]uint64 {
	counts := m.pipeline.Counts()
	m.mu.Lock()
	defer m.mu.Unlock()
	for status, n := range m.forwards {
		counts[pipeline.CountKey{Receiver: ForwardReceiver, Integration: ForwardReceiver, Status: status}] += n
	}
	return counts
}

// Now is the manager's clock.
func (m *Manager) Now() time.Time { return m.opts.Clock.Now() }

// AlertStatus is an alert as the API lists it.
type AlertStatus struct {
	Labels      model.LabelSet `json:"labels"`
	Annotations model.LabelSet `json:"annotations"`
	StartsAt    time.Time      `json:"startsAt"`
	EndsAt      *time.Time     `json:"endsAt,omitempty"`
	Fingerprint string         `json:"fingerprint"`
	State       string         `json:"state"` // firing or resolved
	SilencedBy  []string       `json:"silencedBy"`
}

// Alerts are the current alerts, firing and recently resolved.
func (m *Manager) Alerts() []AlertStatus {
	now := m.opts.Clock.Now()
	m.mu.Lock()
	alerts := m.alerts
	m.mu.Unlock()
	out := make([]AlertStatus, 0, len(alerts))
	for _, a := range alerts {
		s := AlertStatus{Labels: a.Labels, Annotations: a.Annotations, StartsAt: a.StartsAt,
			Fingerprint: a.Fingerprint().String(), State: "firing", SilencedBy: m.silences.Muting(a.Labels, now)}
		if s.SilencedBy == nil {
			s.SilencedBy = []string{}
		}
		if a.Resolved(now) {
			end := a.EndsAt
			s.EndsAt, s.State = &end, "resolved"
		}
		out = append(out, s)
	}
	return out
}

// ErrNoEvaluation is the gate's answer before the first evaluation: it
// cannot tell, and a deploy pipeline should ask again.
var ErrNoEvaluation = errors.New("no SLO evaluation has completed yet")

// Gate is the deploy gate's decision for service (and tenant, "" for
// every tenant) now.
func (m *Manager) Gate(service, tenant string) (alerting.GateDecision, error) {
	now := m.opts.Clock.Now()
	m.mu.Lock()
	snap, intervener := m.latest, m.intervener
	m.mu.Unlock()
	if snap == nil {
		return alerting.GateDecision{}, ErrNoEvaluation
	}
	var frozen []string
	if len(m.opts.Gate.FreezeTimeIntervals) > 0 {
		_, active, err := intervener.Mutes(m.opts.Gate.FreezeTimeIntervals, now)
		if err != nil {
			return alerting.GateDecision{}, err
		}
		frozen = active
	}
	return m.opts.Gate.Decide(snap.Results, service, tenant, frozen), nil
}

func stateRow(a *alerting.Alert) store.AlertStateRow {
	state := "firing"
	if !a.EndsAt.IsZero() {
		state = "resolved"
	}
	return store.AlertStateRow{
		Fingerprint: a.Fingerprint().String(),
		Tenant:      string(a.Labels[alerting.LabelTenant]), AlertName: a.Name(),
		SLO: string(a.Labels[alerting.LabelSLO]), Severity: string(a.Labels[alerting.LabelSeverity]),
		State: state, Labels: stringMap(a.Labels), Annotations: stringMap(a.Annotations),
		StartsAt: a.StartsAt, EndsAt: a.EndsAt, UpdatedAt: a.UpdatedAt,
	}
}

func stringMap(l model.LabelSet) map[string]string {
	out := make(map[string]string, len(l))
	for k, v := range l {
		out[string(k)] = string(v)
	}
	return out
}

func labelSet(m map[string]string) model.LabelSet {
	out := make(model.LabelSet, len(m))
	for k, v := range m {
		out[model.LabelName(k)] = model.LabelValue(v)
	}
	return out
}
