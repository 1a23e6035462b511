package allocation

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/slopipe/slopipe/internal/decimal"
	"github.com/slopipe/slopipe/store"
)

var testDay = time.Date(2025, 3, 14, 0, 0, 0, 0, time.UTC)

// item is a USD line item of testDay; tags are key, value pairs.
func item(service, cost string, tags ...string) store.BillingLineItem {
	it := store.BillingLineItem{
		ChargePeriodStart: testDay.Add(time.Hour),
		ChargePeriodEnd:   testDay.Add(2 * time.Hour),
		BillingCurrency:   "USD",
		ServiceName:       service,
		BilledCost:        decimal.MustParse(cost),
		EffectiveCost:     decimal.MustParse(cost),
		Tags:              map[string]string{},
	}
	for i := 0; i+1 < len(tags); i += 2 {
		it.Tags[tags[i]] = tags[i+1]
	}
	return it
}

func in(currency string, it store.BillingLineItem) store.BillingLineItem {
	it.BillingCurrency = currency
	return it
}

// format writes an allocation as tenant|team|service|category|rule|currency|cost.
func format(a Allocation) string {
	return strings.Join([]string{a.Tenant, a.Team, a.Service, a.Category, a.Rule, a.Currency, a.Cost.String()}, "|")
}

func withShared(pools ...SharedPool) Rules {
	r := DefaultRules()
	r.Shared = pools
	return r
}

