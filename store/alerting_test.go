package store_test

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/slopipe/slopipe/store"
)

// awkward is a string that breaks hand-built SQL and naive escaping.
const awkward = "it's \"quoted\" \\ back\\slash\nnew line\ttab ünïcødé 🚨 {slo=\"x\", tenant=~\"a|b\"} ; DROP TABLE x; --"

// alertingNow has nanoseconds and a zone: the store keeps milliseconds and
// answers in UTC.
var alertingNow = time.Date(2026, 11, 23, 14, 37, 30, 123456789, time.FixedZone("CET", 3600))

func migrated(t *testing.T, s store.Store) context.Context {
	t.Helper()
	ctx := context.Background()
	if _, err := store.Migrate(ctx, s, store.SchemaOptions{}); err != nil {
		t.Fatal(err)
	}
	return ctx
}

// inMillis is t as the store gives it back.
func inMillis(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.Truncate(time.Millisecond).UTC()
}

// checkUTC fails unless every non-zero time is in UTC: Equal alone would not
// tell.
func checkUTC(t *testing.T, what string, times ...time.Time) {
	t.Helper()
	for _, x := range times {
		if !x.IsZero() && x.Location() != time.UTC {
			t.Errorf("%s: time %v is in %v, want UTC", what, x, x.Location())
		}
	}
}

func TestAlertStatesNewestWinsPerFingerprint(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s store.Store) {
		ctx := migrated(t, s)
		now := alertingNow
		firing := func(fp string, updated time.Time) store.AlertStateRow {
			return store.AlertStateRow{
				Fingerprint: fp, Tenant: "acme", AlertName: "SLOBurnRate", SLO: "checkout", Severity: "page",
				State:       store.AlertStateFiring,
				Labels:      map[string]string{"alertname": "SLOBurnRate", "slo": "checkout", "tenant": "acme"},
				Annotations: map[string]string{"summary": "burning"},
				StartsAt:    now.Add(-time.Hour), UpdatedAt: updated,
			}
		}
		resolvedAt := func(fp string, endsAt time.Time) store.AlertStateRow {
			r := firing(fp, endsAt)
			r.State, r.EndsAt = store.AlertStateResolved, endsAt
			return r
		}

		// a: fired, resolved recently; a late save of the older firing
		// state must not bring it back.
		// b: resolved long ago, then an older firing row saved after it:
		// a filter applied before the newest row is picked would load it.
		// c: firing, with awkward strings and empty maps.
		// d: firing, then updated twice in one batch.
		c := store.AlertStateRow{
			Fingerprint: "c0ffee" + awkward, Tenant: awkward, AlertName: awkward, SLO: awkward, Severity: awkward,
			State: store.AlertStateFiring, StartsAt: now.Add(-time.Minute), UpdatedAt: now,
		}
		d1, d2, d3 := firing("d", now.Add(-3*time.Minute)), firing("d", now.Add(-time.Minute)), firing("d", now.Add(-2*time.Minute))
		d2.Labels = map[string]string{awkward: awkward, "": "empty key", "empty value": ""}
		d2.Annotations = map[string]string{}
		saves := [][]store.AlertStateRow{
			{firing("a", now.Add(-time.Hour)), firing("b", now.Add(-48*time.Hour))},
			{resolvedAt("a", now.Add(-5*time.Minute)), resolvedAt("b", now.Add(-47*time.Hour)), c},
			{firing("a", now.Add(-30*time.Minute)), firing("b", now.Add(-47*time.Hour-time.Minute))},
			{d1, d2, d3},
		}
		for _, rows := range saves {
			if err := store.SaveAlertStates(ctx, s, rows); err != nil {
				t.Fatal(err)
			}
		}
		want := func(rows ...store.AlertStateRow) []store.AlertStateRow {
			var out []store.AlertStateRow
			for _, r := range rows {
				r.StartsAt, r.EndsAt, r.UpdatedAt = inMillis(r.StartsAt), inMillis(r.EndsAt), inMillis(r.UpdatedAt)
				if r.Labels == nil {
					r.Labels = map[string]string{}
				}
				if r.Annotations == nil {
					r.Annotations = map[string]string{}
				}
				out = append(out, r)
			}
			return out
		}
		for _, tc := range []struct {
			name          string
			resolvedSince time.Time
			want          []store.AlertStateRow
		}{
			{"recent resolves", now.Add(-time.Hour), want(resolvedAt("a", now.Add(-5*time.Minute)), c, d2)},
			{"resolve at the bound", now.Add(-5 * time.Minute).Truncate(time.Millisecond), want(resolvedAt("a", now.Add(-5*time.Minute)), c, d2)},
			{"no resolves", now, want(c, d2)},
			{"every resolve", time.Time{}, want(resolvedAt("a", now.Add(-5*time.Minute)), resolvedAt("b", now.Add(-47*time.Hour)), c, d2)},
		} {
			got, err := store.LoadAlertStates(ctx, s, tc.resolvedSince)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("%s: loaded\n%+v\nwant\n%+v", tc.name, got, tc.want)
			}
			for _, r := range got {
				checkUTC(t, r.Fingerprint, r.StartsAt, r.EndsAt, r.UpdatedAt)
			}
		}
	})
}

