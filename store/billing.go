package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/slopipe/slopipe/internal/decimal"
)

// Billing imports. An import (a billing file, or the files of one
// multi-part export, for one provider) lands whole or not at all, and it
// replaces, for every (provider, billing account, billing period) slice it
// holds, what earlier imports said about that slice:
//
//  1. the line items are written under a new ImportId, in chunks; no reader
//     looks at an ImportId that has not completed;
//  2. the rows the store holds for the ImportId are counted and summed, and
//     must equal what was sent;
//  3. the import completes with one insert of a row per slice into
//     slopipe_billing_imports (one block, one part: all slices at once);
//  4. line items of imports the new one supersedes are deleted, best effort:
//     readers already skip them.
//
// Readers take, per slice, the import that completed last (view
// slopipe_billing_line_items_current). An import that fails before step 3
// leaves what readers see unchanged; its rows are deleted best effort.

// BillingLineItem is one line of a billing file in FOCUS columns. Times are
// whole seconds in UTC; money and quantities are exact.
type BillingLineItem struct {
	BillingAccountId, BillingAccountName string
	SubAccountId, SubAccountName         string
	BillingPeriodStart, BillingPeriodEnd time.Time
	ChargePeriodStart, ChargePeriodEnd   time.Time
	BillingCurrency                      string
	BilledCost, EffectiveCost            decimal.Decimal
	ListCost, ContractedCost             decimal.Decimal
	ChargeCategory, ChargeClass          string
	ChargeDescription, ChargeFrequency   string
	CommitmentDiscountId                 string
	CommitmentDiscountType               string
	CommitmentDiscountCategory           string
	CommitmentDiscountStatus             string
	PricingCategory                      string
	PricingQuantity                      decimal.Decimal
	PricingUnit                          string
	ConsumedQuantity                     decimal.Decimal
	ConsumedUnit                         string
	ListUnitPrice, ContractedUnitPrice   decimal.Decimal
	ProviderName, PublisherName          string
	InvoiceIssuerName                    string
	RegionId, RegionName                 string
	ResourceId, ResourceName             string
	ResourceType                         string
	ServiceCategory, ServiceName         string
	SkuId, SkuPriceId                    string
	Tags                                 map[string]string
}

// BillingImport names one import of a billing file.
type BillingImport struct {
	// ID names this import; empty for a generated one. An ID is used once:
	// importing the same file again is a new import with a new ID.
	ID         string
	Provider   string // e.g. "aws", "gcp", "azure"
	SourceFile string
	ImportedAt time.Time
}

// BillingSlice is what one completed import holds for one (provider,
// billing account, billing period) slice.
type BillingSlice struct {
	ImportId           string
	Provider           string
	BillingAccountId   string
	BillingPeriodStart time.Time
	SourceFile         string
	ImportedAt         time.Time
	CompletedAt        time.Time
	Rows               uint64
	BilledCost         decimal.Decimal
}

// BillingTotal is the cost of the visible line items of one group and
// billing currency.
type BillingTotal struct {
	Group                               string // "" when not grouped
	Currency                            string
	BilledCost, EffectiveCost, ListCost decimal.Decimal
	Rows                                uint64
}

// BillingGroupBy lists the FOCUS columns BillingTotals groups by.
var BillingGroupBy = []string{"ServiceName", "BillingAccountId", "SubAccountId", "ChargeCategory", "BillingCurrency"}

const (
	billingLineItemsTable = "slopipe_billing_line_items"
	billingImportsTable   = "slopipe_billing_imports"
	billingCurrentView    = "slopipe_billing_line_items_current"
	// billingChunkRows bounds the memory of an import: items are encoded and
	// written this many at a time.
	billingChunkRows = 50_000
)

// ImportBilling writes items as one import and completes it, so that the
// slices it holds replace those of earlier imports. It returns, per slice,
// the rows and billed cost written, ordered by account and period.
//
// When the import completed but deleting the line items it supersedes
// failed, the slices come back with an error: the import is visible, and
// the next import of those slices deletes them again. When writing the
// completion itself failed, it may have been written: the import's line
// items are kept, and importing the file again (with a new ID) settles it.
func ImportBilling(ctx context.Context, st Store, imp BillingImport, items []BillingLineItem) ([]BillingSlice, error) {
	if len(items) == 0 {
		return nil, checkBillingImportHeader(imp)
	}
	w, err := BeginBillingImport(ctx, st, imp)
	if err != nil {
		return nil, err
	}
	for i := range items {
		if err := w.Add(ctx, &items[i]); err != nil {
			return nil, errors.Join(err, w.Abort(ctx))
		}
	}
	return w.Commit(ctx)
}

