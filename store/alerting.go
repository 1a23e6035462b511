package store

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"time"
)

// The alerting state slopipe keeps across restarts: the alerts the policy
// last saw, the silences, and what each receiver was told, so that after a
// restart a still-firing alert is not paged again and its resolve is still
// sent. The state tables are ReplacingMergeTree: until a merge, a key may have
// several rows, so every read takes the newest with FINAL (per shard on a
// cluster, where a key's rows share a shard through the sharding key).
// Every attempt to notify is kept too, for dashboards and audit.
//
// Times are stored as DateTime64(3): they come back in UTC, truncated to
// the millisecond. A zero time.Time is stored as the Unix epoch and read back
// as zero; a time that int64 Unix nanoseconds cannot hold (before 1677 or
// after 2262) is refused rather than written as another.

// Alert states as slopipe_alert_state holds them.
const (
	AlertStateFiring   = "firing"
	AlertStateResolved = "resolved"
)

// AlertStateRow is one alert's state as the alert policy last saw it.
type AlertStateRow struct {
	Fingerprint                      string // hex of the label set's fingerprint
	Tenant, AlertName, SLO, Severity string
	State                            string // AlertStateFiring or AlertStateResolved
	Labels, Annotations              map[string]string
	StartsAt, EndsAt                 time.Time // EndsAt zero while firing
	UpdatedAt                        time.Time // the row's version: the newest wins
}

// SaveAlertStates writes the alerts' states; for each fingerprint, the row
// with the newest UpdatedAt is the one loaded, whatever the order of saves.
func SaveAlertStates(ctx context.Context, st Store, rows []AlertStateRow) error {
	if len(rows) == 0 {
		return nil
	}
	var (
		fingerprint                        = NewStrings("Fingerprint")
		tenant, name, slo, severity, state = NewStrings("TenantId"), NewStrings("AlertName"), NewStrings("Slo"), NewStrings("Severity"), NewStrings("State")
		labels, annotations                = NewMaps("Labels"), NewMaps("Annotations")
		startsAt, endsAt, updatedAt        = newMilliTimes("StartsAt"), newMilliTimes("EndsAt"), newMilliTimes("UpdatedAt")
	)
	for _, r := range rows {
		switch {
		case r.Fingerprint == "":
			return fmt.Errorf("save alert state of %q: no fingerprint", r.AlertName)
		case r.State != AlertStateFiring && r.State != AlertStateResolved:
			return fmt.Errorf("save alert state %s: state %q is neither %q nor %q", r.Fingerprint, r.State, AlertStateFiring, AlertStateResolved)
		case r.UpdatedAt.IsZero():
			return fmt.Errorf("save alert state %s: no UpdatedAt", r.Fingerprint)
		}
		if err := storable(r.StartsAt, r.EndsAt, r.UpdatedAt); err != nil {
			return fmt.Errorf("save alert state %s: %w", r.Fingerprint, err)
		}
		fingerprint.Append(r.Fingerprint)
		tenant.Append(r.Tenant)
		name.Append(r.AlertName)
		slo.Append(r.SLO)
		severity.Append(r.Severity)
		state.Append(r.State)
		labels.AppendMap(r.Labels)
		annotations.AppendMap(r.Annotations)
		startsAt.append(r.StartsAt)
		endsAt.append(r.EndsAt)
		updatedAt.append(r.UpdatedAt)
	}
	b := NewBatch("slopipe_alert_state", fingerprint, tenant, name, slo, severity, state,
		labels, annotations, startsAt, endsAt, updatedAt)
	if err := st.Insert(ctx, b); err != nil {
		return fmt.Errorf("save alert states: %w", err)
	}
	return nil
}

