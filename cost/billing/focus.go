package billing

import (
	"time"

	"github.com/slopipe/slopipe/internal/decimal"
)

// focusCategories are the ChargeCategory values of FOCUS 1.0 to 1.2.
var focusCategories = map[string]bool{"Usage": true, "Purchase": true, "Tax": true, "Credit": true, "Adjustment": true}

type focusString struct {
	names    []string // the FOCUS name first, then older or newer spellings
	required bool     // the column must exist and the value be non-empty
	field    func(*LineItem) *string
}

type focusDecimal struct {
	name     string
	required bool // the column must exist and the value be non-empty
	field    func(*LineItem) *decimal.Decimal
}

// focusStrings are the text columns read as they are. ChargeCategory and
// BillingCurrency are checked separately; ServiceName and ProviderName
// must be columns but may be empty on a row (some providers leave them
// empty on tax rows).
var focusStrings = []focusString{
	{names: []string{"BillingAccountId"}, required: true, field: func(l *LineItem) *string { return &l.BillingAccountId }},
	{names: []string{"BillingAccountName"}, field: func(l *LineItem) *string { return &l.BillingAccountName }},
	{names: []string{"SubAccountId"}, field: func(l *LineItem) *string { return &l.SubAccountId }},
	{names: []string{"SubAccountName"}, field: func(l *LineItem) *string { return &l.SubAccountName }},
	{names: []string{"ChargeClass"}, field: func(l *LineItem) *string { return &l.ChargeClass }},
	{names: []string{"ChargeDescription"}, field: func(l *LineItem) *string { return &l.ChargeDescription }},
	{names: []string{"ChargeFrequency"}, field: func(l *LineItem) *string { return &l.ChargeFrequency }},
	{names: []string{"CommitmentDiscountId"}, field: func(l *LineItem) *string { return &l.CommitmentDiscountId }},
	{names: []string{"CommitmentDiscountType"}, field: func(l *LineItem) *string { return &l.CommitmentDiscountType }},
	{names: []string{"CommitmentDiscountCategory"}, field: func(l *LineItem) *string { return &l.CommitmentDiscountCategory }},
	{names: []string{"CommitmentDiscountStatus"}, field: func(l *LineItem) *string { return &l.CommitmentDiscountStatus }},
	{names: []string{"PricingCategory"}, field: func(l *LineItem) *string { return &l.PricingCategory }},
	{names: []string{"PricingUnit"}, field: func(l *LineItem) *string { return &l.PricingUnit }},
	{names: []string{"ConsumedUnit"}, field: func(l *LineItem) *string { return &l.ConsumedUnit }},
	{names: []string{"ProviderName", "ServiceProviderName"}, field: func(l *LineItem) *string { return &l.ProviderName }},
	{names: []string{"PublisherName"}, field: func(l *LineItem) *string { return &l.PublisherName }},
	{names: []string{"InvoiceIssuerName"}, field: func(l *LineItem) *string { return &l.InvoiceIssuerName }},
	{names: []string{"RegionId"}, field: func(l *LineItem) *string { return &l.RegionId }},
	{names: []string{"RegionName"}, field: func(l *LineItem) *string { return &l.RegionName }},
	{names: []string{"ResourceId"}, field: func(l *LineItem) *string { return &l.ResourceId }},
	{names: []string{"ResourceName"}, field: func(l *LineItem) *string { return &l.ResourceName }},
	{names: []string{"ResourceType"}, field: func(l *LineItem) *string { return &l.ResourceType }},
	{names: []string{"ServiceCategory"}, field: func(l *LineItem) *string { return &l.ServiceCategory }},
	{names: []string{"ServiceName"}, field: func(l *LineItem) *string { return &l.ServiceName }},
	{names: []string{"SkuId"}, field: func(l *LineItem) *string { return &l.SkuId }},
	{names: []string{"SkuPriceId"}, field: func(l *LineItem) *string { return &l.SkuPriceId }},
}

// focusColumnsOnly are required as columns, not as values.
var focusColumnsOnly = []string{"ServiceName", "ProviderName"}

