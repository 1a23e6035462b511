package billing

import (
	"encoding/csv"
	"fmt"
	"io"
	"math/big"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/slopipe/slopipe/internal/decimal"
)

// sampleHeader is the FOCUS 1.2 subset WriteFOCUSSample writes.
var sampleHeader = []string{
	"BillingAccountId", "BillingAccountName", "SubAccountId", "SubAccountName",
	"BillingPeriodStart", "BillingPeriodEnd", "ChargePeriodStart", "ChargePeriodEnd",
	"BillingCurrency", "BilledCost", "EffectiveCost", "ListCost", "ContractedCost",
	"ChargeCategory", "ChargeClass", "ChargeDescription", "ChargeFrequency",
	"CommitmentDiscountId", "CommitmentDiscountType", "CommitmentDiscountCategory", "CommitmentDiscountStatus",
	"PricingCategory", "PricingQuantity", "PricingUnit", "ConsumedQuantity", "ConsumedUnit",
	"ListUnitPrice", "ContractedUnitPrice", "ProviderName", "PublisherName", "InvoiceIssuerName",
	"RegionId", "RegionName", "ResourceId", "ResourceName", "ResourceType",
	"ServiceCategory", "ServiceName", "SkuId", "SkuPriceId", "Tags", "x_Generator",
}

var sampleServices = []struct{ name, category, unit string }{
	{"Amazon Elastic Compute Cloud", "Compute", "Hours"},
	{"Amazon Simple Storage Service", "Storage", "GB-Mo"},
	{"Amazon Relational Database Service", "Databases", "Hours"},
	{"AWS Lambda", "Compute", "Requests"},
	{"Amazon CloudWatch", "Management and Governance", "Metrics"},
}

var (
	sampleTeams   = []string{"checkout", "search", "platform", "data"}
	sampleRegions = []string{"us-east-1", "eu-west-1", "ap-southeast-2"}
)

// WriteFOCUSSample writes a valid FOCUS CSV file of rows line items,
// the same bytes for the same seed, and returns the sum of its
// BilledCost. It is test and benchmark input (a 1 000 000-row import
// fits in memory as a few hundred MB), not a model of any real bill:
// three billing accounts, twenty sub accounts, five services, a credit
// every 50th row and a committed row every 7th.
func WriteFOCUSSample(w io.Writer, rows int, seed uint64) (total decimal.Decimal, err error) {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	cw := csv.NewWriter(w)
	if err := cw.Write(sampleHeader); err != nil {
		return decimal.Zero, err
	}
	periodStart := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	periodEnd := periodStart.AddDate(0, 1, 0)
	bps, bpe := periodStart.Format(time.RFC3339), periodEnd.Format(time.RFC3339)
	var sum int64 // micro-units of currency
	rec := make([]string, len(sampleHeader))
	for i := 0; i < rows; i++ {
		account := 1 + i%3
		sub := 1 + rng.IntN(20)
		svc := sampleServices[rng.IntN(len(sampleServices))]
		hour := periodStart.Add(time.Duration(rng.IntN(24*31)) * time.Hour)
		qty := 1 + rng.Int64N(1000)
		listMicro := qty * (1000 + rng.Int64N(99000)) / 10 // unit price ≤ 0.01
		billed, effective := listMicro, listMicro
		category, class, commitID, commitType, commitCat, commitStatus, pricing := "Usage", "", "", "", "", "", "Standard"
		switch {
		case i%50 == 49:
			category, pricing = "Credit", ""
			billed = -(listMicro / 4)
			effective = billed
			listMicro = 0
		case i%7 == 6:
			commitID = fmt.Sprintf("arn:aws:savingsplans::%012d:savingsplan/sp-%d", account, account)
			commitType, commitCat, commitStatus, pricing = "Savings Plan", "Spend", "Used", "Committed"
			billed = 0
			effective = listMicro * 7 / 10
		}
		sum += billed
		team := sampleTeams[rng.IntN(len(sampleTeams))]
		region := sampleRegions[rng.IntN(len(sampleRegions))]
		resource := fmt.Sprintf("i-%08x", rng.Uint32())
		rec = rec[:0]
		rec = append(rec,
			fmt.Sprintf("acct-%d", account), fmt.Sprintf("Account %d", account),
			fmt.Sprintf("sub-%02d", sub), fmt.Sprintf("Sub account %02d", sub),
			bps, bpe, hour.Format(time.RFC3339), hour.Add(time.Hour).Format(time.RFC3339),
			"USD", micro(billed), micro(effective), micro(listMicro), micro(billed),
			category, class, svc.name+" usage", "Usage-Based",
			commitID, commitType, commitCat, commitStatus,
			pricing, strconv.FormatInt(qty, 10), svc.unit, strconv.FormatInt(qty, 10), svc.unit,
			micro(listMicro/max(qty, 1)), micro(listMicro/max(qty, 1)), "AWS", "AWS", "AWS",
			region, region, resource, resource, "Instance",
			svc.category, svc.name, "SKU"+strconv.Itoa(rng.IntN(100)), "PRICE"+strconv.Itoa(rng.IntN(1000)),
			`{"team":"`+team+`","env":"prod"}`, "sample",
		)
		if err := cw.Write(rec); err != nil {
			return decimal.Zero, err
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return decimal.Zero, err
	}
	unscaled := new(big.Int).Mul(big.NewInt(sum), big.NewInt(10_000)) // 10⁻⁶ to 10⁻¹⁰
	return decimal.FromUnscaled(unscaled), nil
}

// micro formats v millionths as a decimal number.
func micro(v int64) string {
	sign := ""
	if v < 0 {
		sign, v = "-", -v
	}
	return fmt.Sprintf("%s%d.%06d", sign, v/1_000_000, v%1_000_000)
}