// BillingImporter writes one import as its line items arrive, a chunk at
// a time, so that a file of any size takes the memory of two chunks (one
// filling, one being written). Begin, Add every item, then Commit; Abort,
// or a Commit that fails before its completion is written, deletes what
// was written (a completion whose write failed may have landed: its line
// items stay). Readers see nothing of it before Commit completes it.
type BillingImporter struct {
	st  Store
	imp BillingImport
	// b is the chunk being filled; spare the one being written, then
	// the next to fill.
	b, spare *billingLineItems
	writing  chan error // the result of the write in flight; nil: none
	added    int        // items added, written or not
	held     int        // items added and not written yet
	sums     map[sliceKey]decimal.Decimal
	counts   map[sliceKey]uint64
	// written is true once a chunk may have reached the store: then
	// giving up must delete.
	written bool
}

func checkBillingImportHeader(imp BillingImport) error {
	switch {
	case imp.Provider == "":
		return fmt.Errorf("import billing file %q: no provider", imp.SourceFile)
	case imp.ImportedAt.IsZero():
		return fmt.Errorf("import billing file %q: no ImportedAt", imp.SourceFile)
	}
	if err := storable(imp.ImportedAt); err != nil {
		return fmt.Errorf("import billing file %q: ImportedAt: %w", imp.SourceFile, err)
	}
	return nil
}

// BeginBillingImport starts an import; imp.ID empty gets a new one.
func BeginBillingImport(ctx context.Context, st Store, imp BillingImport) (*BillingImporter, error) {
	if err := checkBillingImportHeader(imp); err != nil {
		return nil, err
	}
	if imp.ID == "" {
		imp.ID = newImportID()
	} else if err := billingImportUnused(foregroundInserts(ctx, st), st, imp.ID); err != nil {
		return nil, err
	}
	return &BillingImporter{st: st, imp: imp, b: newBillingLineItems(), sums: map[sliceKey]decimal.Decimal{}, counts: map[sliceKey]uint64{}}, nil
}

// ID is the import's ID.
func (w *BillingImporter) ID() string { return w.imp.ID }

// Add adds one line item, writing a chunk when one is full. An item the
// store cannot hold is an *InvalidItemError whose Index counts the items
// added before it; the import is then to be aborted.
func (w *BillingImporter) Add(ctx context.Context, it *BillingLineItem) error {
	if err := w.b.append(w.imp, it); err != nil {
		return &InvalidItemError{Index: w.added, Err: err}
	}
	w.added++
	w.held++
	k := sliceKey{it.BillingAccountId, it.BillingPeriodStart.Unix()}
	w.sums[k] = w.sums[k].Add(it.BilledCost)
	w.counts[k]++
	if w.held >= billingChunkRows {
		return w.flush(ctx)
	}
	return nil
}

// flush hands the chunk held to a writer and goes on with an empty one:
// the next chunk is read and encoded while the store writes this one. It
// first waits for the chunk before, so one write at most is in flight.
func (w *BillingImporter) flush(ctx context.Context) error {
	if err := w.wait(); err != nil {
		return err
	}
	n := w.held
	if n == 0 {
		return nil
	}
	w.written = true
	chunk := w.b
	if w.spare == nil {
		w.spare = newBillingLineItems()
	}
	w.b, w.spare = w.spare, chunk
	w.b.batch.Reset()
	w.held = 0
	first, last := w.added-n+1, w.added
	done := make(chan error, 1)
	w.writing = done
	go func() {
		if err := w.st.Insert(foregroundInserts(ctx, w.st), chunk.batch); err != nil {
			done <- fmt.Errorf("import %s of billing file %q: line items %d to %d: %w", w.imp.ID, w.imp.SourceFile, first, last, err)
			return
		}
		done <- nil
	}()
	return nil
}

// wait waits for the chunk in flight, if any, and returns its error.
func (w *BillingImporter) wait() error {
	if w.writing == nil {
		return nil
	}
	err := <-w.writing
	w.writing = nil
	return err
}