func TestSaveAlertStatesRefusesBadRows(t *testing.T) {
	s := backends(t, t.Name())["embedded"]
	ctx := migrated(t, s)
	for _, r := range []store.AlertStateRow{
		{State: store.AlertStateFiring, UpdatedAt: alertingNow},
		{Fingerprint: "a", State: "pending", UpdatedAt: alertingNow},
		{Fingerprint: "a", State: store.AlertStateFiring},
	} {
		if err := store.SaveAlertStates(ctx, s, []store.AlertStateRow{r}); err == nil {
			t.Errorf("saved %+v, want an error", r)
		}
	}
	if got, err := store.LoadAlertStates(ctx, s, time.Time{}); err != nil || len(got) != 0 {
		t.Fatalf("loaded %+v (err %v), want nothing", got, err)
	}
}

func TestSilencesNewestWinsPerID(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s store.Store) {
		ctx := migrated(t, s)
		now := alertingNow
		silence := func(id string, endsAt, updated time.Time, comment string) store.Silence {
			return store.Silence{ID: id, Matchers: `{slo="checkout", tenant=~"a|b"}`, StartsAt: now.Add(-time.Hour),
				EndsAt: endsAt, CreatedBy: "oncall@example.com", Comment: comment, UpdatedAt: updated}
		}
		active2 := silence("active", now.Add(time.Hour), now.Add(-time.Minute), "extended")
		active2.Matchers, active2.CreatedBy = awkward, awkward
		// The last millisecond the store can hold.
		forever := silence("forever", time.Unix(0, math.MaxInt64), now, awkward)
		saves := []store.Silence{
			silence("active", now.Add(time.Minute), now.Add(-time.Hour), "first"),
			active2,
			silence("active", now.Add(2*time.Hour), now.Add(-30*time.Minute), "older, saved late"),
			// Expired by saving it with an earlier end.
			silence("expired", now.Add(time.Hour), now.Add(-time.Hour), ""),
			silence("expired", now.Add(-10*time.Minute), now.Add(-10*time.Minute), ""),
			forever,
		}
		for _, sil := range saves {
			if err := store.SaveSilence(ctx, s, sil); err != nil {
				t.Fatal(err)
			}
		}
		inStore := func(sils ...store.Silence) []store.Silence {
			for i := range sils {
				sils[i].StartsAt, sils[i].EndsAt, sils[i].UpdatedAt = inMillis(sils[i].StartsAt), inMillis(sils[i].EndsAt), inMillis(sils[i].UpdatedAt)
			}
			return sils
		}
		expired := silence("expired", now.Add(-10*time.Minute), now.Add(-10*time.Minute), "")
		for _, tc := range []struct {
			name       string
			endedSince time.Time
			want       []store.Silence
		}{
			{"active", now, inStore(active2, forever)},
			{"ended at the bound", now.Add(-10 * time.Minute).Truncate(time.Millisecond), inStore(active2, expired, forever)},
			{"just after the end", now.Add(-10 * time.Minute).Truncate(time.Millisecond).Add(time.Millisecond), inStore(active2, forever)},
		} {
			got, err := store.LoadSilences(ctx, s, tc.endedSince)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("%s: loaded\n%+v\nwant\n%+v", tc.name, got, tc.want)
			}
			for _, sil := range got {
				checkUTC(t, sil.ID, sil.StartsAt, sil.EndsAt, sil.UpdatedAt)
			}
		}
		for _, bad := range []store.Silence{
			{ID: "x"},
			{UpdatedAt: now},
			silence("x", time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC), now, "would wrap around"),
			silence("x", time.Unix(0, math.MinInt64), now, "its millisecond would wrap around"),
		} {
			if err := store.SaveSilence(ctx, s, bad); err == nil {
				t.Errorf("saved %+v, want an error", bad)
			}
		}
	})
}

