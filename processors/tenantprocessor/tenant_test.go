package tenantprocessor

import (
	"context"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/client"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/processor/processortest"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func TestValidateTenant(t *testing.T) {
	for _, tc := range []struct {
		id      string
		wantErr string // "" = valid
	}{
		{"a", ""},
		{"acme-prod_01", ""},
		{"A.b*c'd(e)f!g", ""},
		{strings.Repeat("x", 150), ""},
		{"...", ""},
		{"", "empty tenant id"},
		{".", `tenant id "." is not allowed`},
		{"..", `tenant id ".." is not allowed`},
		{strings.Repeat("x", 151), "is 151 bytes, more than 150"},
		{"a/b", `has '/' at offset 1`},
		{"a b", "has byte 0x20 at offset 1"},
		{"tenant|other", `has '|' at offset 6`},
		{"é", "has byte 0xc3 at offset 0"},
		{"a\x00", "has byte 0x00 at offset 1"},
	} {
		err := validateTenant(tc.id)
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("validateTenant(%q) = %v, want valid", tc.id, err)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("validateTenant(%q) = %v, want an error containing %q", tc.id, err, tc.wantErr)
		case tc.wantErr != "" && !strings.Contains(err.Error(), tenantRule):
			t.Errorf("validateTenant(%q) = %v, want the rule in the message", tc.id, err)
		}
	}
}

func TestValidateTenantDoesNotAllocate(t *testing.T) {
	if n := testing.AllocsPerRun(100, func() { _ = validateTenant("acme-prod_01") }); n != 0 {
		t.Fatalf("validateTenant allocates %v times for a valid id", n)
	}
}

func TestResolveOrder(t *testing.T) {
	type want struct {
		tenant string
		reason string // refusal reason, "" when resolved
		msg    string // part of the error message
	}
	for _, tc := range []struct {
		name   string
		from   []string
		def    string
		header string // "" = no header
		attr   any    // nil = no attribute
		// reserved: "" reserves slopipe, "-" nothing
		reserved string
		want     want
	}{
		{name: "header wins over attribute", header: "h", attr: "a", want: want{tenant: "h"}},
		{name: "attribute without header", attr: "a", want: want{tenant: "a"}},
		{name: "default without either", want: want{tenant: "default"}},
		{name: "custom default", def: "shared", want: want{tenant: "shared"}},
		{name: "empty header is absent", header: "", attr: "a", want: want{tenant: "a"}},
		{name: "empty attribute is absent", attr: "", want: want{tenant: "default"}},
		{name: "none and no default", def: "-", want: want{reason: reasonMissingTenant,
			msg: "no tenant: no X-Scope-OrgID header, no tenant.id attribute on resource 0, no default_tenant configured"}},
		{name: "attribute first", from: []string{"resource_attribute", "header", "default"}, header: "h", attr: "a", want: want{tenant: "a"}},
		{name: "attribute first falls to header", from: []string{"resource_attribute", "header"}, header: "h", want: want{tenant: "h"}},
		{name: "header only ignores attribute", from: []string{"header"}, attr: "a", want: want{reason: reasonMissingTenant, msg: "no tenant: no X-Scope-OrgID header"}},
		{name: "attribute only ignores header", from: []string{"resource_attribute"}, header: "h", want: want{reason: reasonMissingTenant, msg: "no tenant.id attribute on resource 0"}},
		{name: "default only", from: []string{"default"}, header: "h", attr: "a", want: want{tenant: "default"}},
		{name: "invalid header refused, not defaulted", header: "a/b", attr: "a", want: want{reason: reasonInvalidTenant,
			msg: `invalid tenant in header X-Scope-OrgID: tenant id "a/b" has '/' at offset 1`}},
		{name: "invalid attribute refused, not defaulted", attr: "..", want: want{reason: reasonInvalidTenant,
			msg: `invalid tenant in resource attribute tenant.id of resource 0: tenant id ".." is not allowed`}},
		{name: "non-string attribute refused", attr: int64(42), want: want{reason: reasonInvalidTenant, msg: "the value is a Int, not a string"}},
		{name: "too long header", header: strings.Repeat("x", 200), want: want{reason: reasonInvalidTenant, msg: "is 200 bytes, more than 150"}},
		{name: "reserved header refused", header: "slopipe", attr: "a", want: want{reason: reasonInvalidTenant,
			msg: `invalid tenant in header X-Scope-OrgID: tenant id "slopipe" is reserved for this server's own telemetry`}},
		{name: "reserved attribute refused", attr: "slopipe", want: want{reason: reasonInvalidTenant,
			msg: `invalid tenant in resource attribute tenant.id of resource 0: tenant id "slopipe" is reserved`}},
		{name: "reserved as the configured default", from: []string{"default"}, def: "slopipe", header: "h", reserved: "-", want: want{tenant: "slopipe"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := createDefaultConfig().(*Config)
			if tc.from != nil {
				cfg.From = tc.from
			}
			switch tc.def {
			case "":
			case "-":
				cfg.DefaultTenant = ""
			default:
				cfg.DefaultTenant = tc.def
			}
			if tc.reserved == "" {
				cfg.ReservedTenants = []string{"slopipe"}
			}
			if err := cfg.Validate(); err != nil {
				t.Fatal(err)
			}
			r := newResolver(cfg)
			ctx := context.Background()
			if tc.header != "" {
				// Lower case on the wire, as HTTP/2 sends it: the lookup
				// must not care.
				ctx = withHeader("x-scope-orgid", tc.header)
			}
			attrs := pcommon.NewMap()
			switch v := tc.attr.(type) {
			case string:
				attrs.PutStr("tenant.id", v)
			case int64:
				attrs.PutInt("tenant.id", v)
			}
			hdr, ok := r.headerTenant(ctx)
			tenant, ref := r.resolve(hdr, ok, attrs, 0)
			if tc.want.reason == "" {
				if ref != nil {
					t.Fatalf("got refusal %v, want tenant %q", ref.err, tc.want.tenant)
				}
				if tenant != tc.want.tenant {
					t.Fatalf("tenant %q, want %q", tenant, tc.want.tenant)
				}
				return
			}
			if ref == nil {
				t.Fatalf("resolved %q, want refusal %s", tenant, tc.want.reason)
			}
			if ref.reason != tc.want.reason || ref.tenant != "" {
				t.Fatalf("reason %q tenant %q, want %q and no tenant label", ref.reason, ref.tenant, tc.want.reason)
			}
			if !strings.Contains(ref.err.Error(), tc.want.msg) {
				t.Fatalf("message %q does not contain %q", ref.err, tc.want.msg)
			}
			wantPermanent(t, ref.err)
		})
	}
}

