package allocation

import (
	"errors"
	"fmt"
	"strings"
)

// Cost columns, the values of Rules.CostColumn.
const (
	BilledCost    = "BilledCost"
	EffectiveCost = "EffectiveCost"
)

// Drivers of a shared pool, the values of SharedPool.Driver besides
// "metric:<name>".
const (
	DriverIngestBytes = "ingest_bytes"
	DriverRequests    = "requests"
	DriverEven        = "even"
	// DriverMetricPrefix names a usage series: "metric:cpu_seconds" weighs
	// tenants by Usage["cpu_seconds"].
	DriverMetricPrefix = "metric:"
)

// Rules say how line items become allocations.
type Rules struct {
	// Tenant, Team and Service list the tag keys each dimension is read
	// from, first non-empty value wins: providers and teams spell the same
	// tag differently ("tenant", "user:tenant", "k8s-namespace").
	Tenant  []string `mapstructure:"tenant" yaml:"tenant"`
	Team    []string `mapstructure:"team" yaml:"team"`
	Service []string `mapstructure:"service" yaml:"service"`
	// ServiceFromServiceName takes the line item's ServiceName as the
	// service when no Service tag is set.
	ServiceFromServiceName bool `mapstructure:"service_from_service_name" yaml:"service_from_service_name"`
	// Shared pools are tried in order; the first that selects a line item
	// takes it, before its tenant tag is looked at.
	Shared []SharedPool `mapstructure:"shared" yaml:"shared"`
	// CostColumn is the column allocated: BilledCost (invoice view, the
	// default when empty) or EffectiveCost (amortized view).
	CostColumn string `mapstructure:"cost_column" yaml:"cost_column"`
}

// SharedPool selects line items that no single tenant causes and splits
// their cost across tenants by a usage driver.
type SharedPool struct {
	Name string `mapstructure:"name" yaml:"name"`
	// A line item is in the pool when its ServiceName is one of Services,
	// or its SubAccountId one of Accounts, or any one of Tags is set on it
	// with that value.
	Services []string          `mapstructure:"services" yaml:"services"`
	Accounts []string          `mapstructure:"accounts" yaml:"accounts"`
	Tags     map[string]string `mapstructure:"tags" yaml:"tags"`
	// Driver is ingest_bytes, requests, even or metric:<name>.
	Driver string `mapstructure:"driver" yaml:"driver"`
	// Tenants are the tenants an even split goes to; empty means every
	// tenant with usage of any driver that day. Only for driver even.
	Tenants []string `mapstructure:"tenants" yaml:"tenants"`
}

// DefaultRules are the rules of a configuration that sets none: common
// tag spellings, the service from ServiceName, billed cost, no shared
// pools.
func DefaultRules() Rules {
	return Rules{
		Tenant:                 []string{"tenant", "user:tenant", "k8s-namespace"},
		Team:                   []string{"team", "user:team"},
		Service:                []string{"service", "app", "user:service"},
		ServiceFromServiceName: true,
		CostColumn:             BilledCost,
	}
}

// Validate names the first bad field.
func (r *Rules) Validate() error {
	if len(r.Tenant) == 0 {
		return errors.New("tenant: must list at least one tag key")
	}
	for _, d := range []struct {
		field string
		keys  []string
	}{{"tenant", r.Tenant}, {"team", r.Team}, {"service", r.Service}} {
		if err := validateList(d.keys); err != nil {
			return fmt.Errorf("%s%w", d.field, err)
		}
	}
	switch r.CostColumn {
	case "", BilledCost, EffectiveCost:
	default:
		return fmt.Errorf("cost_column: unknown column %q (want %s or %s)", r.CostColumn, BilledCost, EffectiveCost)
	}
	names := map[string]int{}
	for i := range r.Shared {
		p := &r.Shared[i]
		if p.Name == "" {
			return fmt.Errorf("shared[%d].name: must not be empty", i)
		}
		if j, ok := names[p.Name]; ok {
			return fmt.Errorf("shared[%d].name: %q is also shared[%d]", i, p.Name, j)
		}
		names[p.Name] = i
		if err := p.validate(); err != nil {
			return fmt.Errorf("shared[%d] (%s).%w", i, p.Name, err)
		}
	}
	return nil
}

func (p *SharedPool) validate() error {
	if len(p.Services) == 0 && len(p.Accounts) == 0 && len(p.Tags) == 0 {
		return errors.New("services: a pool must select by services, accounts or tags")
	}
	if err := validateList(p.Services); err != nil {
		return fmt.Errorf("services%w", err)
	}
	if err := validateList(p.Accounts); err != nil {
		return fmt.Errorf("accounts%w", err)
	}
	for k := range p.Tags {
		if k == "" {
			return errors.New("tags: empty tag key")
		}
	}
	switch {
	case p.Driver == DriverIngestBytes, p.Driver == DriverRequests, p.Driver == DriverEven:
	case strings.HasPrefix(p.Driver, DriverMetricPrefix) && len(p.Driver) > len(DriverMetricPrefix):
	case p.Driver == "":
		return errors.New("driver: must be set (ingest_bytes, requests, even or metric:<name>)")
	default:
		return fmt.Errorf("driver: unknown driver %q (want ingest_bytes, requests, even or metric:<name>)", p.Driver)
	}
	if len(p.Tenants) > 0 && p.Driver != DriverEven {
		return fmt.Errorf("tenants: only for driver even, not %s", p.Driver)
	}
	if err := validateList(p.Tenants); err != nil {
		return fmt.Errorf("tenants%w", err)
	}
	return nil
}

// validateList refuses empty and repeated entries; its errors start with
// the index so that the caller prefixes the field name.
func validateList(list []string) error {
	seen := make(map[string]bool, len(list))
	for i, s := range list {
		if s == "" {
			return fmt.Errorf("[%d]: must not be empty", i)
		}
		if seen[s] {
			return fmt.Errorf("[%d]: %q listed twice", i, s)
		}
		seen[s] = true
	}
	return nil
}

// usageSeries is the Usage key a driver weighs tenants by; "" for even.
func usageSeries(driver string) string {
	if driver == DriverEven {
		return ""
	}
	return strings.TrimPrefix(driver, DriverMetricPrefix)
}
