package billing

import (
	"sort"
	"strings"

	"github.com/slopipe/slopipe/internal/decimal"
)

// curChargeCategory maps line_item_line_item_type to a FOCUS
// ChargeCategory. Types not listed (AWS adds some now and then) become
// Adjustment rather than refusing the bill.
var curChargeCategory = map[string]string{
	"Usage":                   "Usage",
	"SavingsPlanCoveredUsage": "Usage",
	"SavingsPlanNegation":     "Usage",
	"DiscountedUsage":         "Usage",
	"Fee":                     "Purchase",
	"RIFee":                   "Purchase",
	"SavingsPlanRecurringFee": "Purchase",
	"SavingsPlanUpfrontFee":   "Purchase",
	"Tax":                     "Tax",
	"Credit":                  "Credit",
	"Refund":                  "Credit",
	"BundledDiscount":         "Credit",
	"Discount":                "Credit",
	"EdpDiscount":             "Credit",
	"PrivateRateDiscount":     "Credit",
	"DistributorDiscount":     "Credit",
	"SppDiscount":             "Credit",
	"RiVolumeDiscount":        "Credit",
}

// curServiceCategory is the FOCUS ServiceCategory of the most common AWS
// service codes; others are left empty.
var curServiceCategory = map[string]string{
	"AmazonEC2":            "Compute",
	"AWSLambda":            "Compute",
	"AmazonECS":            "Compute",
	"AmazonEKS":            "Compute",
	"AWSFargate":           "Compute",
	"AmazonS3":             "Storage",
	"AmazonEFS":            "Storage",
	"AmazonRDS":            "Databases",
	"AmazonDynamoDB":       "Databases",
	"AmazonElastiCache":    "Databases",
	"AmazonRedshift":       "Analytics",
	"AmazonVPC":            "Networking",
	"AWSDataTransfer":      "Networking",
	"AmazonCloudFront":     "Networking",
	"AmazonRoute53":        "Networking",
	"AmazonCloudWatch":     "Management and Governance",
	"AWSCloudTrail":        "Management and Governance",
	"awskms":               "Security",
	"AWSSupportBusiness":   "Other",
	"AWSSupportEnterprise": "Other",
}

type curMapper struct {
	payerAccount, payerAccountName                             int
	usageAccount, usageAccountName                             int
	billingPeriodStart, billingPeriodEnd                       int
	usageStart, usageEnd                                       int
	currency, lineItemType, description                        int
	unblendedCost, netUnblendedCost, unblendedRate             int
	usageAmount                                                int
	publicOnDemandCost, publicOnDemandRate                     int
	pricingUnit, pricingTerm, rateCode, rateID                 int
	spARN, spEffectiveCost, spTotalCommitment, spUsed          int
	riARN, riEffectiveCost, riUnusedUpfront, riUnusedRecurring int
	billType, legalEntity, invoicingEntity                     int
	regionCode, location                                       int
	serviceCode, productCode, resourceID, sku                  int
	resourceTags                                               int
	tagColumns                                                 []curTagColumn
}

// curTagColumn is a resource_tags_user_* or resource_tags_aws_* column,
// the flattened form some CUR 2.0 queries and Athena tables write.
type curTagColumn struct {
	col int
	key string
}