func TestAllocate(t *testing.T) {
	obs := SharedPool{Name: "observability", Services: []string{"AmazonCloudWatch"}, Driver: DriverIngestBytes}
	for _, tc := range []struct {
		name  string
		rules Rules
		items []store.BillingLineItem
		usage Usage
		want  []string
	}{{
		name:  "direct by alias order",
		rules: DefaultRules(),
		items: []store.BillingLineItem{
			item("AmazonEC2", "10", "user:tenant", "beta", "tenant", "acme"),
			item("AmazonEC2", "5", "user:tenant", "beta", "k8s-namespace", "gamma"),
			item("AmazonEC2", "1.5", "tenant", "", "k8s-namespace", "gamma", "team", "infra", "user:team", "x"),
			item("AmazonEC2", "2.25", "tenant", "acme"),
		},
		want: []string{
			"acme||AmazonEC2|direct|tag:tenant|USD|12.25",
			"beta||AmazonEC2|direct|tag:user:tenant|USD|5",
			"gamma|infra|AmazonEC2|direct|tag:k8s-namespace|USD|1.5",
		},
	}, {
		name: "service tag then fallback to ServiceName",
		rules: func() Rules {
			r := DefaultRules()
			r.Shared = nil
			return r
		}(),
		items: []store.BillingLineItem{
			item("AmazonS3", "1", "tenant", "acme", "app", "checkout", "user:service", "ignored"),
			item("AmazonS3", "2", "tenant", "acme"),
		},
		want: []string{
			"acme||AmazonS3|direct|tag:tenant|USD|2",
			"acme||checkout|direct|tag:tenant|USD|1",
		},
	}, {
		name: "no fallback to ServiceName",
		rules: func() Rules {
			r := DefaultRules()
			r.ServiceFromServiceName = false
			return r
		}(),
		items: []store.BillingLineItem{item("AmazonS3", "2", "tenant", "acme")},
		want:  []string{"acme|||direct|tag:tenant|USD|2"},
	}, {
		name:  "unallocated is kept and named",
		rules: DefaultRules(),
		items: []store.BillingLineItem{
			item("AmazonEC2", "7.1234567891", "team", "infra"),
			item("AmazonEC2", "0.0000000009", "team", "infra"),
			item("AWSSupportBusiness", "100"),
		},
		want: []string{
			"unallocated||AWSSupportBusiness|unallocated||USD|100",
			"unallocated|infra|AmazonEC2|unallocated||USD|7.12345679",
		},
	}, {
		name:  "shared 3:1 to the cent",
		rules: withShared(obs),
		items: []store.BillingLineItem{item("AmazonCloudWatch", "100")},
		usage: Usage{DriverIngestBytes: {"acme": 3e9, "beta": 1e9}},
		want: []string{
			"acme||AmazonCloudWatch|shared|observability|USD|75",
			"beta||AmazonCloudWatch|shared|observability|USD|25",
		},
	}, {
		name:  "shared 3:1 of 100.01: the extra cent to the larger remainder",
		rules: withShared(obs),
		items: []store.BillingLineItem{item("AmazonCloudWatch", "100.01")},
		usage: Usage{DriverIngestBytes: {"acme": 3e9, "beta": 1e9}},
		want: []string{
			"acme||AmazonCloudWatch|shared|observability|USD|75.01",
			"beta||AmazonCloudWatch|shared|observability|USD|25",
		},
	}, {
		name:  "sub-cent residue goes to the largest share",
		rules: withShared(obs),
		items: []store.BillingLineItem{item("AmazonCloudWatch", "100.0123456789")},
		usage: Usage{DriverIngestBytes: {"acme": 1, "beta": 3}},
		want: []string{
			"acme||AmazonCloudWatch|shared|observability|USD|25",
			"beta||AmazonCloudWatch|shared|observability|USD|75.0123456789",
		},
	}, {
		name:  "even split of 100 among 3",
		rules: withShared(SharedPool{Name: "platform", Accounts: []string{"shared-1"}, Driver: DriverEven, Tenants: []string{"c", "b", "a"}}),
		items: []store.BillingLineItem{func() store.BillingLineItem { it := item("AmazonEKS", "100"); it.SubAccountId = "shared-1"; return it }()},
		want: []string{
			"a||AmazonEKS|shared|platform|USD|33.34",
			"b||AmazonEKS|shared|platform|USD|33.33",
			"c||AmazonEKS|shared|platform|USD|33.33",
		},
	}, {
		name:  "even split among tenants with any usage",
		rules: withShared(SharedPool{Name: "platform", Tags: map[string]string{"cost": "shared"}, Driver: DriverEven}),
		items: []store.BillingLineItem{item("AmazonEKS", "-10", "cost", "shared", "tenant", "ignored")},
		usage: Usage{DriverRequests: {"a": 5, "b": 0}, "cpu_seconds": {"c": 1}},
		want: []string{
			"a||AmazonEKS|shared|platform|USD|-5",
			"c||AmazonEKS|shared|platform|USD|-5",
		},
	}, {
		name:  "idle when nobody used the driver",
		rules: withShared(obs),
		items: []store.BillingLineItem{item("AmazonCloudWatch", "42.42", "team", "sre"), item("AmazonEC2", "1", "tenant", "acme")},
		usage: Usage{DriverRequests: {"acme": 10}, DriverIngestBytes: {"acme": 0}},
		want: []string{
			"|sre|AmazonCloudWatch|idle|observability|USD|42.42",
			"acme||AmazonEC2|direct|tag:tenant|USD|1",
		},
	}, {
		name:  "JPY has no minor unit",
		rules: withShared(SharedPool{Name: "p", Services: []string{"s"}, Driver: "metric:cpu_seconds"}),
		items: []store.BillingLineItem{in("JPY", item("s", "1000"))},
		usage: Usage{"cpu_seconds": {"a": 1, "b": 1, "c": 1}},
		want: []string{
			"a||s|shared|p|JPY|334",
			"b||s|shared|p|JPY|333",
			"c||s|shared|p|JPY|333",
		},
	}, {
		name:  "BHD has three",
		rules: withShared(SharedPool{Name: "p", Services: []string{"s"}, Driver: DriverEven, Tenants: []string{"a", "b", "c"}}),
		items: []store.BillingLineItem{in("BHD", item("s", "1"))},
		want: []string{
			"a||s|shared|p|BHD|0.334",
			"b||s|shared|p|BHD|0.333",
			"c||s|shared|p|BHD|0.333",
		},
	}, {
		name:  "credits in a shared pool net before the split",
		rules: withShared(obs),
		items: []store.BillingLineItem{item("AmazonCloudWatch", "100"), item("AmazonCloudWatch", "-30.01")},
		usage: Usage{DriverIngestBytes: {"acme": 1, "beta": 1}},
		want: []string{
			"acme||AmazonCloudWatch|shared|observability|USD|35",
			"beta||AmazonCloudWatch|shared|observability|USD|34.99",
		},
	}, {
		name:  "a pool that is only credit splits as the mirror image",
		rules: withShared(obs),
		items: []store.BillingLineItem{item("AmazonCloudWatch", "-100.01")},
		usage: Usage{DriverIngestBytes: {"acme": 3, "beta": 1}},
		want: []string{
			"acme||AmazonCloudWatch|shared|observability|USD|-75.01",
			"beta||AmazonCloudWatch|shared|observability|USD|-25",
		},
	}, {
		name:  "multiple currencies are split apart",
		rules: withShared(obs),
		items: []store.BillingLineItem{
			item("AmazonCloudWatch", "10"), in("EUR", item("AmazonCloudWatch", "1")), in("JPY", item("AmazonCloudWatch", "5")),
			in("EUR", item("AmazonEC2", "2", "tenant", "acme")),
		},
		usage: Usage{DriverIngestBytes: {"acme": 1, "beta": 2}},
		want: []string{
			"acme||AmazonCloudWatch|shared|observability|EUR|0.33",
			"acme||AmazonCloudWatch|shared|observability|JPY|2",
			"acme||AmazonCloudWatch|shared|observability|USD|3.33",
			"acme||AmazonEC2|direct|tag:tenant|EUR|2",
			"beta||AmazonCloudWatch|shared|observability|EUR|0.67",
			"beta||AmazonCloudWatch|shared|observability|JPY|3",
			"beta||AmazonCloudWatch|shared|observability|USD|6.67",
		},
	}, {
		name: "first matching pool wins",
		rules: withShared(
			SharedPool{Name: "first", Accounts: []string{"acct"}, Driver: DriverEven, Tenants: []string{"a"}},
			SharedPool{Name: "second", Services: []string{"s"}, Driver: DriverEven, Tenants: []string{"b"}},
		),
		items: []store.BillingLineItem{
			func() store.BillingLineItem { it := item("s", "1"); it.SubAccountId = "acct"; return it }(),
			item("s", "2"),
		},
		want: []string{
			"a||s|shared|first|USD|1",
			"b||s|shared|second|USD|2",
		},
	}, {
		name: "effective cost",
		rules: func() Rules {
			r := DefaultRules()
			r.CostColumn = EffectiveCost
			return r
		}(),
		items: []store.BillingLineItem{func() store.BillingLineItem {
			it := item("AmazonEC2", "10", "tenant", "acme")
			it.EffectiveCost = decimal.MustParse("6.5")
			return it
		}()},
		want: []string{"acme||AmazonEC2|direct|tag:tenant|USD|6.5"},
	}, {
		name:  "zero allocations are left out",
		rules: DefaultRules(),
		items: []store.BillingLineItem{item("AmazonEC2", "5", "tenant", "acme"), item("AmazonEC2", "-5", "tenant", "acme")},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Allocate(tc.rules, testDay.Add(13*time.Hour), tc.items, tc.usage)
			if err != nil {
				t.Fatal(err)
			}
			var lines []string
			for _, a := range got {
				if !a.Day.Equal(testDay) {
					t.Errorf("Day %s, want %s", a.Day, testDay)
				}
				lines = append(lines, format(a))
			}
			if strings.Join(lines, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("got\n\t%s\nwant\n\t%s", strings.Join(lines, "\n\t"), strings.Join(tc.want, "\n\t"))
			}
			checkConservation(t, tc.rules, tc.items, got)
		})
	}
}

