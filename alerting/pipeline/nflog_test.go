package pipeline

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slopipe/slopipe/alerting"
	"github.com/slopipe/slopipe/store"
	"github.com/slopipe/slopipe/store/storetest"
)

// countingStore is the engine with every insert counted by table, the next
// inserts into a table refused on demand, and the next one held until
// released.
type countingStore struct {
	store.Store
	mu      sync.Mutex
	inserts map[string][]int // rows of each insert, by table
	refuse  map[string]int   // inserts still to refuse, by table
	hold    map[string]chan struct{}
}

func newCountingStore(t *testing.T) *countingStore {
	return &countingStore{Store: storetest.Open(t), inserts: map[string][]int{}, refuse: map[string]int{},
		hold: map[string]chan struct{}{}}
}

func (s *countingStore) Insert(ctx context.Context, b *store.Batch) error {
	rows, err := b.Rows()
	if err != nil {
		return err
	}
	s.mu.Lock()
	held := s.hold[b.Table]
	delete(s.hold, b.Table)
	s.mu.Unlock()
	if held != nil {
		<-held
	}
	s.mu.Lock()
	refused := s.refuse[b.Table] > 0
	if refused {
		s.refuse[b.Table]--
	} else {
		s.inserts[b.Table] = append(s.inserts[b.Table], rows)
	}
	s.mu.Unlock()
	if refused {
		return errors.New("refused")
	}
	return s.Store.Insert(ctx, b)
}

// insertsInto are the rows of each insert into table so far.
func (s *countingStore) insertsInto(table string) []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.inserts[table])
}

// holdNext makes the next insert into table wait until release is closed.
func (s *countingStore) holdNext(table string, release chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hold[table] = release
}

func (s *countingStore) refuseNext(table string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refuse[table]++
}

func sum(rows []int) int {
	total := 0
	for _, n := range rows {
		total += n
	}
	return total
}

// logged is the number of entries in the log's memory.
func (l *NotificationLog) logged() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.entries)
}

// storedGroups are the group keys of the notification log the store
// holds, sorted.
func storedGroups(t *testing.T, st store.Store, now time.Time) []string {
	t.Helper()
	entries, err := store.LoadNotificationLog(context.Background(), st, now)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, e := range entries {
		keys = append(keys, e.GroupKey)
	}
	slices.Sort(keys)
	return keys
}

// The groups of a flush write their notification log entries and attempts
// as group commits: while one insert is under way the others' entries
// wait, and the next insert takes them all. Five groups, the first insert
// held until all five have delivered: two inserts at most, not five, every
// entry written once. The next flush, with nothing new, writes nothing; a
// restarted process reads every entry back and sends nothing again.
func TestFlushSavesAsGroupCommits(t *testing.T) {
	st := newCountingStore(t)
	h := newHarnessOn(t, st)
	tenants := []string{"acme", "beta", "gamma", "delta", "epsilon"}
	var alerts []*alerting.Alert
	for _, tenant := range tenants {
		alerts = append(alerts, page(tenant, time.Time{}))
	}
	release := make(chan struct{})
	st.holdNext("slopipe_notification_log", release)
	h.clock.Advance(time.Second)
	h.p.Process(alerts, h.clock.Now())
	h.p.Flush(h.ctx, h.clock.Now())
	for h.p.nflog.logged() < len(tenants) {
		time.Sleep(time.Millisecond)
	}
	close(release)
	h.p.Wait()
	for _, table := range []string{"slopipe_notification_log", "slopipe_notifications"} {
		got := st.insertsInto(table)
		if len(got) > 2 || sum(got) != len(tenants) {
			t.Errorf("%s: inserts of %v rows, want at most two inserts of %d rows in all", table, got, len(tenants))
		}
	}
	stored := storedGroups(t, st, h.clock.Now())
	if len(stored) != len(tenants) {
		t.Fatalf("the store holds the log of %v, want every tenant's group", stored)
	}
	for i, tenant := range tenants {
		if !slices.ContainsFunc(stored, func(k string) bool { return strings.Contains(k, `tenant="`+tenant+`"`) }) {
			t.Errorf("no stored entry for tenant %d %q in %v", i, tenant, stored)
		}
	}

	logInserts, attemptInserts := len(st.insertsInto("slopipe_notification_log")), len(st.insertsInto("slopipe_notifications"))
	h.step(time.Minute, alerts...)
	if got := st.insertsInto("slopipe_notification_log"); len(got) != logInserts {
		t.Errorf("notification log inserts %v after a flush that notified nothing, want still %d", got, logInserts)
	}
	if got := st.insertsInto("slopipe_notifications"); len(got) != attemptInserts {
		t.Errorf("attempt inserts %v after a flush that notified nothing, want still %d", got, attemptInserts)
	}

	restarted := newHarnessOn(t, st.Store)
	restarted.clock.Set(h.clock.Now())
	if err := restarted.p.nflog.Load(restarted.ctx, restarted.clock.Now()); err != nil {
		t.Fatal(err)
	}
	restarted.step(time.Minute, alerts...)
	if got := restarted.in.received(); len(got) != 0 {
		t.Errorf("after a restart delivered %v again", got)
	}
}