// LoadAlertStates returns the newest row of every fingerprint that is
// firing, or resolved with EndsAt at or after resolvedSince (a resolve that
// may not have been sent yet), ordered by fingerprint.
func LoadAlertStates(ctx context.Context, st Store, resolvedSince time.Time) ([]AlertStateRow, error) {
	sql := fmt.Sprintf(`SELECT Fingerprint, toString(TenantId), toString(AlertName), toString(Slo), toString(Severity), toString(State),
    CAST(Labels, 'Map(String, String)'), CAST(Annotations, 'Map(String, String)'),
    toUnixTimestamp64Milli(StartsAt), toUnixTimestamp64Milli(EndsAt), toUnixTimestamp64Milli(UpdatedAt)
FROM %s.slopipe_alert_state FINAL
WHERE State = {firing:String}
   OR (State = {resolved:String} AND EndsAt >= fromUnixTimestamp64Milli({resolved_since:Int64}))
ORDER BY Fingerprint`, QuoteIdent(st.Database()))
	rows, err := st.Query(ctx, sql, Params{
		"firing":         AlertStateFiring,
		"resolved":       AlertStateResolved,
		"resolved_since": strconv.FormatInt(unixMilli(resolvedSince), 10),
	})
	if err != nil {
		return nil, fmt.Errorf("load alert states: %w", err)
	}
	var out []AlertStateRow
	err = ScanAll(rows, func(r Rows) error {
		var a AlertStateRow
		var startsAt, endsAt, updatedAt int64
		if err := r.Scan(&a.Fingerprint, &a.Tenant, &a.AlertName, &a.SLO, &a.Severity, &a.State,
			&a.Labels, &a.Annotations, &startsAt, &endsAt, &updatedAt); err != nil {
			return err
		}
		a.Labels, a.Annotations = nonNilMap(a.Labels), nonNilMap(a.Annotations)
		a.StartsAt, a.EndsAt, a.UpdatedAt = fromUnixMilli(startsAt), fromUnixMilli(endsAt), fromUnixMilli(updatedAt)
		out = append(out, a)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load alert states: %w", err)
	}
	return out, nil
}

// Silence is a silence as Alertmanager keeps it.
type Silence struct {
	ID                 string
	Matchers           string // Alertmanager's matcher syntax, e.g. {slo="checkout", tenant=~"a|b"}
	StartsAt, EndsAt   time.Time
	CreatedBy, Comment string
	UpdatedAt          time.Time // the row's version: the newest wins
}

// SaveSilence writes a silence, new or changed (expiring one is saving it
// with an earlier EndsAt); for each ID the newest UpdatedAt is loaded.
func SaveSilence(ctx context.Context, st Store, s Silence) error {
	switch {
	case s.ID == "":
		return fmt.Errorf("save silence: no ID")
	case s.UpdatedAt.IsZero():
		return fmt.Errorf("save silence %s: no UpdatedAt", s.ID)
	}
	if err := storable(s.StartsAt, s.EndsAt, s.UpdatedAt); err != nil {
		return fmt.Errorf("save silence %s: %w", s.ID, err)
	}
	id, matchers, createdBy, comment := NewStrings("Id"), NewStrings("Matchers"), NewStrings("CreatedBy"), NewStrings("Comment")
	startsAt, endsAt, updatedAt := newMilliTimes("StartsAt"), newMilliTimes("EndsAt"), newMilliTimes("UpdatedAt")
	id.Append(s.ID)
	matchers.Append(s.Matchers)
	createdBy.Append(s.CreatedBy)
	comment.Append(s.Comment)
	startsAt.append(s.StartsAt)
	endsAt.append(s.EndsAt)
	updatedAt.append(s.UpdatedAt)
	b := NewBatch("slopipe_silences", id, matchers, startsAt, endsAt, createdBy, comment, updatedAt)
	if err := st.Insert(ctx, b); err != nil {
		return fmt.Errorf("save silence %s: %w", s.ID, err)
	}
	return nil
}

// LoadSilences returns the newest row of every silence that did not end
// before endedSince, ordered by ID.
func LoadSilences(ctx context.Context, st Store, endedSince time.Time) ([]Silence, error) {
	sql := fmt.Sprintf(`SELECT Id, Matchers, toUnixTimestamp64Milli(StartsAt), toUnixTimestamp64Milli(EndsAt),
    CreatedBy, Comment, toUnixTimestamp64Milli(UpdatedAt)
FROM %s.slopipe_silences FINAL
WHERE EndsAt >= fromUnixTimestamp64Milli({ended_since:Int64})
ORDER BY Id`, QuoteIdent(st.Database()))
	rows, err := st.Query(ctx, sql, Params{"ended_since": strconv.FormatInt(unixMilli(endedSince), 10)})
	if err != nil {
		return nil, fmt.Errorf("load silences: %w", err)
	}
	var out []Silence
	err = ScanAll(rows, func(r Rows) error {
		var s Silence
		var startsAt, endsAt, updatedAt int64
		if err := r.Scan(&s.ID, &s.Matchers, &startsAt, &endsAt, &s.CreatedBy, &s.Comment, &updatedAt); err != nil {
			return err
		}
		s.StartsAt, s.EndsAt, s.UpdatedAt = fromUnixMilli(startsAt), fromUnixMilli(endsAt), fromUnixMilli(updatedAt)
		out = append(out, s)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load silences: %w", err)
	}
	return out, nil
}

// NotificationLogEntry is what a receiver was last told about an alert group.
type NotificationLogEntry struct {
	Receiver, GroupKey           string
	FiringAlerts, ResolvedAlerts []string          // fingerprints
	IntegrationState             map[string]string // e.g. a Slack message's channel and ts, per integration
	SentAt                       time.Time         // the entry's version: the newest wins
	ExpiresAt                    time.Time
}

// CheckNotificationLogEntry fails for an entry SaveNotificationLog would
// refuse: no group key, no SentAt, or a time the table cannot hold.
func CheckNotificationLogEntry(e NotificationLogEntry) error {
	switch {
	case e.GroupKey == "":
		return fmt.Errorf("notification log of receiver %q: no group key", e.Receiver)
	case e.SentAt.IsZero():
		return fmt.Errorf("notification log of receiver %q, group %q: no SentAt", e.Receiver, e.GroupKey)
	}
	if err := storable(e.SentAt, e.ExpiresAt); err != nil {
		return fmt.Errorf("notification log of receiver %q, group %q: %w", e.Receiver, e.GroupKey, err)
	}
	return nil
}

// SaveNotificationLog records what receivers were told about groups, all
// entries in one insert (a flush notifying a thousand groups is one write);
// for each receiver and group the newest SentAt is loaded. One entry
// CheckNotificationLogEntry refuses and nothing is written.
func SaveNotificationLog(ctx context.Context, st Store, entries ...NotificationLogEntry) error {
	if len(entries) == 0 {
		return nil
	}
	for _, e := range entries {
		if err := CheckNotificationLogEntry(e); err != nil {
			return fmt.Errorf("save %w", err)
		}
	}
	receiver, groupKey := NewStrings("Receiver"), NewStrings("GroupKey")
	firingFingerprints, resolvedFingerprints := NewStrings(""), NewStrings("")
	firing, resolved := NewArrays("FiringAlerts", firingFingerprints), NewArrays("ResolvedAlerts", resolvedFingerprints)
	state := NewMaps("IntegrationState")
	sentAt, expiresAt := newMilliTimes("SentAt"), newMilliTimes("ExpiresAt")
	for _, e := range entries {
		receiver.Append(e.Receiver)
		groupKey.Append(e.GroupKey)
		firingFingerprints.Append(e.FiringAlerts...)
		firing.EndRow()
		resolvedFingerprints.Append(e.ResolvedAlerts...)
		resolved.EndRow()
		state.AppendMap(e.IntegrationState)
		sentAt.append(e.SentAt)
		expiresAt.append(e.ExpiresAt)
	}
	b := NewBatch("slopipe_notification_log", receiver, groupKey, firing, resolved, state, sentAt, expiresAt)
	if err := st.Insert(ctx, b); err != nil {
		if len(entries) == 1 {
			return fmt.Errorf("save notification log of receiver %q, group %q: %w", entries[0].Receiver, entries[0].GroupKey, err)
		}
		return fmt.Errorf("save notification log, %d entries: %w", len(entries), err)
	}
	return nil
}

// LoadNotificationLog returns the newest entry of every receiver and group
// that expires after now, ordered by receiver and group key. Empty alert
// lists come back nil, an empty IntegrationState as an empty map.
func LoadNotificationLog(ctx context.Context, st Store, now time.Time) ([]NotificationLogEntry, error) {
	sql := fmt.Sprintf(`SELECT toString(Receiver), GroupKey, FiringAlerts, ResolvedAlerts, IntegrationState,
    toUnixTimestamp64Milli(SentAt), toUnixTimestamp64Milli(ExpiresAt)
FROM %s.slopipe_notification_log FINAL
WHERE ExpiresAt > fromUnixTimestamp64Milli({now:Int64})
ORDER BY Receiver, GroupKey`, QuoteIdent(st.Database()))
	rows, err := st.Query(ctx, sql, Params{"now": strconv.FormatInt(unixMilli(now), 10)})
	if err != nil {
		return nil, fmt.Errorf("load notification log: %w", err)
	}
	var out []NotificationLogEntry
	err = ScanAll(rows, func(r Rows) error {
		var e NotificationLogEntry
		var sentAt, expiresAt int64
		if err := r.Scan(&e.Receiver, &e.GroupKey, &e.FiringAlerts, &e.ResolvedAlerts, &e.IntegrationState, &sentAt, &expiresAt); err != nil {
			return err
		}
		e.FiringAlerts, e.ResolvedAlerts = nilIfEmpty(e.FiringAlerts), nilIfEmpty(e.ResolvedAlerts)
		e.IntegrationState = nonNilMap(e.IntegrationState)
		e.SentAt, e.ExpiresAt = fromUnixMilli(sentAt), fromUnixMilli(expiresAt)
		out = append(out, e)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load notification log: %w", err)
	}
	return out, nil
}

// Statuses of a notification attempt.
const (
	NotificationDelivered = "delivered"
	NotificationFailed    = "failed"
	NotificationRetrying  = "retrying"
)

// NotificationAttempt is one attempt to deliver a notification, for
// dashboards and audit.
type NotificationAttempt struct {
	Time                                                   time.Time
	Receiver, Integration, GroupKey, Tenant, SLO, Severity string
	Status                                                 string // NotificationDelivered, NotificationFailed or NotificationRetrying
	Attempt                                                uint32 // 1 for the first try
	HTTPStatus                                             uint16 // 0 when no response came
	Error                                                  string
}

// RecordNotificationAttempts appends attempts to slopipe_notifications.
func RecordNotificationAttempts(ctx context.Context, st Store, rows []NotificationAttempt) error {
	if len(rows) == 0 {
		return nil
	}
	at := newMilliTimes("Time")
	receiver, integration, groupKey := NewStrings("Receiver"), NewStrings("Integration"), NewStrings("GroupKey")
	tenant, slo, severity, status := NewStrings("TenantId"), NewStrings("Slo"), NewStrings("Severity"), NewStrings("Status")
	attempt := NewUInt32s("Attempt")
	httpStatus := &Numbers[uint16]{name: "HttpStatus", chType: "UInt16"}
	errs := NewStrings("Error")
	for _, r := range rows {
		if err := storable(r.Time); err != nil {
			return fmt.Errorf("record notification attempt of receiver %q, group %q: %w", r.Receiver, r.GroupKey, err)
		}
		at.append(r.Time)
		receiver.Append(r.Receiver)
		integration.Append(r.Integration)
		groupKey.Append(r.GroupKey)
		tenant.Append(r.Tenant)
		slo.Append(r.SLO)
		severity.Append(r.Severity)
		status.Append(r.Status)
		attempt.Append(r.Attempt)
		httpStatus.Append(r.HTTPStatus)
		errs.Append(r.Error)
	}
	b := NewBatch("slopipe_notifications", at, receiver, integration, groupKey, tenant, slo, severity, status, attempt, httpStatus, errs)
	if err := st.Insert(ctx, b); err != nil {
		return fmt.Errorf("record notification attempts: %w", err)
	}
	return nil
}

// NotificationAttempts returns the attempts at or after since, of receiver
// ("" for every receiver), oldest first: by Time, then Attempt.
func NotificationAttempts(ctx context.Context, st Store, receiver string, since time.Time) ([]NotificationAttempt, error) {
	sql := fmt.Sprintf(`SELECT toUnixTimestamp64Milli(Time), toString(Receiver), toString(Integration), GroupKey,
    toString(TenantId), toString(Slo), toString(Severity), toString(Status), Attempt, HttpStatus, Error
FROM %s.slopipe_notifications
WHERE Time >= fromUnixTimestamp64Milli({since:Int64})
  AND ({receiver:String} = '' OR Receiver = {receiver:String})
ORDER BY Time, Attempt, Receiver, Integration, GroupKey`, QuoteIdent(st.Database()))
	rows, err := st.Query(ctx, sql, Params{
		"since":    strconv.FormatInt(unixMilli(since), 10),
		"receiver": receiver,
	})
	if err != nil {
		return nil, fmt.Errorf("notification attempts: %w", err)
	}
	var out []NotificationAttempt
	err = ScanAll(rows, func(r Rows) error {
		var a NotificationAttempt
		var at int64
		if err := r.Scan(&at, &a.Receiver, &a.Integration, &a.GroupKey, &a.Tenant, &a.SLO, &a.Severity,
			&a.Status, &a.Attempt, &a.HTTPStatus, &a.Error); err != nil {
			return err
		}
		a.Time = fromUnixMilli(at)
		out = append(out, a)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("notification attempts: %w", err)
	}
	return out, nil
}

// milliTimes is a DateTime64(3) column: times are truncated to the
// millisecond here, so that the store's conversion from nanoseconds is exact.
type milliTimes struct{ *Times }

func newMilliTimes(name string) milliTimes { return milliTimes{NewTimes(name)} }

// append adds t; a zero t is the epoch.
func (c milliTimes) append(t time.Time) { c.Times.Append(unixMilli(t) * 1e6) }

// Times a DateTime64 column can hold and clickhouse-go can send: whole
// milliseconds whose Unix nanoseconds fit in an int64.
var (
	minStorableTime = time.UnixMilli(math.MinInt64 / int64(time.Millisecond))
	maxStorableTime = time.UnixMilli(math.MaxInt64 / int64(time.Millisecond)).Add(time.Millisecond - 1)
)

// storable fails for a time outside 1677-09-21 … 2262-04-11, which would be
// written as another time; a zero time is storable (as the epoch).
func storable(times ...time.Time) error {
	for _, t := range times {
		if !t.IsZero() && (t.Before(minStorableTime) || t.After(maxStorableTime)) {
			return fmt.Errorf("time %s is outside %s … %s", t.Format(time.RFC3339Nano),
				minStorableTime.UTC().Format(time.DateOnly), maxStorableTime.UTC().Format(time.DateOnly))
		}
	}
	return nil
}

// unixMilli is t in Unix milliseconds, rounded down; 0 for a zero t.
func unixMilli(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// fromUnixMilli reverses unixMilli: the epoch is a zero time.
func fromUnixMilli(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

func nonNilMap(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}