func TestNotificationLogNewestWinsPerReceiverAndGroup(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s store.Store) {
		ctx := migrated(t, s)
		now := alertingNow
		entry := func(receiver, group string, sentAt time.Time, firing ...string) store.NotificationLogEntry {
			return store.NotificationLogEntry{Receiver: receiver, GroupKey: group, FiringAlerts: firing,
				ResolvedAlerts: []string{"r1"}, IntegrationState: map[string]string{"slack": "C123/1700000000.000100"},
				SentAt: sentAt, ExpiresAt: sentAt.Add(5 * 24 * time.Hour)}
		}
		pagerNewest := entry("pager", `{}:{slo="checkout"}`, now.Add(-time.Minute), "f1", "f2")
		pagerNewest.ResolvedAlerts = nil
		pagerNewest.IntegrationState = map[string]string{awkward: awkward}
		// The same group key of another receiver is another entry.
		slack := entry("slack", `{}:{slo="checkout"}`, now.Add(-time.Hour), awkward)
		slack.ResolvedAlerts, slack.IntegrationState = []string{}, map[string]string{}
		// The newest entry expired: the older one, still unexpired, must not
		// come back.
		gone := entry("pager", "gone", now.Add(-2*time.Hour))
		gone.ExpiresAt = now.Add(-time.Second)
		saves := []store.NotificationLogEntry{
			entry("pager", `{}:{slo="checkout"}`, now.Add(-time.Hour), "f1"),
			pagerNewest,
			entry("pager", `{}:{slo="checkout"}`, now.Add(-2*time.Minute), "older", "saved", "late"),
			slack,
			entry("pager", "gone", now.Add(-3*time.Hour)),
			gone,
		}
		// One at a time, as a single notification saves, then the rest in
		// one insert, as a flush saves.
		for _, e := range saves[:2] {
			if err := store.SaveNotificationLog(ctx, s, e); err != nil {
				t.Fatal(err)
			}
		}
		if err := store.SaveNotificationLog(ctx, s, saves[2:]...); err != nil {
			t.Fatal(err)
		}
		got, err := store.LoadNotificationLog(ctx, s, now)
		if err != nil {
			t.Fatal(err)
		}
		inStore := func(e store.NotificationLogEntry) store.NotificationLogEntry {
			e.SentAt, e.ExpiresAt = inMillis(e.SentAt), inMillis(e.ExpiresAt)
			if len(e.ResolvedAlerts) == 0 {
				e.ResolvedAlerts = nil
			}
			return e
		}
		want := []store.NotificationLogEntry{inStore(pagerNewest), inStore(slack)}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("loaded\n%+v\nwant\n%+v", got, want)
		}
		for _, e := range got {
			checkUTC(t, e.GroupKey, e.SentAt, e.ExpiresAt)
		}
		// Expiry is exclusive: an entry expiring at now is gone.
		got, err = store.LoadNotificationLog(ctx, s, slack.ExpiresAt.Truncate(time.Millisecond))
		if err != nil || !reflect.DeepEqual(got, want[:1]) {
			t.Fatalf("at the expiry of %q: loaded %+v (err %v), want %+v", slack.Receiver, got, err, want[:1])
		}
		got, err = store.LoadNotificationLog(ctx, s, slack.ExpiresAt.Truncate(time.Millisecond).Add(-time.Millisecond))
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("a millisecond before the expiry of %q: loaded %+v (err %v), want %+v", slack.Receiver, got, err, want)
		}

		// One entry the table cannot hold and none of its insert is written.
		fine := entry("pager", "fine", now, "f9")
		for _, bad := range []store.NotificationLogEntry{
			{Receiver: "pager", SentAt: now},
			{Receiver: "pager", GroupKey: "unsent"},
			entry("pager", "far", time.Date(2263, 1, 1, 0, 0, 0, 0, time.UTC)),
		} {
			err := store.SaveNotificationLog(ctx, s, fine, bad)
			if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("receiver %q", bad.Receiver)) {
				t.Errorf("saved %+v: err %v, want one naming its receiver", bad, err)
			}
			if store.CheckNotificationLogEntry(bad) == nil {
				t.Errorf("CheckNotificationLogEntry passed %+v", bad)
			}
		}
		if got, err := store.LoadNotificationLog(ctx, s, now); err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("after refused saves: loaded %+v (err %v), want only %+v", got, err, want)
		}
	})
}

