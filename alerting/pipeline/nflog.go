package pipeline

import (
	"context"
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
	store   store.Store
	mu      sync.Mutex
	entries map[nflogKey]*store.NotificationLogEntry
	// unsaved are entries the store refused: saved with the next one.
	unsaved map[nflogKey]*store.NotificationLogEntry
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

// Log records a notification: in memory at once, so this process never
// sends it again, and in the store, so a restart does not either. An entry
// the store refuses is saved again with the next one.
func (l *NotificationLog) Log(ctx context.Context, e store.NotificationLogEntry) error {
	key := nflogKey{e.Receiver, e.GroupKey}
	l.mu.Lock()
	l.entries[key] = &e
	l.unsaved[key] = &e
	pending := make(map[nflogKey]*store.NotificationLogEntry, len(l.unsaved))
	for k, v := range l.unsaved {
		pending[k] = v
	}
	l.mu.Unlock()
	var first error
	for k, entry := range pending {
		if err := store.SaveNotificationLog(ctx, l.store, *entry); err != nil {
			if first == nil {
				first = fmt.Errorf("notification log: %w", err)
			}
			continue
		}
		l.mu.Lock()
		if l.unsaved[k] == entry {
			delete(l.unsaved, k)
		}
		l.mu.Unlock()
	}
	return first
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