// checkConservation fails unless, per currency, the allocations sum to
// the items' cost column exactly.
func checkConservation(t *testing.T, rules Rules, items []store.BillingLineItem, got []Allocation) {
	t.Helper()
	want := map[string]decimal.Decimal{}
	for _, it := range items {
		c := it.BilledCost
		if rules.CostColumn == EffectiveCost {
			c = it.EffectiveCost
		}
		want[it.BillingCurrency] = want[it.BillingCurrency].Add(c)
	}
	sum := map[string]decimal.Decimal{}
	for _, a := range got {
		sum[a.Currency] = sum[a.Currency].Add(a.Cost)
	}
	for cur := range want {
		if sum[cur].Cmp(want[cur]) != 0 {
			t.Errorf("%s: allocations sum to %s, items to %s", cur, sum[cur], want[cur])
		}
	}
	for cur := range sum {
		if _, ok := want[cur]; !ok {
			t.Errorf("%s: allocated %s with no items", cur, sum[cur])
		}
	}
}

func TestAllocateRefuses(t *testing.T) {
	outside := item("AmazonEC2", "1", "tenant", "acme")
	outside.ChargePeriodStart = testDay.AddDate(0, 0, 1)
	noCurrency := in("", item("AmazonEC2", "1"))
	bad := DefaultRules()
	bad.CostColumn = "ListCost"
	for _, tc := range []struct {
		name  string
		rules Rules
		items []store.BillingLineItem
		usage Usage
		want  string
	}{
		{"item of another day", DefaultRules(), []store.BillingLineItem{item("s", "1"), outside}, nil, "line item 1: ChargePeriodStart 2025-03-15T00:00:00Z is not on 2025-03-14"},
		{"no currency", DefaultRules(), []store.BillingLineItem{noCurrency}, nil, "line item 0: no BillingCurrency"},
		{"bad rules", bad, nil, nil, "allocation rules: cost_column"},
		{"negative usage", DefaultRules(), nil, Usage{"requests": {"a": -1}}, `usage "requests" of tenant "a"`},
		{"NaN usage", DefaultRules(), nil, Usage{"requests": {"a": nan()}}, `usage "requests" of tenant "a"`},
		{"empty tenant", DefaultRules(), nil, Usage{"requests": {"": 1}}, `usage "requests": empty tenant`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Allocate(tc.rules, testDay, tc.items, tc.usage)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func nan() float64 {
	var zero float64
	return zero / zero
}

func ExampleAllocate() {
	rules := DefaultRules()
	rules.Shared = []SharedPool{{Name: "observability", Services: []string{"AmazonCloudWatch"}, Driver: "ingest_bytes"}}
	day := time.Date(2025, 3, 14, 0, 0, 0, 0, time.UTC)
	items := []store.BillingLineItem{
		{ChargePeriodStart: day, BillingCurrency: "USD", ServiceName: "AmazonEC2",
			BilledCost: decimal.MustParse("12.50"), Tags: map[string]string{"tenant": "acme", "team": "payments"}},
		{ChargePeriodStart: day, BillingCurrency: "USD", ServiceName: "AmazonCloudWatch", BilledCost: decimal.MustParse("100.01")},
		{ChargePeriodStart: day, BillingCurrency: "USD", ServiceName: "AWSSupportBusiness", BilledCost: decimal.MustParse("3")},
	}
	usage := Usage{"ingest_bytes": {"acme": 3e9, "beta": 1e9}}
	allocations, err := Allocate(rules, day, items, usage)
	if err != nil {
		panic(err)
	}
	for _, a := range allocations {
		fmt.Printf("%-12s %-9s %-18s %-12s %-14s %s %s\n", a.Tenant, a.Team, a.Service, a.Category, a.Rule, a.Currency, a.Cost)
	}
	// Output:
	// acme                   AmazonCloudWatch   shared       observability  USD 75.01
	// acme         payments  AmazonEC2          direct       tag:tenant     USD 12.5
	// beta                   AmazonCloudWatch   shared       observability  USD 25
	// unallocated            AWSSupportBusiness unallocated                 USD 3
}
