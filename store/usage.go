package store

import (
	"context"
	"time"
)

// minuteCounts is a batch for the tables that sum two counters per tenant,
// key and minute (SummingMergeTree): writers append increments and never
// read first.
type minuteCounts struct {
	batch  *Batch
	tenant *Strings
	key    *Strings
	minute *Times
	first  *Numbers[uint64]
	second *Numbers[uint64]
}

func newMinuteCounts(table, key, first, second string) minuteCounts {
	c := minuteCounts{
		tenant: NewStrings("TenantId"),
		key:    NewStrings(key),
		minute: NewDateTimes("Minute"),
		first:  NewUInt64s(first),
		second: NewUInt64s(second),
	}
	c.batch = NewBatch(table, c.tenant, c.key, c.minute, c.first, c.second)
	return c
}

// add appends one increment; minuteUnix is the minute's start in Unix seconds.
func (c *minuteCounts) add(tenant, key string, minuteUnix int64, first, second uint64) {
	c.tenant.Append(tenant)
	c.key.Append(key)
	c.minute.Append(minuteUnix * 1e9)
	c.first.Append(first)
	c.second.Append(second)
}

// Reset empties the batch, keeping its memory.
func (c *minuteCounts) Reset() { c.batch.Reset() }

// Insert writes the rows to s.
func (c *minuteCounts) Insert(ctx context.Context, s Store) error { return s.Insert(ctx, c.batch) }

// IngestUsage is a batch for slopipe_ingest_usage: items and bytes a
// tenant sent per signal and minute.
type IngestUsage struct{ minuteCounts }

// NewIngestUsage returns an empty usage batch.
func NewIngestUsage() *IngestUsage {
	return &IngestUsage{newMinuteCounts("slopipe_ingest_usage", "Signal", "Items", "Bytes")}
}

// Add appends one increment; minuteUnix is the minute's start in Unix seconds.
func (u *IngestUsage) Add(tenant, signal string, minuteUnix int64, items, bytes uint64) {
	u.add(tenant, signal, minuteUnix, items, bytes)
}

// SLIEvents is a batch for slopipe_sli_events: good and total events of a
// tenant's SLO per minute.
type SLIEvents struct {
	minuteCounts
	late                *Batch
	lateTenant, lateSLO *Strings
	lateEarliest        *Times
}

// NewSLIEvents returns an empty SLI events batch.
func NewSLIEvents() *SLIEvents {
	e := &SLIEvents{
		minuteCounts: newMinuteCounts("slopipe_sli_events", "Slo", "Good", "Total"),
		lateTenant:   NewStrings("TenantId"),
		lateSLO:      NewStrings("Slo"),
		lateEarliest: NewDateTimes("Earliest"),
	}
	e.late = NewBatch("slopipe_sli_late_events", e.lateTenant, e.lateSLO, e.lateEarliest)
	return e
}

// LateEventsAge is how old a minute's events must be for SLIEvents.Insert
// to announce them in slopipe_sli_late_events. The SLO evaluator recomputes
// the hours holding the last 20 minutes every cycle, so a quarter of an hour
// of margin separates the two.
const LateEventsAge = 5 * time.Minute

// Insert writes the events. Events of minutes older than LateEventsAge at
// now are announced first, in slopipe_sli_late_events, so that the SLO
// evaluator recomputes their hours; if the announcement fails nothing is
// written, and if the events fail the announcement costs only a
// recomputation.
func (e *SLIEvents) Insert(ctx context.Context, s Store, now time.Time) error {
	e.late.Reset()
	type key struct{ tenant, slo string }
	earliest := map[key]int64{}
	cutoff := now.Add(-LateEventsAge).UnixNano()
	for i, m := range e.minute.Data {
		if m >= cutoff {
			continue
		}
		k := key{e.tenant.Data[i], e.key.Data[i]}
		if have, ok := earliest[k]; !ok || m < have {
			earliest[k] = m
		}
	}
	for k, m := range earliest {
		e.lateTenant.Append(k.tenant)
		e.lateSLO.Append(k.slo)
		e.lateEarliest.Append(m)
	}
	if len(earliest) > 0 {
		if err := s.Insert(ctx, e.late); err != nil {
			return err
		}
	}
	return e.minuteCounts.Insert(ctx, s)
}

// Add appends one increment; minuteUnix is the minute's start in Unix seconds.
func (e *SLIEvents) Add(tenant, slo string, minuteUnix int64, good, total uint64) {
	e.add(tenant, slo, minuteUnix, good, total)
}
