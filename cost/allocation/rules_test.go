package allocation

import (
	"strings"
	"testing"
)

func TestRulesValidate(t *testing.T) {
	ok := DefaultRules()
	ok.Shared = []SharedPool{
		{Name: "obs", Services: []string{"AmazonCloudWatch"}, Driver: DriverIngestBytes},
		{Name: "platform", Accounts: []string{"111"}, Driver: DriverEven, Tenants: []string{"a", "b"}},
		{Name: "k8s", Tags: map[string]string{"cost": "shared"}, Driver: "metric:cpu_seconds"},
	}
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid rules: %v", err)
	}
	if err := (&Rules{Tenant: []string{"tenant"}}).Validate(); err != nil {
		t.Fatalf("minimal rules: %v", err)
	}
	for _, tc := range []struct {
		name   string
		change func(r *Rules)
		want   string
	}{
		{"no tenant keys", func(r *Rules) { r.Tenant = nil }, "tenant: must list at least one tag key"},
		{"empty tenant key", func(r *Rules) { r.Tenant = []string{"tenant", ""} }, "tenant[1]: must not be empty"},
		{"repeated team key", func(r *Rules) { r.Team = []string{"team", "team"} }, `team[1]: "team" listed twice`},
		{"empty service key", func(r *Rules) { r.Service = []string{""} }, "service[0]: must not be empty"},
		{"cost column", func(r *Rules) { r.CostColumn = "ListCost" }, `cost_column: unknown column "ListCost"`},
		{"pool name", func(r *Rules) { r.Shared[1].Name = "" }, "shared[1].name: must not be empty"},
		{"pool name twice", func(r *Rules) { r.Shared[2].Name = "obs" }, `shared[2].name: "obs" is also shared[0]`},
		{"pool selects nothing", func(r *Rules) { r.Shared[0].Services = nil }, "shared[0] (obs).services: a pool must select"},
		{"empty account", func(r *Rules) { r.Shared[1].Accounts = []string{""} }, "shared[1] (platform).accounts[0]: must not be empty"},
		{"empty tag key", func(r *Rules) { r.Shared[2].Tags = map[string]string{"": "x"} }, "shared[2] (k8s).tags: empty tag key"},
		{"no driver", func(r *Rules) { r.Shared[0].Driver = "" }, "shared[0] (obs).driver: must be set"},
		{"unknown driver", func(r *Rules) { r.Shared[0].Driver = "cpu" }, `shared[0] (obs).driver: unknown driver "cpu"`},
		{"metric without name", func(r *Rules) { r.Shared[0].Driver = "metric:" }, `shared[0] (obs).driver: unknown driver "metric:"`},
		{"tenants without even", func(r *Rules) { r.Shared[0].Tenants = []string{"a"} }, "shared[0] (obs).tenants: only for driver even"},
		{"tenant twice", func(r *Rules) { r.Shared[1].Tenants = []string{"a", "a"} }, `shared[1] (platform).tenants[1]: "a" listed twice`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := DefaultRules()
			r.Shared = []SharedPool{
				{Name: "obs", Services: []string{"AmazonCloudWatch"}, Driver: DriverIngestBytes},
				{Name: "platform", Accounts: []string{"111"}, Driver: DriverEven, Tenants: []string{"a", "b"}},
				{Name: "k8s", Tags: map[string]string{"cost": "shared"}, Driver: "metric:cpu_seconds"},
			}
			tc.change(&r)
			err := r.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestMinorUnits(t *testing.T) {
	for cur, want := range map[string]int{"USD": 2, "EUR": 2, "JPY": 0, "krw": 0, "BHD": 3, "KWD": 3, "CLF": 4, "XYZ": 2} {
		if got := MinorUnits(cur); got != want {
			t.Errorf("MinorUnits(%s) = %d, want %d", cur, got, want)
		}
	}
}