// Abort gives the import up: nothing of it becomes visible, and what it
// wrote is deleted (best effort; readers never look at it).
func (w *BillingImporter) Abort(ctx context.Context) error {
	w.wait()
	w.b.batch.Reset()
	w.held = 0
	if !w.written {
		return nil
	}
	if err := deleteBillingLineItems(context.WithoutCancel(ctx), w.st, "ImportId = "+QuoteString(w.imp.ID)); err != nil {
		return fmt.Errorf("import %s of billing file %q: deleting its line items: %w", w.imp.ID, w.imp.SourceFile, err)
	}
	return nil
}

// Commit writes what is left, checks that the store holds every row and
// cent sent, and completes the import: its slices replace those of
// earlier imports. Errors are as ImportBilling's.
func (w *BillingImporter) Commit(ctx context.Context) ([]BillingSlice, error) {
	ctx = foregroundInserts(ctx, w.st)
	imp, st := w.imp, w.st
	if w.added == 0 {
		return nil, nil
	}
	err := w.flush(ctx)
	if err == nil {
		err = w.wait()
	}
	slices := w.slices()
	if err == nil {
		err = checkBillingImport(ctx, st, imp.ID, slices)
	}
	if err == nil {
		var ambiguous bool
		ambiguous, err = completeBillingImport(ctx, st, imp, slices)
		if ambiguous {
			// The completion may have been written: the line items stay,
			// or a visible import could lose its rows.
			return nil, fmt.Errorf("import %s of billing file %q: %w", imp.ID, imp.SourceFile, err)
		}
	}
	if err != nil {
		err = fmt.Errorf("import %s of billing file %q: %w", imp.ID, imp.SourceFile, err)
		return nil, errors.Join(err, w.Abort(ctx))
	}
	if err := deleteSupersededBilling(ctx, st, slices); err != nil {
		return slices, fmt.Errorf("import %s of billing file %q completed; deleting superseded line items: %w", imp.ID, imp.SourceFile, err)
	}
	return slices, nil
}

// slices are what the import holds per slice, ordered by account and
// period.
func (w *BillingImporter) slices() []BillingSlice {
	imp := w.imp
	slices := make([]BillingSlice, 0, len(w.sums))
	for k, sum := range w.sums {
		slices = append(slices, BillingSlice{
			ImportId:           imp.ID,
			Provider:           imp.Provider,
			BillingAccountId:   k.account,
			BillingPeriodStart: time.Unix(k.periodStart, 0).UTC(),
			SourceFile:         imp.SourceFile,
			ImportedAt:         imp.ImportedAt.Truncate(time.Millisecond).UTC(),
			Rows:               w.counts[k],
			BilledCost:         sum,
		})
	}
	sort.Slice(slices, func(i, j int) bool {
		a, b := slices[i], slices[j]
		if a.BillingAccountId != b.BillingAccountId {
			return a.BillingAccountId < b.BillingAccountId
		}
		return a.BillingPeriodStart.Before(b.BillingPeriodStart)
	})
	return slices
}

func newImportID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// billingImportUnused fails if id completed before or has line items left
// by a failed attempt: those would become visible with the new import.
func billingImportUnused(ctx context.Context, st Store, id string) error {
	for _, table := range []string{billingImportsTable, billingLineItemsTable} {
		n, err := queryCount(ctx, st, fmt.Sprintf("SELECT count() FROM %s.%s WHERE ImportId = {import:String}",
			QuoteIdent(st.Database()), QuoteIdent(table)), Params{"import": id})
		if err != nil {
			return fmt.Errorf("import %s: %w", id, err)
		}
		if n > 0 {
			return fmt.Errorf("import %s: the ID was used before (%d rows in %s); an import takes a new ID", id, n, table)
		}
	}
	return nil
}

func queryCount(ctx context.Context, st Store, sql string, params Params) (uint64, error) {
	rows, err := st.Query(ctx, sql, params)
	if err != nil {
		return 0, err
	}
	var n uint64
	err = ScanAll(rows, func(r Rows) error { return r.Scan(&n) })
	return n, err
}

// sliceKey is a slice within one import (whose provider is the import's).
type sliceKey struct {
	account     string
	periodStart int64 // Unix seconds
}

// InvalidItemError is a line item the store cannot hold (a time outside
// 1970–2106, an amount past 38 digits): the file's fault, not the store's.
type InvalidItemError struct {
	Index int // in the items given
	Err   error
}

