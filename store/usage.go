package store

import "context"

// IngestUsage is a batch of rows for slopipe_ingest_usage: items and bytes a
// tenant sent per signal and minute. The table sums rows of the same key, so
// writers append increments and never read first.
type IngestUsage struct {
	batch   *Batch
	tenant  *Strings
	signal  *Strings
	minute  *Times
	items   *Numbers[uint64]
	bytesIn *Numbers[uint64]
}

// NewIngestUsage returns an empty usage batch.
func NewIngestUsage() *IngestUsage {
	u := &IngestUsage{
		tenant:  NewStrings("TenantId"),
		signal:  NewStrings("Signal"),
		minute:  NewDateTimes("Minute"),
		items:   NewUInt64s("Items"),
		bytesIn: NewUInt64s("Bytes"),
	}
	u.batch = NewBatch("slopipe_ingest_usage", u.tenant, u.signal, u.minute, u.items, u.bytesIn)
	return u
}

// Add appends one increment; minuteUnix is the minute's start in Unix seconds.
func (u *IngestUsage) Add(tenant, signal string, minuteUnix int64, items, bytes uint64) {
	u.tenant.Append(tenant)
	u.signal.Append(signal)
	u.minute.Append(minuteUnix * 1e9)
	u.items.Append(items)
	u.bytesIn.Append(bytes)
}

// Reset empties the batch, keeping its memory.
func (u *IngestUsage) Reset() { u.batch.Reset() }

// Insert writes the rows to s.
func (u *IngestUsage) Insert(ctx context.Context, s Store) error { return s.Insert(ctx, u.batch) }
