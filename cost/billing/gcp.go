package billing

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/slopipe/slopipe/internal/decimal"
)

type gcpMapper struct {
	billingAccount, projectID, projectName int
	service, skuID, skuDescription         int
	usageStart, usageEnd, invoiceMonth     int
	cost, currency, credits, costAtList    int
	costType                               int
	usageAmount, usageUnit                 int
	pricingAmount, pricingUnit             int
	region, location                       int
	resourceName, resourceGlobalName       int
	labels, sellerName                     int
}

func newGCPMapper(c *columns) *gcpMapper {
	return &gcpMapper{
		billingAccount:     c.req("billing_account_id"),
		projectID:          c.opt("project.id"),
		projectName:        c.opt("project.name"),
		service:            c.req("service.description"),
		skuID:              c.opt("sku.id"),
		skuDescription:     c.opt("sku.description"),
		usageStart:         c.req("usage_start_time"),
		usageEnd:           c.req("usage_end_time"),
		invoiceMonth:       c.req("invoice.month"),
		cost:               c.req("cost"),
		currency:           c.req("currency"),
		credits:            c.opt("credits"),
		costAtList:         c.opt("cost_at_list"),
		costType:           c.opt("cost_type"),
		usageAmount:        c.opt("usage.amount"),
		usageUnit:          c.opt("usage.unit"),
		pricingAmount:      c.opt("usage.amount_in_pricing_units"),
		pricingUnit:        c.opt("usage.pricing_unit"),
		region:             c.opt("location.region"),
		location:           c.opt("location.location"),
		resourceName:       c.opt("resource.name"),
		resourceGlobalName: c.opt("resource.global_name"),
		labels:             c.opt("labels"),
		sellerName:         c.opt("seller_name"),
	}
}

// gcpChargeCategory maps cost_type. Usage is the default because the
// standard export of older accounts has no cost_type column.
var gcpChargeCategory = map[string]string{
	"":               "Usage",
	"regular":        "Usage",
	"tax":            "Tax",
	"adjustment":     "Adjustment",
	"rounding_error": "Adjustment",
}

func (m *gcpMapper) mapRow(r *row, it *LineItem) {
	it.BillingAccountId = r.reqStr(m.billingAccount)
	it.SubAccountId = r.str(m.projectID)
	it.SubAccountName = r.str(m.projectName)
	it.ServiceName = r.reqStr(m.service)
	it.SkuId = r.str(m.skuID)
	it.ChargeDescription = r.str(m.skuDescription)
	it.ChargePeriodStart, it.ChargePeriodEnd = r.period(m.usageStart, m.usageEnd)
	it.BillingPeriodStart, it.BillingPeriodEnd = m.invoicePeriod(r)
	it.BillingCurrency = r.currency(m.currency)

	cost := r.reqDec(m.cost)
	it.BilledCost = cost
	it.ContractedCost = cost
	it.EffectiveCost = cost.Add(m.creditsSum(r))
	it.ListCost = cost
	if r.str(m.costAtList) != "" {
		it.ListCost = r.dec(m.costAtList)
	}

	ct := r.str(m.costType)
	category, ok := gcpChargeCategory[ct]
	if !ok {
		category = "Adjustment"
	}
	it.ChargeCategory = category
	if category == "Usage" {
		it.ChargeFrequency = "Usage-Based"
		it.ConsumedQuantity = r.dec(m.usageAmount)
		it.ConsumedUnit = r.str(m.usageUnit)
	}
	it.PricingQuantity = r.dec(m.pricingAmount)
	it.PricingUnit = r.str(m.pricingUnit)

	it.RegionId = r.str(m.region)
	if it.RegionId == "" {
		it.RegionId = r.str(m.location)
	}
	it.ResourceId = r.str(m.resourceGlobalName)
	it.ResourceName = r.str(m.resourceName)
	it.ProviderName = "Google Cloud"
	it.InvoiceIssuerName = "Google Cloud"
	it.PublisherName = r.str(m.sellerName)
	if it.PublisherName == "" {
		it.PublisherName = "Google Cloud"
	}
	it.Tags = m.tags(r)
}

// invoicePeriod reads invoice.month, "YYYYMM", as the month's bounds in
// UTC.
func (m *gcpMapper) invoicePeriod(r *row) (time.Time, time.Time) {
	s := r.reqStr(m.invoiceMonth)
	if s == "" {
		return time.Time{}, time.Time{}
	}
	year, err1 := strconv.Atoi(s[:min(4, len(s))])
	month, err2 := strconv.Atoi(s[min(4, len(s)):])
	if len(s) != 6 || err1 != nil || err2 != nil || month < 1 || month > 12 {
		r.fail(m.invoiceMonth, "%q is not a month as YYYYMM", s)
		return time.Time{}, time.Time{}
	}
	return monthBounds(year, time.Month(month))
}

type gcpCredit struct {
	Amount json.Number `json:"amount"`
}

// creditsSum adds the amounts of the credits column, a JSON array of
// {name, amount, full_name, id, type} (amounts are negative).
func (m *gcpMapper) creditsSum(r *row) decimal.Decimal {
	s := r.str(m.credits)
	if s == "" || s == "[]" || s == "null" {
		return decimal.Zero
	}
	var credits []gcpCredit
	if err := json.Unmarshal([]byte(s), &credits); err != nil {
		r.fail(m.credits, "not a JSON array of credits: %v", jsonProblem(err))
		return decimal.Zero
	}
	sum := decimal.Zero
	for i, c := range credits {
		if c.Amount == "" {
			r.fail(m.credits, "credit %d has no amount", i+1)
			return decimal.Zero
		}
		d, err := parseDecimal(string(c.Amount))
		if err != nil {
			r.fail(m.credits, "credit %d: amount %s is not a decimal number", i+1, c.Amount)
			return decimal.Zero
		}
		sum = sum.Add(d)
	}
	return sum
}

type gcpLabel struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// tags reads labels, a JSON array of {key, value}.
func (m *gcpMapper) tags(r *row) map[string]string {
	s := r.str(m.labels)
	if s == "" || s == "[]" || s == "null" {
		return nil
	}
	var labels []gcpLabel
	if err := json.Unmarshal([]byte(s), &labels); err != nil {
		r.fail(m.labels, "not a JSON array of {key, value}: %v", jsonProblem(err))
		return nil
	}
	if len(labels) == 0 {
		return nil
	}
	tags := make(map[string]string, len(labels))
	for _, l := range labels {
		tags[l.Key] = l.Value
	}
	return tags
}