func (e *InvalidItemError) Error() string { return fmt.Sprintf("line item %d: %v", e.Index+1, e.Err) }
func (e *InvalidItemError) Unwrap() error { return e.Err }

// checkBillingImport compares what the store holds for the import with
// what was sent, slice by slice, to the row and to the last digit.
func checkBillingImport(ctx context.Context, st Store, id string, slices []BillingSlice) error {
	sql := fmt.Sprintf(`SELECT BillingAccountId, toInt64(toUnixTimestamp(BillingPeriodStart)), count(),
    toString(sum(CAST(BilledCost, 'Decimal(76, 10)')))
FROM %s.%s
WHERE ImportId = {import:String}
GROUP BY BillingAccountId, BillingPeriodStart`, QuoteIdent(st.Database()), QuoteIdent(billingLineItemsTable))
	rows, err := st.Query(ctx, sql, Params{"import": id})
	if err != nil {
		return fmt.Errorf("check line items: %w", err)
	}
	type stored struct {
		rows uint64
		cost string
	}
	held := map[sliceKey]stored{}
	err = ScanAll(rows, func(r Rows) error {
		var k sliceKey
		var s stored
		if err := r.Scan(&k.account, &k.periodStart, &s.rows, &s.cost); err != nil {
			return err
		}
		held[k] = s
		return nil
	})
	if err != nil {
		return fmt.Errorf("check line items: %w", err)
	}
	if len(held) != len(slices) {
		return fmt.Errorf("check line items: %d slices sent, %d stored", len(slices), len(held))
	}
	for _, s := range slices {
		h := held[sliceKey{s.BillingAccountId, s.BillingPeriodStart.Unix()}]
		cost, err := decimal.Parse(h.cost)
		if err != nil || h.rows != s.Rows || cost.Cmp(s.BilledCost) != 0 {
			return fmt.Errorf("check line items: account %s, period %s: sent %d rows costing %s, stored %d costing %s",
				s.BillingAccountId, s.BillingPeriodStart.Format(time.DateOnly), s.Rows, s.BilledCost, h.rows, h.cost)
		}
	}
	return nil
}

// completeBillingImport makes the import visible: one insert of a row per
// slice. CompletedAt is after every completion already recorded for the
// slices, so the import wins over them even if clocks disagree.
// ambiguous is true when the insert itself failed: it may have been written.
func completeBillingImport(ctx context.Context, st Store, imp BillingImport, slices []BillingSlice) (ambiguous bool, err error) {
	sql := fmt.Sprintf(`SELECT toUnixTimestamp64Milli(max(CompletedAt))
FROM %s.%s
WHERE Provider = {provider:String} AND BillingAccountId IN {accounts:Array(String)}`,
		QuoteIdent(st.Database()), QuoteIdent(billingImportsTable))
	rows, err := st.Query(ctx, sql, Params{"provider": imp.Provider, "accounts": Param(sliceAccounts(slices))})
	if err != nil {
		return false, fmt.Errorf("complete: %w", err)
	}
	var latest int64
	if err := ScanAll(rows, func(r Rows) error { return r.Scan(&latest) }); err != nil {
		return false, fmt.Errorf("complete: %w", err)
	}
	completedAt := time.Now().UTC().Truncate(time.Millisecond)
	if completedAt.UnixMilli() <= latest {
		completedAt = time.UnixMilli(latest + 1).UTC()
	}

	id, provider, account, sourceFile := NewStrings("ImportId"), NewStrings("Provider"), NewStrings("BillingAccountId"), NewStrings("SourceFile")
	periodStart := NewDateTimes("BillingPeriodStart")
	importedAt, completed := newMilliTimes("ImportedAt"), newMilliTimes("CompletedAt")
	count, cost := NewUInt64s("Rows"), NewDecimals("BilledCost")
	for i := range slices {
		s := &slices[i]
		s.CompletedAt = completedAt
		if err := cost.Append(s.BilledCost); err != nil {
			return false, fmt.Errorf("complete: account %s, period %s: billed cost: %w",
				s.BillingAccountId, s.BillingPeriodStart.Format(time.DateOnly), err)
		}
		id.Append(s.ImportId)
		provider.Append(s.Provider)
		account.Append(s.BillingAccountId)
		periodStart.AppendTime(s.BillingPeriodStart)
		sourceFile.Append(s.SourceFile)
		importedAt.append(s.ImportedAt)
		completed.append(completedAt)
		count.Append(s.Rows)
	}
	b := NewBatch(billingImportsTable, id, provider, account, periodStart, sourceFile, importedAt, count, cost, completed)
	if err := st.Insert(ctx, b); err != nil {
		return true, fmt.Errorf("complete: %w", err)
	}
	return false, nil
}