func TestNotificationAttemptsInTimeOrder(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s store.Store) {
		ctx := migrated(t, s)
		now := alertingNow
		attempt := func(at time.Time, receiver string, n uint32, status string, code uint16, msg string) store.NotificationAttempt {
			return store.NotificationAttempt{Time: at, Receiver: receiver, Integration: "pagerduty", GroupKey: `{}:{slo="checkout"}`,
				Tenant: "acme", SLO: "checkout", Severity: "page", Status: status, Attempt: n, HTTPStatus: code, Error: msg}
		}
		old := attempt(now.Add(-time.Hour), "pager", 1, store.NotificationDelivered, 202, "")
		first := attempt(now, "pager", 1, store.NotificationRetrying, 503, awkward)
		second := attempt(now, "pager", 2, store.NotificationFailed, 0, "dial tcp: i/o timeout")
		third := attempt(now.Add(time.Second), "pager", 3, store.NotificationDelivered, 202, "")
		other := attempt(now.Add(500*time.Millisecond), "slack", 1, store.NotificationDelivered, 200, "")
		other.Integration, other.Tenant, other.SLO, other.Severity = awkward, awkward, awkward, awkward
		// Recorded out of order, in two batches.
		if err := store.RecordNotificationAttempts(ctx, s, []store.NotificationAttempt{third, second, old}); err != nil {
			t.Fatal(err)
		}
		if err := store.RecordNotificationAttempts(ctx, s, []store.NotificationAttempt{other, first}); err != nil {
			t.Fatal(err)
		}
		if err := store.RecordNotificationAttempts(ctx, s, nil); err != nil {
			t.Fatal(err)
		}
		inStore := func(as ...store.NotificationAttempt) []store.NotificationAttempt {
			for i := range as {
				as[i].Time = inMillis(as[i].Time)
			}
			return as
		}
		for _, tc := range []struct {
			receiver string
			since    time.Time
			want     []store.NotificationAttempt
		}{
			{"", time.Time{}, inStore(old, first, second, other, third)},
			{"", now.Truncate(time.Millisecond), inStore(first, second, other, third)},
			{"pager", now.Add(-time.Minute), inStore(first, second, third)},
			{"slack", time.Time{}, inStore(other)},
			{"nobody", time.Time{}, nil},
		} {
			got, err := store.NotificationAttempts(ctx, s, tc.receiver, tc.since)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("receiver %q since %v: got\n%+v\nwant\n%+v", tc.receiver, tc.since, got, tc.want)
			}
			for _, a := range got {
				checkUTC(t, a.Receiver, a.Time)
			}
		}
	})
}
