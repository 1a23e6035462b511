package pipeline

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/prometheus/alertmanager/timeinterval"
	"github.com/prometheus/common/model"
	"go.uber.org/zap"

	"github.com/slopipe/slopipe/alerting"
	"github.com/slopipe/slopipe/alerting/amconfig"
	"github.com/slopipe/slopipe/alerting/notify"
	"github.com/slopipe/slopipe/store"
)

// Config is what a configuration (re)load gives the pipeline.
type Config struct {
	Route         *amconfig.Route
	InhibitRules  []amconfig.InhibitRule
	TimeIntervals map[string][]timeinterval.TimeInterval
	// Integrations by receiver name; a receiver without any is a sink.
	Integrations map[string][]notify.Integration
	Retry        notify.RetryPolicy
	ExternalURL  string
}

// Pipeline routes, groups, mutes, deduplicates and delivers alerts.
type Pipeline struct {
	store    store.Store
	silences *Silences
	nflog    *NotificationLog
	clock    notify.Clock
	logger   *zap.Logger

	mu           sync.Mutex
	route        *Route
	inhibitor    *Inhibitor
	intervener   *timeinterval.Intervener
	integrations map[string][]notify.Integration
	retry        notify.RetryPolicy
	externalURL  string
	groups       map[string]*group
	alerts       []*alerting.Alert // the latest set: inhibition's sources
	counts       map[CountKey]uint64

	inflight sync.WaitGroup
}

// group is an aggregation group: the alerts one route gathers under the
// same group labels.
type group struct {
	key    string
	route  *Route
	labels model.LabelSet
	alerts map[model.Fingerprint]*alerting.Alert
	next   time.Time // when it flushes
	busy   bool      // a flush is delivering
}

// CountKey counts notification attempts by outcome, for own telemetry.
type CountKey struct {
	Receiver, Integration, Status string
}

// New returns a pipeline with cfg; silences and the notification log are
// shared with the API and loaded by the caller.
func New(st store.Store, silences *Silences, nflog *NotificationLog, cfg Config, clock notify.Clock, logger *zap.Logger) *Pipeline {
	p := &Pipeline{store: st, silences: silences, nflog: nflog, clock: clock, logger: logger,
		groups: map[string]*group{}, counts: map[CountKey]uint64{}}
	p.SetConfig(cfg)
	return p
}

// SetConfig replaces the configuration. Groups start afresh, as on an
// Alertmanager reload; the notification log keeps them from re-notifying.
func (p *Pipeline) SetConfig(cfg Config) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.route = NewRoute(cfg.Route)
	p.inhibitor = NewInhibitor(cfg.InhibitRules)
	p.intervener = timeinterval.NewIntervener(cfg.TimeIntervals)
	p.integrations = cfg.Integrations
	p.retry = cfg.Retry
	p.externalURL = cfg.ExternalURL
	p.groups = map[string]*group{}
}

// Process takes the current alerts, firing and recently resolved: each
// goes to the groups of the routes it matches. A new group flushes
// group_wait from now.
func (p *Pipeline) Process(alerts []*alerting.Alert, now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.alerts = alerts
	current := map[string]map[model.Fingerprint]*alerting.Alert{}
	for _, a := range alerts {
		for _, r := range p.route.Match(a.Labels) {
			labels := r.GroupLabels(a.Labels)
			key := r.GroupKey(labels)
			g, ok := p.groups[key]
			if !ok {
				g = &group{key: key, route: r, labels: labels, next: now.Add(r.GroupWait)}
				p.groups[key] = g
			}
			if current[key] == nil {
				current[key] = map[model.Fingerprint]*alerting.Alert{}
			}
			current[key][a.Fingerprint()] = a
		}
	}
	for key, g := range p.groups {
		g.alerts = current[key]
		if len(g.alerts) == 0 && !g.busy {
			delete(p.groups, key)
		}
	}
}

