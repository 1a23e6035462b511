package pipeline

import (
	"context"
	"maps"
	"slices"
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

	mu     sync.Mutex
	stages stages
	route  *Route
	groups map[string]*group // by route ID and group labels
	alerts []*alerting.Alert // the latest set: inhibition's sources
	// delivering are the group keys being flushed; a reload does not
	// forget them, so a group rebuilt meanwhile does not deliver twice.
	delivering map[string]bool
	// carried are resolved alerts a reload took from their groups before
	// their resolve was sent: the next Process routes them again.
	carried []*alerting.Alert
	counts  map[CountKey]uint64

	inflight sync.WaitGroup
	// attempts are delivery attempts not yet written to the store;
	// savingAttempts lets one write at a time take them all.
	attemptsMu     sync.Mutex
	attempts       []store.NotificationAttempt
	savingAttempts sync.Mutex
}

// stages is what a flush uses of the configuration, taken whole when it
// starts: a reload meanwhile changes the next flush, not this one.
type stages struct {
	inhibitor    *Inhibitor
	intervener   *timeinterval.Intervener
	integrations map[string][]notify.Integration
	retry        notify.RetryPolicy
	externalURL  string
}

// group is an aggregation group: the alerts one route gathers under the
// same group labels.
type group struct {
	key    string // Alertmanager's group key: the notification log's and PagerDuty's
	route  *Route
	labels model.LabelSet
	alerts map[model.Fingerprint]*alerting.Alert
	next   time.Time // when it flushes
}

// CountKey counts notification attempts by outcome, for own telemetry.
type CountKey struct {
	Receiver, Integration, Status string
}

// New returns a pipeline with cfg; silences and the notification log are
// shared with the API and loaded by the caller.
func New(st store.Store, silences *Silences, nflog *NotificationLog, cfg Config, clock notify.Clock, logger *zap.Logger) *Pipeline {
	p := &Pipeline{store: st, silences: silences, nflog: nflog, clock: clock, logger: logger,
		groups: map[string]*group{}, delivering: map[string]bool{}, counts: map[CountKey]uint64{}}
	p.SetConfig(cfg)
	return p
}

// SetConfig replaces the configuration. Groups start afresh, as on an
// Alertmanager reload; the notification log keeps them from re-notifying,
// and resolves not yet sent are carried over to the new groups.
func (p *Pipeline) SetConfig(cfg Config) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, g := range p.groups {
		for _, a := range g.alerts {
			if !a.EndsAt.IsZero() {
				p.carried = append(p.carried, a)
			}
		}
	}
	p.route = NewRoute(cfg.Route)
	p.stages = stages{inhibitor: NewInhibitor(cfg.InhibitRules), intervener: timeinterval.NewIntervener(cfg.TimeIntervals),
		integrations: cfg.Integrations, retry: cfg.Retry, externalURL: cfg.ExternalURL}
	p.groups = map[string]*group{}
}

// Process takes the current alerts, firing and recently resolved: each
// goes to the groups of the routes it matches. A new group flushes
// group_wait from now. A resolved alert the policy no longer reports stays
// in its group while a receiver was told it fires and not yet that it
// resolved: a resolve is not lost to a receiver down for an hour, a long
// maintenance or a reload.
func (p *Pipeline) Process(alerts []*alerting.Alert, now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.alerts = alerts
	given := make(map[model.Fingerprint]bool, len(alerts))
	for _, a := range alerts {
		given[a.Fingerprint()] = true
	}
	routed := alerts
	for _, a := range p.carried {
		if !given[a.Fingerprint()] {
			routed = append(routed[:len(routed):len(routed)], a)
		}
	}
	p.carried = nil
	current := map[string]map[model.Fingerprint]*alerting.Alert{}
	for _, a := range routed {
		for _, r := range p.route.Match(a.Labels) {
			labels := r.GroupLabels(a.Labels)
			id := r.ID + ":" + labels.String()
			g, ok := p.groups[id]
			if !ok {
				g = &group{key: r.GroupKey(labels), route: r, labels: labels, next: now.Add(r.GroupWait)}
				p.groups[id] = g
			}
			if current[id] == nil {
				current[id] = map[model.Fingerprint]*alerting.Alert{}
			}
			current[id][a.Fingerprint()] = a
		}
	}
	for id, g := range p.groups {
		for fp, a := range g.alerts {
			if _, ok := current[id][fp]; !ok && !given[fp] && !a.EndsAt.IsZero() && p.resolvePending(g, fp) {
				if current[id] == nil {
					current[id] = map[model.Fingerprint]*alerting.Alert{}
				}
				current[id][fp] = a
			}
		}
		g.alerts = current[id]
		if len(g.alerts) == 0 {
			delete(p.groups, id)
		}
	}
}

