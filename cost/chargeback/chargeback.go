package chargeback

import (
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/slopipe/slopipe/cost/budget"
	"github.com/slopipe/slopipe/internal/decimal"
)

// GB is the bytes of a gigabyte prices are per: 10⁹, as clouds bill.
const GB = 1_000_000_000

// DefaultRetentionDays is the retention of a Config that sets none.
const DefaultRetentionDays = 30

// maxRetentionDays bounds the window read for every day priced.
const maxRetentionDays = 3660

// Config prices tenants' telemetry. The zero value is off; zero fields
// other than the prices take their defaults.
type Config struct {
	// Currency of the prices and costs (ISO 4217; empty: USD).
	Currency string `mapstructure:"currency" yaml:"currency"`
	// PricePerGBIngested is charged once per GB a tenant sends.
	PricePerGBIngested budget.Amount `mapstructure:"price_per_gb_ingested" yaml:"price_per_gb_ingested"`
	// PricePerGBMonthRetained is charged per GB the store holds for a
	// month, by the day.
	PricePerGBMonthRetained budget.Amount `mapstructure:"price_per_gb_month_retained" yaml:"price_per_gb_month_retained"`
	// RetentionDays is how long the store keeps telemetry: a day's bytes
	// are retained on it and the RetentionDays-1 days after (0: 30).
	RetentionDays int `mapstructure:"retention_days" yaml:"retention_days"`
}

// Enabled is whether anything is priced: one price at least is not zero.
func (c Config) Enabled() bool {
	return c.PricePerGBIngested.Sign() != 0 || c.PricePerGBMonthRetained.Sign() != 0
}

// Validate names the first bad field.
func (c *Config) Validate() error {
	switch {
	case c.Currency != "" && !budget.IsCurrencyCode(c.Currency):
		return fmt.Errorf("currency: %q is not an ISO 4217 code like USD", c.Currency)
	case c.PricePerGBIngested.Sign() < 0:
		return errors.New("price_per_gb_ingested: must not be negative")
	case c.PricePerGBMonthRetained.Sign() < 0:
		return errors.New("price_per_gb_month_retained: must not be negative")
	case c.RetentionDays < 0 || c.RetentionDays > maxRetentionDays:
		return fmt.Errorf("retention_days: must be between 0 (default %d) and %d, got %d", DefaultRetentionDays, maxRetentionDays, c.RetentionDays)
	}
	return nil
}

// Retention is RetentionDays, or its default.
func (c Config) Retention() int {
	if c.RetentionDays == 0 {
		return DefaultRetentionDays
	}
	return c.RetentionDays
}

// CurrencyCode is Currency, or its default.
func (c Config) CurrencyCode() string {
	if c.Currency == "" {
		return budget.DefaultCurrency
	}
	return c.Currency
}

// Usage is a tenant's telemetry as of a day.
type Usage struct {
	Tenant string
	// IngestedBytes were sent on the day; RetainedBytes in the retention
	// days ending with it.
	IngestedBytes, RetainedBytes uint64
}

// Charge is a tenant's usage of a day priced.
type Charge struct {
	Usage
	Currency                  string
	IngestCost, RetentionCost decimal.Decimal
}

// Cost is the charge's total.
func (c Charge) Cost() decimal.Decimal { return c.IngestCost.Add(c.RetentionCost) }

// Price prices each tenant's usage of day, in usage's order.
func (c Config) Price(day time.Time, usage []Usage) []Charge {
	gb := big.NewInt(GB)
	gbMonth := new(big.Int).Mul(gb, big.NewInt(int64(DaysInMonth(day))))
	out := make([]Charge, len(usage))
	for i, u := range usage {
		out[i] = Charge{
			Usage:         u,
			Currency:      c.CurrencyCode(),
			IngestCost:    c.PricePerGBIngested.MulDiv(new(big.Int).SetUint64(u.IngestedBytes), gb),
			RetentionCost: c.PricePerGBMonthRetained.MulDiv(new(big.Int).SetUint64(u.RetainedBytes), gbMonth),
		}
	}
	return out
}

// DaysInMonth is the number of days of day's month (in UTC).
func DaysInMonth(day time.Time) int {
	y, m, _ := day.UTC().Date()
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}