// Flush starts the flush of every group due at now; each delivers on its
// own goroutine so a receiver retrying does not hold the others. Wait
// waits for them.
func (p *Pipeline) Flush(ctx context.Context, now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	keys := make([]string, 0, len(p.groups))
	for key := range p.groups {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	for _, key := range keys {
		g := p.groups[key]
		if g.busy || now.Before(g.next) || len(g.alerts) == 0 {
			continue
		}
		g.busy = true
		g.next = now.Add(g.route.GroupInterval)
		alerts := make([]*alerting.Alert, 0, len(g.alerts))
		for _, a := range g.alerts {
			alerts = append(alerts, a)
		}
		alerting.SortAlerts(alerts, now)
		sources := p.alerts
		integrations := p.integrations[g.route.Receiver]
		p.inflight.Add(1)
		go func() {
			defer p.inflight.Done()
			p.flush(ctx, g, alerts, sources, integrations, now)
			p.mu.Lock()
			g.busy = false
			p.mu.Unlock()
		}()
	}
}

// Wait blocks until the flushes started have delivered.
func (p *Pipeline) Wait() { p.inflight.Wait() }

// flush is one group's way through the stages, in order.
func (p *Pipeline) flush(ctx context.Context, g *group, alerts, sources []*alerting.Alert, integrations []notify.Integration, now time.Time) {
	alerts = p.inhibit(alerts, sources, now)
	alerts = p.silence(alerts, now)
	alerts = p.muteByTimeIntervals(g.route, alerts, now)
	if len(alerts) == 0 {
		return
	}
	for _, in := range integrations {
		p.notify(ctx, g, in, alerts, now)
	}
}

// inhibit drops alerts an inhibit rule mutes.
func (p *Pipeline) inhibit(alerts, sources []*alerting.Alert, now time.Time) []*alerting.Alert {
	return keep(alerts, func(a *alerting.Alert) bool { return !p.inhibitor.Muted(a, sources, now) })
}

// silence drops alerts an active silence matches.
func (p *Pipeline) silence(alerts []*alerting.Alert, now time.Time) []*alerting.Alert {
	return keep(alerts, func(a *alerting.Alert) bool { return len(p.silences.Muting(a.Labels, now)) == 0 })
}

// muteByTimeIntervals drops the whole group inside one of its route's
// mute_time_intervals or outside its active_time_intervals.
func (p *Pipeline) muteByTimeIntervals(r *Route, alerts []*alerting.Alert, now time.Time) []*alerting.Alert {
	p.mu.Lock()
	intervener := p.intervener
	p.mu.Unlock()
	if muted, _, err := intervener.Mutes(r.MuteIntervals, now); err != nil {
		p.logger.Error("mute_time_intervals", zap.Error(err))
	} else if muted {
		return nil
	}
	if len(r.ActiveIntervals) > 0 {
		active, _, err := intervener.Mutes(r.ActiveIntervals, now)
		if err != nil {
			p.logger.Error("active_time_intervals", zap.Error(err))
		} else if !active {
			return nil
		}
	}
	return alerts
}

// notify is the per-integration end of the pipeline: dedup against the
// notification log, deliver with retry, record.
func (p *Pipeline) notify(ctx context.Context, g *group, in notify.Integration, alerts []*alerting.Alert, now time.Time) {
	logName := g.route.Receiver + "/" + in.Name()
	firing, resolved := map[string]bool{}, map[string]bool{}
	for _, a := range alerts {
		if a.Resolved(now) {
			resolved[a.Fingerprint().String()] = true
		} else {
			firing[a.Fingerprint().String()] = true
		}
	}
	entry := p.nflog.Entry(logName, g.key)
	if !needsUpdate(entry, firing, resolved, in.SendResolved(), g.route.RepeatInterval, now) {
		return
	}
	state := map[string]string{}
	if entry != nil {
		for k, v := range entry.IntegrationState {
			state[k] = v
		}
	}
	send := alerts
	if !in.SendResolved() {
		send = keep(alerts, func(a *alerting.Alert) bool { return !a.Resolved(now) })
	}
	if len(send) > 0 {
		n := &alerting.Notification{Receiver: g.route.Receiver, GroupKey: g.key, GroupLabels: g.labels,
			Alerts: send, Now: now, ExternalURL: p.externalURL, State: state}
		p.mu.Lock()
		retry := p.retry
		p.mu.Unlock()
		res := notify.Deliver(ctx, in, n, retry, p.clock)
		p.record(ctx, g, in, n, res)
		if res.Err != nil {
			// Not logged as notified: the next flush tries again.
			p.logger.Error("notification failed", zap.String("receiver", g.route.Receiver),
				zap.String("integration", in.Name()), zap.String("group", g.key), zap.Error(res.Err))
			return
		}
		for k, v := range res.State {
			state[k] = v
		}
	}
	e := store.NotificationLogEntry{Receiver: logName, GroupKey: g.key, FiringAlerts: sortedKeys(firing),
		ResolvedAlerts: sortedKeys(resolved), IntegrationState: state, SentAt: now, ExpiresAt: now.Add(max(nflogRetention, 2*g.route.RepeatInterval))}
	if err := p.nflog.Log(ctx, e); err != nil {
		p.logger.Error("notification sent but not logged: it may be sent again", zap.String("group", g.key), zap.Error(err))
	}
}

// record writes every attempt to the store and counts it.
func (p *Pipeline) record(ctx context.Context, g *group, in notify.Integration, n *alerting.Notification, res notify.Result) {
	common := n.CommonLabels()
	rows := make([]store.NotificationAttempt, 0, len(res.Attempts))
	p.mu.Lock()
	for _, a := range res.Attempts {
		rows = append(rows, store.NotificationAttempt{
			Time: a.At, Receiver: g.route.Receiver, Integration: in.Name(), GroupKey: g.key,
			Tenant: string(common[alerting.LabelTenant]), SLO: string(common[alerting.LabelSLO]), Severity: string(common[alerting.LabelSeverity]),
			Status: a.Status, Attempt: uint32(a.Number), HTTPStatus: uint16(a.HTTPStatus), Error: a.Err,
		})
		p.counts[CountKey{Receiver: g.route.Receiver, Integration: in.Kind(), Status: a.Status}]++
	}
	p.mu.Unlock()
	if err := store.RecordNotificationAttempts(ctx, p.store, rows); err != nil {
		p.logger.Error("recording notification attempts", zap.Error(err))
	}
}

// Counts are the notification attempts so far by receiver, integration
// kind and status.
func (p *Pipeline) Counts() map[CountKey]uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[CountKey]uint64, len(p.counts))
	for k, v := range p.counts {
		out[k] = v
	}
	return out
}

func keep(alerts []*alerting.Alert, ok func(*alerting.Alert) bool) []*alerting.Alert {
	out := alerts[:0:0]
	for _, a := range alerts {
		if ok(a) {
			out = append(out, a)
		}
	}
	return out
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