// resolvePending says whether an integration of g's receiver was told
// alert fp fires and not yet that it stopped.
func (p *Pipeline) resolvePending(g *group, fp model.Fingerprint) bool {
	key := fp.String()
	for _, in := range p.stages.integrations[g.route.Receiver] {
		if e := p.nflog.Entry(g.route.Receiver+"/"+in.Name(), g.key); e != nil && slices.Contains(e.FiringAlerts, key) {
			return true
		}
	}
	return false
}

// Flush starts the flush of every group due at now; each delivers on its
// own goroutine so a receiver retrying does not hold the others, then
// writes what it notified to the notification log and its attempts to the
// store. The writes are group commits: one insert takes every entry
// waiting, and the groups that delivered meanwhile find theirs written,
// so a thousand groups cost a few inserts, not two thousand, and no group
// waits for another's receiver. Wait waits for the deliveries and the
// writes.
func (p *Pipeline) Flush(ctx context.Context, now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	ids := make([]string, 0, len(p.groups))
	for id := range p.groups {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var inhibition *Inhibition
	for _, id := range ids {
		g := p.groups[id]
		if p.delivering[g.key] || now.Before(g.next) || len(g.alerts) == 0 {
			continue
		}
		if inhibition == nil {
			inhibition = p.stages.inhibitor.Sources(p.alerts, now)
		}
		p.delivering[g.key] = true
		g.next = now.Add(g.route.GroupInterval)
		alerts := make([]*alerting.Alert, 0, len(g.alerts))
		for _, a := range g.alerts {
			alerts = append(alerts, a)
		}
		alerting.SortAlerts(alerts, now)
		f := flush{stages: p.stages, key: g.key, route: g.route, labels: g.labels, alerts: alerts,
			inhibition: inhibition, now: now}
		p.inflight.Add(1)
		go func() {
			defer p.inflight.Done()
			p.flush(ctx, &f)
			// The notification log in memory already has it: the next
			// flush of this group dedups against it before the store does.
			p.mu.Lock()
			delete(p.delivering, f.key)
			p.mu.Unlock()
			p.save(ctx)
		}()
	}
}

// Wait blocks until the flushes started have delivered and written what
// they notified to the store.
func (p *Pipeline) Wait() { p.inflight.Wait() }

// flush is one group's flush: its alerts as they were when it started and
// the configuration then.
type flush struct {
	stages
	key        string
	route      *Route
	labels     model.LabelSet
	alerts     []*alerting.Alert
	inhibition *Inhibition // every current alert that inhibits, indexed
	now        time.Time
}

// saveTimeout bounds each insert of the notification log and of the
// attempts, from when it starts: the writes do not end with the flush's
// context.
const saveTimeout = 30 * time.Second

// save writes what was notified and not yet written: the notification log
// first, which keeps a restart from sending it again, then the attempts.
// Attempts the store refuses are lost to dashboards, not to delivery;
// notification log entries it refuses go with the next save. What was sent
// is written even when ctx is cancelled: a shutdown cancels the deliveries
// still retrying, and the groups that went out before must not be paged
// again after the restart.
func (p *Pipeline) save(ctx context.Context) {
	ctx = context.WithoutCancel(ctx)
	if err := p.nflog.Save(ctx, saveTimeout); err != nil {
		p.logger.Error("notifications sent; the store did not keep them yet (a restart before it does may send them again)", zap.Error(err))
	}
	p.savingAttempts.Lock()
	defer p.savingAttempts.Unlock()
	p.attemptsMu.Lock()
	attempts := p.attempts
	p.attempts = nil
	p.attemptsMu.Unlock()
	if len(attempts) == 0 {
		return
	}
	// The time waited for the lock does not count: a queue of saves
	// behind a slow insert must not find its deadline passed.
	ctx, cancel := context.WithTimeout(ctx, saveTimeout)
	defer cancel()
	if err := store.RecordNotificationAttempts(ctx, p.store, attempts); err != nil {
		p.logger.Error("recording notification attempts", zap.Error(err))
	}
}

// flush is one group's way through the stages, in order.
func (p *Pipeline) flush(ctx context.Context, f *flush) {
	alerts := p.inhibit(f, f.alerts)
	alerts = p.silence(f, alerts)
	alerts = p.muteByTimeIntervals(f, alerts)
	if len(alerts) == 0 {
		return
	}
	for _, in := range f.integrations[f.route.Receiver] {
		p.notify(ctx, f, in, alerts)
	}
}

// inhibit drops firing alerts an inhibit rule mutes. A resolved alert
// goes on: a receiver told it fired is told it stopped.
func (p *Pipeline) inhibit(f *flush, alerts []*alerting.Alert) []*alerting.Alert {
	return keep(alerts, func(a *alerting.Alert) bool { return a.Resolved(f.now) || !f.inhibition.Muted(a) })
}

// silence drops firing alerts an active silence matches; resolved ones go
// on, as through inhibition.
func (p *Pipeline) silence(f *flush, alerts []*alerting.Alert) []*alerting.Alert {
	return keep(alerts, func(a *alerting.Alert) bool { return a.Resolved(f.now) || len(p.silences.Muting(a.Labels, f.now)) == 0 })
}

// muteByTimeIntervals drops the whole group inside one of its route's
// mute_time_intervals or outside its active_time_intervals; what it holds
// goes out at the first flush after.
func (p *Pipeline) muteByTimeIntervals(f *flush, alerts []*alerting.Alert) []*alerting.Alert {
	r, now, intervener := f.route, f.now, f.intervener
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
func (p *Pipeline) notify(ctx context.Context, f *flush, in notify.Integration, alerts []*alerting.Alert) {
	now := f.now
	logName := f.route.Receiver + "/" + in.Name()
	firing, resolved := map[string]bool{}, map[string]bool{}
	for _, a := range alerts {
		if a.Resolved(now) {
			resolved[a.Fingerprint().String()] = true
		} else {
			firing[a.Fingerprint().String()] = true
		}
	}
	entry := p.nflog.Entry(logName, f.key)
	if !needsUpdate(entry, firing, resolved, in.SendResolved(), f.route.RepeatInterval, now) {
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
		n := &alerting.Notification{Receiver: f.route.Receiver, GroupKey: f.key, GroupLabels: f.labels,
			Alerts: send, Now: now, ExternalURL: f.externalURL, State: state}
		res := notify.Deliver(ctx, in, n, f.retry, p.clock)
		p.record(f, in, n, res)
		if res.Err != nil {
			// Not logged as notified: the next flush tries again.
			p.logger.Error("notification failed", zap.String("receiver", f.route.Receiver),
				zap.String("integration", in.Name()), zap.String("group", f.key), zap.Error(res.Err))
			return
		}
		for k, v := range res.State {
			state[k] = v
		}
	}
	e := store.NotificationLogEntry{Receiver: logName, GroupKey: f.key, FiringAlerts: slices.Sorted(maps.Keys(firing)),
		ResolvedAlerts: slices.Sorted(maps.Keys(resolved)), IntegrationState: state, SentAt: now, ExpiresAt: now.Add(max(nflogRetention, 2*f.route.RepeatInterval))}
	p.nflog.Log(e)
}

// record counts every attempt and keeps it for the store.
func (p *Pipeline) record(f *flush, in notify.Integration, n *alerting.Notification, res notify.Result) {
	common := n.CommonLabels()
	p.attemptsMu.Lock()
	for _, a := range res.Attempts {
		p.attempts = append(p.attempts, store.NotificationAttempt{
			Time: a.At, Receiver: f.route.Receiver, Integration: in.Name(), GroupKey: f.key,
			Tenant: string(common[alerting.LabelTenant]), SLO: string(common[alerting.LabelSLO]), Severity: string(common[alerting.LabelSeverity]),
			Status: a.Status, Attempt: uint32(a.Number), HTTPStatus: uint16(a.HTTPStatus), Error: a.Err,
		})
	}
	p.attemptsMu.Unlock()
	p.mu.Lock()
	for _, a := range res.Attempts {
		p.counts[CountKey{Receiver: f.route.Receiver, Integration: in.Kind(), Status: a.Status}]++
	}
	p.mu.Unlock()
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