func sliceAccounts(slices []BillingSlice) []string {
	var accounts []string
	for _, s := range slices {
		if len(accounts) == 0 || accounts[len(accounts)-1] != s.BillingAccountId {
			accounts = append(accounts, s.BillingAccountId)
		}
	}
	return accounts
}

// deleteSupersededBilling deletes the line items of the imports that
// completed before the given ones, slice by slice. Later imports cannot
// make them current again, so this races with no reader or writer.
func deleteSupersededBilling(ctx context.Context, st Store, slices []BillingSlice) error {
	if len(slices) == 0 {
		return nil
	}
	conds := make([]string, len(slices))
	params := Params{"provider": slices[0].Provider}
	for i, s := range slices {
		n := strconv.Itoa(i)
		conds[i] = fmt.Sprintf("(BillingAccountId = {a%s:String} AND BillingPeriodStart = fromUnixTimestamp({p%s:Int64}) AND (CompletedAt, ImportId) < (fromUnixTimestamp64Milli({c%s:Int64}), {i%s:String}))", n, n, n, n)
		params["a"+n] = s.BillingAccountId
		params["p"+n] = strconv.FormatInt(s.BillingPeriodStart.Unix(), 10)
		params["c"+n] = strconv.FormatInt(s.CompletedAt.UnixMilli(), 10)
		params["i"+n] = s.ImportId
	}
	sql := fmt.Sprintf(`SELECT BillingAccountId, toInt64(toUnixTimestamp(BillingPeriodStart)), ImportId
FROM %s.%s
WHERE Provider = {provider:String} AND (%s)`,
		QuoteIdent(st.Database()), QuoteIdent(billingImportsTable), strings.Join(conds, "\n    OR "))
	rows, err := st.Query(ctx, sql, params)
	if err != nil {
		return err
	}
	var superseded []string
	err = ScanAll(rows, func(r Rows) error {
		var account, id string
		var periodStart int64
		if err := r.Scan(&account, &periodStart, &id); err != nil {
			return err
		}
		superseded = append(superseded, "("+QuoteString(account)+", "+strconv.FormatInt(periodStart, 10)+", "+QuoteString(id)+")")
		return nil
	})
	if err != nil || len(superseded) == 0 {
		return err
	}
	return deleteBillingLineItems(ctx, st, fmt.Sprintf(
		"Provider = %s AND (BillingAccountId, toInt64(toUnixTimestamp(BillingPeriodStart)), ImportId) IN (%s)",
		QuoteString(slices[0].Provider), strings.Join(superseded, ", ")))
}

// deleteBillingLineItems starts a mutation deleting the line items that
// match where, and does not wait for it: nothing reads them any more. where
// holds quoted literals, not parameters: a mutation outlives its query.
func deleteBillingLineItems(ctx context.Context, st Store, where string) error {
	table, onCluster := QuoteIdent(st.Database())+"."+QuoteIdent(billingLineItemsTable), ""
	if s, ok := Underlying(st).(*Server); ok && s.Cluster() != "" {
		table = QuoteIdent(st.Database()) + "." + QuoteIdent(billingLineItemsTable+"_local")
		onCluster = " ON CLUSTER " + QuoteIdent(s.Cluster())
	}
	return st.Exec(ctx, "ALTER TABLE "+table+onCluster+" DELETE WHERE "+where+" SETTINGS mutations_sync = 0", nil)
}