func TestHeaderFirstValueAndCase(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.Header = "x-SCOPE-orgid"
	r := newResolver(cfg)
	ctx := client.NewContext(context.Background(), client.Info{
		Metadata: client.NewMetadata(map[string][]string{"X-Scope-OrgID": {"first", "second"}}),
	})
	if got, ok := r.headerTenant(ctx); !ok || got != "first" {
		t.Fatalf("headerTenant = %q, %v; want first", got, ok)
	}
}

// FuzzResolveTenant feeds arbitrary header and attribute bytes through
// resolution: it must never panic, only ever resolve to a valid tenant, and
// refuse with a permanent INVALID_ARGUMENT otherwise.
func FuzzResolveTenant(f *testing.F) {
	for _, seed := range [][2]string{
		{"acme", ""}, {"", "acme"}, {"", ""}, {".", ".."}, {"a/b", "ok"}, {"\xff\xfe", "\x00"},
		{strings.Repeat("x", 150), strings.Repeat("y", 151)}, {"é", "(ok)*'!-_."},
	} {
		f.Add(seed[0], seed[1])
	}
	type variant struct {
		cfg *Config
		p   *tenantProcessor
	}
	variants := map[string]variant{}
	for name, mutate := range map[string]func(*Config){
		"defaults":   func(*Config) {},
		"no default": func(c *Config) { c.DefaultTenant = "" },
		"attr first": func(c *Config) { c.From = []string{"resource_attribute", "header"} },
	} {
		c := createDefaultConfig().(*Config)
		c.Store = component.ID{}
		mutate(c)
		p, err := newTenantProcessor(processortest.NewNopSettings(Type), c)
		if err != nil {
			f.Fatal(err)
		}
		variants[name] = variant{c, p}
	}
	f.Fuzz(func(t *testing.T, header, attr string) {
		for name, v := range variants {
			cfg := v.cfg
			r := newResolver(cfg)
			ctx := withHeader("X-Scope-OrgID", header)
			attrs := pcommon.NewMap()
			attrs.PutStr("tenant.id", attr)
			hdr, ok := r.headerTenant(ctx)
			tenant, ref := r.resolve(hdr, ok, attrs, 0)
			if ref != nil {
				if tenant != "" {
					t.Fatalf("%s: refusal with tenant %q", name, tenant)
				}
				if !consumererror.IsPermanent(ref.err) {
					t.Fatalf("%s: refusal not permanent: %v", name, ref.err)
				}
				if st, _ := status.FromError(ref.err); st.Code() != codes.InvalidArgument {
					t.Fatalf("%s: refusal code %v", name, st.Code())
				}
				if len(ref.err.Error()) > 1024 {
					t.Fatalf("%s: error message of %d bytes echoes the input", name, len(ref.err.Error()))
				}
				continue
			}
			if err := validateTenant(tenant); err != nil {
				t.Fatalf("%s: resolved to invalid tenant %q: %v", name, tenant, err)
			}
			if tenant != header && tenant != attr && tenant != cfg.DefaultTenant {
				t.Fatalf("%s: tenant %q came from nowhere", name, tenant)
			}
			if name == "defaults" && header != "" && tenant != header {
				t.Fatalf("%s: header %q present but tenant %q", name, header, tenant)
			}
			// And the processor as a whole: no panic, attribute written.
			td := traces(res{attrs: map[string]string{"tenant.id": attr}, items: 1})
			if _, err := v.p.processTraces(ctx, td); err == nil {
				got, _ := td.ResourceSpans().At(0).Resource().Attributes().Get("tenant.id")
				if got.Str() != tenant {
					t.Fatalf("%s: resource attribute %q, want %q", name, got.Str(), tenant)
				}
			}
		}
	})
}
