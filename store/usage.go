package store

import "context"

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
type SLIEvents struct{ minuteCounts }

// NewSLIEvents returns an empty SLI events batch.
func NewSLIEvents() *SLIEvents {
	return &SLIEvents{newMinuteCounts("slopipe_sli_events", "Slo", "Good", "Total")}
}

// Add appends one increment; minuteUnix is the minute's start in Unix seconds.
func (e *SLIEvents) Add(tenant, slo string, minuteUnix int64, good, total uint64) {
	e.add(tenant, slo, minuteUnix, good, total)
}