// A notification log insert the store refuses does not make the process
// send again (dedup reads the log in memory), and its entries go with the
// next flush's insert.
func TestRefusedNotificationLogGoesWithTheNextFlush(t *testing.T) {
	st := newCountingStore(t)
	h := newHarnessOn(t, st)
	st.refuseNext("slopipe_notification_log")
	h.step(time.Second, page("acme", time.Time{}))
	if got := storedGroups(t, st, h.clock.Now()); len(got) != 0 {
		t.Fatalf("the store holds %v after refusing the insert", got)
	}
	h.step(time.Minute, page("acme", time.Time{}), page("beta", time.Time{}))
	if got := h.in.received(); !slices.Equal(got, []string{"firing:1", "firing:1"}) {
		t.Fatalf("delivered %v, want acme's page once and beta's", got)
	}
	// acme's group, with nothing to send, may save its refused entry
	// before beta's has logged: one insert of both or one of each.
	if got := st.insertsInto("slopipe_notification_log"); len(got) > 2 || sum(got) != 2 {
		t.Errorf("notification log inserts of %v rows, want acme's refused entry and beta's written once each", got)
	}
	if got := storedGroups(t, st, h.clock.Now()); len(got) != 2 {
		t.Errorf("the store holds %v, want acme's and beta's groups", got)
	}
}

// An entry the store could never hold is reported and dropped from what
// Save writes, not retried with every later Save while the others wait.
func TestSaveDropsAnEntryTheStoreCannotHold(t *testing.T) {
	st := newCountingStore(t)
	log := NewNotificationLog(st)
	ctx := context.Background()
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	log.Log(store.NotificationLogEntry{Receiver: "team/x[0]", GroupKey: "good", FiringAlerts: []string{"a"}, SentAt: now, ExpiresAt: now.Add(nflogRetention)})
	log.Log(store.NotificationLogEntry{Receiver: "team/x[0]", GroupKey: "far", FiringAlerts: []string{"b"}, SentAt: now, ExpiresAt: now.AddDate(300, 0, 0)})
	err := log.Save(ctx, time.Minute)
	if err == nil || !strings.Contains(err.Error(), `group "far"`) {
		t.Fatalf("Save: %v, want the entry of group far reported", err)
	}
	if got := storedGroups(t, st, now); !slices.Equal(got, []string{"good"}) {
		t.Errorf("the store holds %v, want the good entry", got)
	}
	if log.Entry("team/x[0]", "far") == nil {
		t.Error("the entry the store cannot hold is gone from memory: dedup would send it again")
	}
	if err := log.Save(ctx, time.Minute); err != nil {
		t.Errorf("second Save: %v, want nothing left to write", err)
	}
	if got := st.insertsInto("slopipe_notification_log"); !slices.Equal(got, []int{1}) {
		t.Errorf("inserts of %v rows, want one of the good entry", got)
	}
}

// A flush cancelled while one receiver is still busy (a shutdown) still
// writes what the others were sent: a restart does not page them again.
func TestCancelledFlushSavesWhatWasSent(t *testing.T) {
	st := newCountingStore(t)
	h := newHarnessOn(t, st)
	ctx, cancel := context.WithCancel(context.Background())
	h.ctx = ctx
	release := make(chan struct{})
	h.in.hold = release
	h.clock.Advance(time.Second)
	h.p.Process([]*alerting.Alert{page("acme", time.Time{}), page("beta", time.Time{})}, h.clock.Now())
	h.p.Flush(ctx, h.clock.Now())
	for len(h.in.received()) == 0 { // the group not held has gone out
		time.Sleep(time.Millisecond)
	}
	cancel()
	close(release)
	h.p.Wait()
	if got := storedGroups(t, st, h.clock.Now()); len(got) != len(h.in.received()) || len(got) == 0 {
		t.Errorf("the store holds %v after delivering %v", got, h.in.received())
	}
}