func newCURMapper(c *columns) *curMapper {
	m := &curMapper{
		payerAccount:       c.req("bill_payer_account_id"),
		payerAccountName:   c.opt("bill_payer_account_name"),
		usageAccount:       c.req("line_item_usage_account_id"),
		usageAccountName:   c.opt("line_item_usage_account_name"),
		billingPeriodStart: c.req("bill_billing_period_start_date"),
		billingPeriodEnd:   c.req("bill_billing_period_end_date"),
		usageStart:         c.req("line_item_usage_start_date"),
		usageEnd:           c.req("line_item_usage_end_date"),
		currency:           c.req("line_item_currency_code"),
		lineItemType:       c.req("line_item_line_item_type"),
		description:        c.opt("line_item_line_item_description"),
		unblendedCost:      c.req("line_item_unblended_cost"),
		netUnblendedCost:   c.opt("line_item_net_unblended_cost"),
		unblendedRate:      c.opt("line_item_unblended_rate"),
		usageAmount:        c.opt("line_item_usage_amount"),
		publicOnDemandCost: c.opt("pricing_public_on_demand_cost"),
		publicOnDemandRate: c.opt("pricing_public_on_demand_rate"),
		pricingUnit:        c.opt("pricing_unit"),
		pricingTerm:        c.opt("pricing_term"),
		rateCode:           c.opt("pricing_rate_code"),
		rateID:             c.opt("pricing_rate_id"),
		spARN:              c.opt("savings_plan_savings_plan_a_r_n"),
		spEffectiveCost:    c.opt("savings_plan_savings_plan_effective_cost"),
		spTotalCommitment:  c.opt("savings_plan_total_commitment_to_date"),
		spUsed:             c.opt("savings_plan_used_commitment"),
		riARN:              c.opt("reservation_reservation_a_r_n"),
		riEffectiveCost:    c.opt("reservation_effective_cost"),
		riUnusedUpfront:    c.opt("reservation_unused_amortized_upfront_fee_for_billing_period"),
		riUnusedRecurring:  c.opt("reservation_unused_recurring_fee"),
		billType:           c.opt("bill_bill_type"),
		legalEntity:        c.opt("line_item_legal_entity"),
		invoicingEntity:    c.opt("bill_invoicing_entity"),
		regionCode:         c.opt("product_region_code"),
		location:           c.opt("product_location"),
		serviceCode:        c.opt("product_servicecode"),
		productCode:        c.opt("line_item_product_code"),
		resourceID:         c.opt("line_item_resource_id"),
		sku:                c.opt("product_sku"),
		resourceTags:       c.opt("resource_tags"),
	}
	for name, i := range c.withPrefix("resource_tags_") {
		m.tagColumns = append(m.tagColumns, curTagColumn{col: i, key: curTagKey(strings.TrimPrefix(name, "resource_tags_"))})
	}
	// Header order, so that the later of two columns naming one key wins
	// every time.
	sort.Slice(m.tagColumns, func(a, b int) bool { return m.tagColumns[a].col < m.tagColumns[b].col })
	return m
}

// curTagKey turns CUR 2.0's "user_team" (a map key, or the tail of a
// resource_tags_user_team column) into the "user:team" the AWS console
// and legacy CUR show; keys without a known prefix are kept.
func curTagKey(k string) string {
	for _, p := range []string{"user", "aws"} {
		if rest, ok := strings.CutPrefix(k, p+"_"); ok && rest != "" {
			return p + ":" + rest
		}
	}
	return k
}