var focusDecimals = []focusDecimal{
	{name: "BilledCost", required: true, field: func(l *LineItem) *decimal.Decimal { return &l.BilledCost }},
	{name: "EffectiveCost", required: true, field: func(l *LineItem) *decimal.Decimal { return &l.EffectiveCost }},
	{name: "ListCost", required: true, field: func(l *LineItem) *decimal.Decimal { return &l.ListCost }},
	{name: "ContractedCost", required: true, field: func(l *LineItem) *decimal.Decimal { return &l.ContractedCost }},
	{name: "PricingQuantity", field: func(l *LineItem) *decimal.Decimal { return &l.PricingQuantity }},
	{name: "ConsumedQuantity", field: func(l *LineItem) *decimal.Decimal { return &l.ConsumedQuantity }},
	{name: "ListUnitPrice", field: func(l *LineItem) *decimal.Decimal { return &l.ListUnitPrice }},
	{name: "ContractedUnitPrice", field: func(l *LineItem) *decimal.Decimal { return &l.ContractedUnitPrice }},
}

type focusMapper struct {
	strings  []int
	decimals []int
	// required string columns, value checked non-empty
	billingPeriodStart, billingPeriodEnd int
	chargePeriodStart, chargePeriodEnd   int
	billingCurrency, chargeCategory      int
	tags                                 int
}

func newFOCUSMapper(c *columns) *focusMapper {
	m := &focusMapper{
		billingPeriodStart: c.req("BillingPeriodStart"),
		billingPeriodEnd:   c.req("BillingPeriodEnd"),
		chargePeriodStart:  c.req("ChargePeriodStart"),
		chargePeriodEnd:    c.req("ChargePeriodEnd"),
		billingCurrency:    c.req("BillingCurrency"),
		chargeCategory:     c.req("ChargeCategory"),
		tags:               c.opt("Tags"),
	}
	for _, f := range focusStrings {
		if f.required {
			m.strings = append(m.strings, c.req(f.names...))
		} else {
			m.strings = append(m.strings, c.opt(f.names...))
		}
	}
	for _, name := range focusColumnsOnly {
		c.req(name, alias(name))
	}
	for _, f := range focusDecimals {
		if f.required {
			m.decimals = append(m.decimals, c.req(f.name))
		} else {
			m.decimals = append(m.decimals, c.opt(f.name))
		}
	}
	return m
}

// alias is FOCUS 1.3's name for a column 1.0 to 1.2 call name.
func alias(name string) string {
	if name == "ProviderName" {
		return "ServiceProviderName"
	}
	return name
}

func (m *focusMapper) mapRow(r *row, it *LineItem) {
	it.BillingPeriodStart, it.BillingPeriodEnd = r.period(m.billingPeriodStart, m.billingPeriodEnd)
	it.ChargePeriodStart, it.ChargePeriodEnd = r.period(m.chargePeriodStart, m.chargePeriodEnd)
	it.BillingCurrency = r.currency(m.billingCurrency)
	it.ChargeCategory = r.reqStr(m.chargeCategory)
	if it.ChargeCategory != "" && !focusCategories[it.ChargeCategory] {
		r.fail(m.chargeCategory, "%q is not a FOCUS charge category (Usage, Purchase, Tax, Credit, Adjustment)", it.ChargeCategory)
	}
	for i, f := range focusStrings {
		if f.required {
			*f.field(it) = r.reqStr(m.strings[i])
		} else {
			*f.field(it) = r.str(m.strings[i])
		}
	}
	for i, f := range focusDecimals {
		if f.required {
			*f.field(it) = r.reqDec(m.decimals[i])
		} else {
			*f.field(it) = r.dec(m.decimals[i])
		}
	}
	it.Tags = r.jsonObject(m.tags)
}

// monthBounds is [first day of month, first day of next month) in UTC.
func monthBounds(year int, month time.Month) (time.Time, time.Time) {
	start := time.Date(year, month, 1, 0, 0, 0, 0, time.UTC)
	return start, start.AddDate(0, 1, 0)
}