// billingLineItems is a batch for slopipe_billing_line_items.
type billingLineItems struct {
	batch *Batch

	provider, importID, sourceFile                   *Strings
	importedAt                                       milliTimes
	accountID, accountName, subAccountID, subAccount *Strings
	billingStart, billingEnd, chargeStart, chargeEnd *Times
	currency                                         *Strings
	billed, effective, list, contracted              *Decimals
	category, class, description, frequency          *Strings
	cdID, cdType, cdCategory, cdStatus               *Strings
	pricingCategory                                  *Strings
	pricingQuantity                                  *Decimals
	pricingUnit                                      *Strings
	consumedQuantity                                 *Decimals
	consumedUnit                                     *Strings
	listUnitPrice, contractedUnitPrice               *Decimals
	providerName, publisher, invoiceIssuer           *Strings
	regionID, regionName                             *Strings
	resourceID, resourceName, resourceType           *Strings
	serviceCategory, serviceName                     *Strings
	skuID, skuPriceID                                *Strings
	tags                                             *Maps
}

func newBillingLineItems() *billingLineItems {
	b := &billingLineItems{
		provider: NewStrings("Provider"), importID: NewStrings("ImportId"), sourceFile: NewStrings("SourceFile"),
		importedAt: newMilliTimes("ImportedAt"),
		accountID:  NewStrings("BillingAccountId"), accountName: NewStrings("BillingAccountName"),
		subAccountID: NewStrings("SubAccountId"), subAccount: NewStrings("SubAccountName"),
		billingStart: NewDateTimes("BillingPeriodStart"), billingEnd: NewDateTimes("BillingPeriodEnd"),
		chargeStart: NewDateTimes("ChargePeriodStart"), chargeEnd: NewDateTimes("ChargePeriodEnd"),
		currency: NewStrings("BillingCurrency"),
		billed:   NewDecimals("BilledCost"), effective: NewDecimals("EffectiveCost"),
		list: NewDecimals("ListCost"), contracted: NewDecimals("ContractedCost"),
		category: NewStrings("ChargeCategory"), class: NewStrings("ChargeClass"),
		description: NewStrings("ChargeDescription"), frequency: NewStrings("ChargeFrequency"),
		cdID: NewStrings("CommitmentDiscountId"), cdType: NewStrings("CommitmentDiscountType"),
		cdCategory: NewStrings("CommitmentDiscountCategory"), cdStatus: NewStrings("CommitmentDiscountStatus"),
		pricingCategory: NewStrings("PricingCategory"), pricingQuantity: NewDecimals("PricingQuantity"),
		pricingUnit: NewStrings("PricingUnit"), consumedQuantity: NewDecimals("ConsumedQuantity"),
		consumedUnit: NewStrings("ConsumedUnit"), listUnitPrice: NewDecimals("ListUnitPrice"),
		contractedUnitPrice: NewDecimals("ContractedUnitPrice"),
		providerName:        NewStrings("ProviderName"), publisher: NewStrings("PublisherName"),
		invoiceIssuer: NewStrings("InvoiceIssuerName"),
		regionID:      NewStrings("RegionId"), regionName: NewStrings("RegionName"),
		resourceID: NewStrings("ResourceId"), resourceName: NewStrings("ResourceName"), resourceType: NewStrings("ResourceType"),
		serviceCategory: NewStrings("ServiceCategory"), serviceName: NewStrings("ServiceName"),
		skuID: NewStrings("SkuId"), skuPriceID: NewStrings("SkuPriceId"),
		tags: NewMaps("Tags"),
	}
	b.batch = NewBatch(billingLineItemsTable,
		b.provider, b.importID, b.sourceFile, b.importedAt,
		b.accountID, b.accountName, b.subAccountID, b.subAccount,
		b.billingStart, b.billingEnd, b.chargeStart, b.chargeEnd, b.currency,
		b.billed, b.effective, b.list, b.contracted,
		b.category, b.class, b.description, b.frequency,
		b.cdID, b.cdType, b.cdCategory, b.cdStatus,
		b.pricingCategory, b.pricingQuantity, b.pricingUnit, b.consumedQuantity, b.consumedUnit,
		b.listUnitPrice, b.contractedUnitPrice,
		b.providerName, b.publisher, b.invoiceIssuer, b.regionID, b.regionName,
		b.resourceID, b.resourceName, b.resourceType, b.serviceCategory, b.serviceName,
		b.skuID, b.skuPriceID, b.tags)
	return b
}

