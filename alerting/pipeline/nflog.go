package pipeline

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/slopipe/slopipe/store"
)

// nflogRetention is how long the log remembers a notification, as
// Alertmanager's default: a group silent for five days starts afresh.
const nflogRetention = 120 * time.Hour

// NotificationLog is what each integration was last told about each
// group, read back from the store at start so a restart sends nothing
// twice.
type NotificationLog struct {
	store store.Store
	mu    sync.Mutex
	// entries are what dedup reads: updated the moment a notification
	// went out, before the store has it.
	entries map[nflogKey]*store.NotificationLogEntry
	// unsaved are entries logged since the last Save, or that the store
	// refused then: the next Save writes them.
	unsaved map[nflogKey]*store.NotificationLogEntry
	// saving serialises Save, so an entry goes to the store once, not in
	// every Save that starts while it is being written.
	saving sync.Mutex
}

type nflogKey struct{ receiver, groupKey string }

// NewNotificationLog returns an empty log; Load reads the store.
func NewNotificationLog(st store.Store) *NotificationLog {
	return &NotificationLog{store: st, entries: map[nflogKey]*store.NotificationLogEntry{},
		unsaved: map[nflogKey]*store.NotificationLogEntry{}}
}

// Load reads the entries that have not expired at now.
func (l *NotificationLog) Load(ctx context.Context, now time.Time) error {
	rows, err := store.LoadNotificationLog(ctx, l.store, now)
	if err != nil {
		return fmt.Errorf("notification log: %w", err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.entries = make(map[nflogKey]*store.NotificationLogEntry, len(rows))
	for i := range rows {
		l.entries[nflogKey{rows[i].Receiver, rows[i].GroupKey}] = &rows[i]
	}
	return nil
}

// Entry is the last notification of groupKey to receiver (an integration:
// "team-pager/pagerduty[0]"), nil when none.
func (l *NotificationLog) Entry(receiver, groupKey string) *store.NotificationLogEntry {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.entries[nflogKey{receiver, groupKey}]
}

// Log records a notification in memory, so this process never sends it
// again; Save writes it to the store, so a restart does not either.
func (l *NotificationLog) Log(e store.NotificationLogEntry) {
	key := nflogKey{e.Receiver, e.GroupKey}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.entries[key] = &e
	l.unsaved[key] = &e
}

// Save writes every entry logged and not yet stored, in one insert: a
// flush notifying a thousand groups costs one write, not a thousand. What
// the store refuses stays unsaved and goes with the next Save; an entry
// the store could never hold (a time past 2262) is dropped from the
// unsaved and reported, so it does not hold back the others. The insert
// has timeout from when it starts, not from when Save was called: Saves
// queue behind one another.
func (l *NotificationLog) Save(ctx context.Context, timeout time.Duration) error {
	l.saving.Lock()
	defer l.saving.Unlock()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	l.mu.Lock()
	keys := make([]nflogKey, 0, len(l.unsaved))
	entries := make([]*store.NotificationLogEntry, 0, len(l.unsaved))
	for k, e := range l.unsaved {
		keys = append(keys, k)
		entries = append(entries, e)
	}
	l.mu.Unlock()
	if len(entries) == 0 {
		return nil
	}
	var errs []error
	written := make([]store.NotificationLogEntry, 0, len(entries))
	for i, e := range entries {
		if err := store.CheckNotificationLogEntry(*e); err != nil {
			errs = append(errs, err)
			l.forgetUnsaved(keys[i], e)
			continue
		}
		written = append(written, *e)
	}
	if err := store.SaveNotificationLog(ctx, l.store, written...); err != nil {
		return errors.Join(append(errs, err)...)
	}
	for i, e := range entries {
		l.forgetUnsaved(keys[i], e)
	}
	return errors.Join(errs...)
}

// forgetUnsaved takes e off the unsaved unless a newer entry of its group
// was logged meanwhile.
func (l *NotificationLog) forgetUnsaved(key nflogKey, e *store.NotificationLogEntry) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.unsaved[key] == e {
		delete(l.unsaved, key)
	}
}

// needsUpdate is the dedup stage's decision, Alertmanager's: notify a
// group the receiver never heard of only if something fires; notify when
// an alert fires it was not told of, when everything it was told of has
// resolved, when an alert resolved it was not told of (with
// send_resolved), or when repeat has passed since the last notification.
func needsUpdate(entry *store.NotificationLogEntry, firing, resolved map[string]bool, sendResolved bool, repeat time.Duration, now time.Time) bool {
	if entry == nil {
		return len(firing) > 0
	}
	if !subset(firing, entry.FiringAlerts) {
		return true
	}
	if len(firing) == 0 {
		// Every alert it was told of has resolved: said even without
		// send_resolved, so the log forgets them; a group whose alerts
		// fired and resolved between two flushes is not news.
		return len(entry.FiringAlerts) > 0
	}
	if sendResolved && !subset(resolved, entry.ResolvedAlerts) {
		return true
	}
	return !entry.SentAt.After(now.Add(-repeat))
}

// subset says whether every key of set is in list.
func subset(set map[string]bool, list []string) bool {
	if len(set) > len(list) {
		return false
	}
	in := make(map[string]bool, len(list))
	for _, s := range list {
		in[s] = true
	}
	for k := range set {
		if !in[k] {
			return false
		}
	}
	return true
}