func (m *curMapper) mapRow(r *row, it *LineItem) {
	it.BillingAccountId = r.reqStr(m.payerAccount)
	it.BillingAccountName = r.str(m.payerAccountName)
	it.SubAccountId = r.reqStr(m.usageAccount)
	it.SubAccountName = r.str(m.usageAccountName)
	it.BillingPeriodStart, it.BillingPeriodEnd = r.period(m.billingPeriodStart, m.billingPeriodEnd)
	it.ChargePeriodStart, it.ChargePeriodEnd = r.period(m.usageStart, m.usageEnd)
	it.BillingCurrency = r.currency(m.currency)
	it.ChargeDescription = r.str(m.description)

	typ := r.reqStr(m.lineItemType)
	category, known := curChargeCategory[typ]
	if !known {
		category = "Adjustment"
	}
	it.ChargeCategory = category

	unblended := r.reqDec(m.unblendedCost)
	it.BilledCost = unblended
	if r.str(m.netUnblendedCost) != "" {
		it.BilledCost = r.dec(m.netUnblendedCost)
	}
	it.ContractedCost = unblended
	it.ContractedUnitPrice = r.dec(m.unblendedRate)
	it.ListCost = r.dec(m.publicOnDemandCost)
	it.ListUnitPrice = r.dec(m.publicOnDemandRate)
	it.EffectiveCost = m.effectiveCost(r, typ, it.BilledCost)

	it.PricingQuantity = r.dec(m.usageAmount)
	it.PricingUnit = r.str(m.pricingUnit)
	if category == "Usage" {
		it.ConsumedQuantity = it.PricingQuantity
		it.ConsumedUnit = it.PricingUnit
	}

	switch {
	case typ == "SavingsPlanCoveredUsage" || typ == "SavingsPlanNegation" || typ == "DiscountedUsage":
		it.PricingCategory = "Committed"
	case category == "Usage" && r.str(m.pricingTerm) == "Spot":
		it.PricingCategory = "Dynamic"
	case category == "Usage":
		it.PricingCategory = "Standard"
	}

	switch {
	case category == "Usage":
		it.ChargeFrequency = "Usage-Based"
	case r.str(m.billType) == "Anniversary":
		it.ChargeFrequency = "Recurring"
	case r.str(m.billType) == "Purchase" || r.str(m.billType) == "Refund":
		it.ChargeFrequency = "One-Time"
	}

	if arn := r.str(m.spARN); arn != "" {
		it.CommitmentDiscountId, it.CommitmentDiscountType, it.CommitmentDiscountCategory = arn, "Savings Plan", "Spend"
	} else if arn := r.str(m.riARN); arn != "" {
		it.CommitmentDiscountId, it.CommitmentDiscountType, it.CommitmentDiscountCategory = arn, "Reservation", "Usage"
	}
	if typ == "SavingsPlanCoveredUsage" || typ == "DiscountedUsage" {
		it.CommitmentDiscountStatus = "Used"
	}

	it.ProviderName = "AWS"
	it.PublisherName = r.str(m.legalEntity)
	it.InvoiceIssuerName = r.str(m.invoicingEntity)
	it.RegionId = r.str(m.regionCode)
	it.RegionName = r.str(m.location)
	it.ResourceId = r.str(m.resourceID)
	it.ServiceName = r.str(m.serviceCode)
	if it.ServiceName == "" {
		it.ServiceName = r.str(m.productCode)
	}
	it.ServiceCategory = curServiceCategory[it.ServiceName]
	it.SkuId = r.str(m.sku)
	it.SkuPriceId = r.str(m.rateCode)
	if it.SkuPriceId == "" {
		it.SkuPriceId = r.str(m.rateID)
	}
	it.Tags = m.tags(r)
}

// effectiveCost follows the FOCUS converters: covered usage costs its
// amortized commitment rate, the negation and upfront lines that would
// count a commitment twice cost nothing, and the fee lines keep only the
// part of the commitment left unused. Everything else costs what it
// bills.
func (m *curMapper) effectiveCost(r *row, typ string, billed decimal.Decimal) decimal.Decimal {
	need := func(col int, name string) decimal.Decimal {
		if col < 0 {
			r.failMissing(name, "for "+typ+" lines")
			return decimal.Zero
		}
		return r.reqDec(col)
	}
	switch typ {
	case "SavingsPlanCoveredUsage":
		return need(m.spEffectiveCost, "savings_plan_savings_plan_effective_cost")
	case "SavingsPlanRecurringFee":
		total := need(m.spTotalCommitment, "savings_plan_total_commitment_to_date")
		used := need(m.spUsed, "savings_plan_used_commitment")
		return total.Sub(used)
	case "SavingsPlanNegation", "SavingsPlanUpfrontFee":
		return decimal.Zero
	case "DiscountedUsage":
		return need(m.riEffectiveCost, "reservation_effective_cost")
	case "RIFee":
		upfront := need(m.riUnusedUpfront, "reservation_unused_amortized_upfront_fee_for_billing_period")
		recurring := need(m.riUnusedRecurring, "reservation_unused_recurring_fee")
		return upfront.Add(recurring)
	case "Fee":
		if r.str(m.riARN) != "" {
			return decimal.Zero // an RI's upfront payment, amortized into DiscountedUsage
		}
	}
	return billed
}

func (m *curMapper) tags(r *row) map[string]string {
	var tags map[string]string
	if raw := r.jsonObject(m.resourceTags); raw != nil {
		tags = make(map[string]string, len(raw))
		for k, v := range raw {
			if v != "" {
				tags[curTagKey(k)] = v
			}
		}
	}
	for _, tc := range m.tagColumns {
		if v := r.str(tc.col); v != "" {
			if tags == nil {
				tags = make(map[string]string)
			}
			tags[tc.key] = v
		}
	}
	if len(tags) == 0 {
		return nil
	}
	return tags
}