// append adds one line item, or fails leaving the batch with columns of
// unequal length: the caller abandons the batch.
func (b *billingLineItems) append(imp BillingImport, it *BillingLineItem) error {
	for _, d := range []struct {
		name string
		col  *Decimals
		v    decimal.Decimal
	}{
		{"BilledCost", b.billed, it.BilledCost}, {"EffectiveCost", b.effective, it.EffectiveCost},
		{"ListCost", b.list, it.ListCost}, {"ContractedCost", b.contracted, it.ContractedCost},
		{"PricingQuantity", b.pricingQuantity, it.PricingQuantity}, {"ConsumedQuantity", b.consumedQuantity, it.ConsumedQuantity},
		{"ListUnitPrice", b.listUnitPrice, it.ListUnitPrice}, {"ContractedUnitPrice", b.contractedUnitPrice, it.ContractedUnitPrice},
	} {
		if err := d.col.Append(d.v); err != nil {
			return fmt.Errorf("%s: %w", d.name, err)
		}
	}
	for _, t := range []struct {
		name string
		col  *Times
		v    time.Time
	}{
		{"BillingPeriodStart", b.billingStart, it.BillingPeriodStart}, {"BillingPeriodEnd", b.billingEnd, it.BillingPeriodEnd},
		{"ChargePeriodStart", b.chargeStart, it.ChargePeriodStart}, {"ChargePeriodEnd", b.chargeEnd, it.ChargePeriodEnd},
	} {
		if s := t.v.Unix(); t.v.IsZero() || s < 0 || s > math.MaxUint32 {
			return fmt.Errorf("%s: %s is not a time DateTime holds (1970 … 2106)", t.name, t.v.Format(time.RFC3339))
		}
		t.col.Append(t.v.Unix() * 1e9)
	}
	b.provider.Append(imp.Provider)
	b.importID.Append(imp.ID)
	b.sourceFile.Append(imp.SourceFile)
	b.importedAt.append(imp.ImportedAt)
	b.accountID.Append(it.BillingAccountId)
	b.accountName.Append(it.BillingAccountName)
	b.subAccountID.Append(it.SubAccountId)
	b.subAccount.Append(it.SubAccountName)
	b.currency.Append(it.BillingCurrency)
	b.category.Append(it.ChargeCategory)
	b.class.Append(it.ChargeClass)
	b.description.Append(it.ChargeDescription)
	b.frequency.Append(it.ChargeFrequency)
	b.cdID.Append(it.CommitmentDiscountId)
	b.cdType.Append(it.CommitmentDiscountType)
	b.cdCategory.Append(it.CommitmentDiscountCategory)
	b.cdStatus.Append(it.CommitmentDiscountStatus)
	b.pricingCategory.Append(it.PricingCategory)
	b.pricingUnit.Append(it.PricingUnit)
	b.consumedUnit.Append(it.ConsumedUnit)
	b.providerName.Append(it.ProviderName)
	b.publisher.Append(it.PublisherName)
	b.invoiceIssuer.Append(it.InvoiceIssuerName)
	b.regionID.Append(it.RegionId)
	b.regionName.Append(it.RegionName)
	b.resourceID.Append(it.ResourceId)
	b.resourceName.Append(it.ResourceName)
	b.resourceType.Append(it.ResourceType)
	b.serviceCategory.Append(it.ServiceCategory)
	b.serviceName.Append(it.ServiceName)
	b.skuID.Append(it.SkuId)
	b.skuPriceID.Append(it.SkuPriceId)
	b.tags.AppendMap(it.Tags)
	return nil
}

// billingGroupColumns maps BillingGroupBy to the column read: the only
// text BillingTotals puts into its SQL.
var billingGroupColumns = map[string]string{
	"":                 "''",
	"ServiceName":      "toString(ServiceName)",
	"BillingAccountId": "BillingAccountId",
	"SubAccountId":     "SubAccountId",
	"ChargeCategory":   "toString(ChargeCategory)",
	"BillingCurrency":  "toString(BillingCurrency)",
}

// BillingTotals sums the billed, effective and list cost of the visible
// line items whose ChargePeriodStart is in [from, to), per billing currency
// and, unless groupBy is "", per value of the FOCUS column groupBy (one of
// BillingGroupBy). Ordered by group, then currency.
func BillingTotals(ctx context.Context, st Store, from, to time.Time, groupBy string) ([]BillingTotal, error) {
	column, ok := billingGroupColumns[groupBy]
	if !ok {
		return nil, fmt.Errorf("billing totals: cannot group by %q: use one of %s", groupBy, strings.Join(BillingGroupBy, ", "))
	}
	// Sums are Decimal(76, 10): a total past 38 digits is an error below,
	// never a wrapped number.
	sql := fmt.Sprintf(`SELECT %s AS Grp, toString(BillingCurrency) AS Currency,
    toString(sum(CAST(BilledCost, 'Decimal(76, 10)'))),
    toString(sum(CAST(EffectiveCost, 'Decimal(76, 10)'))),
    toString(sum(CAST(ListCost, 'Decimal(76, 10)'))),
    count()
FROM %s.%s
WHERE toInt64(toUnixTimestamp(ChargePeriodStart)) >= {from:Int64}
  AND toInt64(toUnixTimestamp(ChargePeriodStart)) < {to:Int64}
GROUP BY Grp, Currency
ORDER BY Grp, Currency`, column, QuoteIdent(st.Database()), QuoteIdent(billingCurrentView))
	rows, err := st.Query(ctx, sql, Params{
		"from": strconv.FormatInt(ceilUnix(from), 10),
		"to":   strconv.FormatInt(ceilUnix(to), 10),
	})
	if err != nil {
		return nil, fmt.Errorf("billing totals: %w", err)
	}
	var out []BillingTotal
	err = ScanAll(rows, func(r Rows) error {
		var t BillingTotal
		var billed, effective, list string
		if err := r.Scan(&t.Group, &t.Currency, &billed, &effective, &list, &t.Rows); err != nil {
			return err
		}
		for _, d := range []struct {
			dst *decimal.Decimal
			s   string
		}{{&t.BilledCost, billed}, {&t.EffectiveCost, effective}, {&t.ListCost, list}} {
			v, err := decimal.Parse(d.s)
			if err != nil {
				return fmt.Errorf("group %q, currency %q: %w", t.Group, t.Currency, err)
			}
			*d.dst = v
		}
		out = append(out, t)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("billing totals: %w", err)
	}
	return out, nil
}

// ceilUnix is the first whole second at or after t: ChargePeriodStart holds
// whole seconds.
func ceilUnix(t time.Time) int64 {
	s := t.Unix()
	if t.Nanosecond() > 0 {
		s++
	}
	return s
}

// BillingImports lists the slices of the limit most recently completed
// imports (0 for all), newest import first, then by provider, account and
// billing period.
func BillingImports(ctx context.Context, st Store, limit int) ([]BillingSlice, error) {
	if limit < 0 {
		return nil, fmt.Errorf("billing imports: negative limit %d", limit)
	}
	if limit == 0 {
		limit = math.MaxInt
	}
	db := QuoteIdent(st.Database())
	table := db + "." + QuoteIdent(billingImportsTable)
	sql := fmt.Sprintf(`SELECT ImportId, toString(Provider), BillingAccountId, toInt64(toUnixTimestamp(BillingPeriodStart)),
    SourceFile, toUnixTimestamp64Milli(ImportedAt), toUnixTimestamp64Milli(CompletedAt), Rows, toString(BilledCost)
FROM %s
WHERE ImportId GLOBAL IN (
    SELECT ImportId FROM %s GROUP BY ImportId
    ORDER BY max(CompletedAt) DESC, ImportId DESC
    LIMIT {limit:UInt64})
ORDER BY CompletedAt DESC, ImportId DESC, Provider, BillingAccountId, BillingPeriodStart`, table, table)
	rows, err := st.Query(ctx, sql, Params{"limit": strconv.Itoa(limit)})
	if err != nil {
		return nil, fmt.Errorf("billing imports: %w", err)
	}
	var out []BillingSlice
	err = ScanAll(rows, func(r Rows) error {
		var s BillingSlice
		var periodStart, importedAt, completedAt int64
		var cost string
		if err := r.Scan(&s.ImportId, &s.Provider, &s.BillingAccountId, &periodStart, &s.SourceFile,
			&importedAt, &completedAt, &s.Rows, &cost); err != nil {
			return err
		}
		v, err := decimal.Parse(cost)
		if err != nil {
			return fmt.Errorf("import %s: billed cost: %w", s.ImportId, err)
		}
		s.BilledCost = v
		s.BillingPeriodStart = time.Unix(periodStart, 0).UTC()
		s.ImportedAt, s.CompletedAt = fromUnixMilli(importedAt), fromUnixMilli(completedAt)
		out = append(out, s)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("billing imports: %w", err)
	}
	return out, nil
}
