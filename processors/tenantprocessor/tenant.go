package tenantprocessor

import (
	"context"
	"fmt"
	"strings"

	"go.opentelemetry.io/collector/client"
	"go.opentelemetry.io/collector/pdata/pcommon"
)

// maxTenantLen and the character set follow Mimir's tenant ID rules, so the
// same IDs work in every Grafana-stack component a tenant's data reaches.
const maxTenantLen = 150

const tenantRule = "tenant ids are 1 to 150 bytes of A-Z a-z 0-9 ! - _ . * ' ( ) and not \".\" or \"..\""

var tenantByte = func() (t [256]bool) {
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = true
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for _, c := range "!-_.*'()" {
		t[c] = true
	}
	return t
}()

// validateTenant returns nil without allocating for a valid id: it runs on
// every resource of every request.
func validateTenant(id string) error {
	if len(id) == 0 {
		return fmt.Errorf("empty tenant id (%s)", tenantRule)
	}
	if len(id) > maxTenantLen {
		return fmt.Errorf("tenant id %s is %d bytes, more than %d (%s)", quoteID(id), len(id), maxTenantLen, tenantRule)
	}
	if id == "." || id == ".." {
		return fmt.Errorf("tenant id %q is not allowed (%s)", id, tenantRule)
	}
	for i := 0; i < len(id); i++ {
		if !tenantByte[id[i]] {
			return fmt.Errorf("tenant id %s has %s at offset %d (%s)", quoteID(id), describeByte(id[i]), i, tenantRule)
		}
	}
	return nil
}

// describeByte shows printable ASCII as itself and anything else in hex: a
// byte of a multi-byte character printed as a character would mislead.
func describeByte(c byte) string {
	if c > ' ' && c < 0x7f {
		return fmt.Sprintf("%q", c)
	}
	return fmt.Sprintf("byte 0x%02x", c)
}

// quoteID quotes a client-chosen id for an error message, cut short so a
// hostile header cannot make the error (and its log line) huge.
func quoteID(id string) string {
	const show = 64
	if len(id) > show {
		return fmt.Sprintf("%q…", id[:show])
	}
	return fmt.Sprintf("%q", id)
}

type source uint8

const (
	fromHeader source = iota
	fromAttribute
	fromDefault
)

// resolver finds a resource's tenant in the configured order.
type resolver struct {
	order []source
	// header is lower-cased once so that client.Metadata.Get, which lowers
	// its key, does not allocate a lowered copy per request.
	header      string
	headerShown string
	useHeader   bool
	attr        string
	def         string
	// reserved are Config.ReservedTenants, refused from the header and the
	// resource attribute (the default tenant is the configuration's own).
	reserved map[string]bool
}

func newResolver(c *Config) resolver {
	r := resolver{header: strings.ToLower(c.Header), headerShown: c.Header, attr: c.ResourceAttribute, def: c.DefaultTenant}
	if len(c.ReservedTenants) > 0 {
		r.reserved = make(map[string]bool, len(c.ReservedTenants))
		for _, id := range c.ReservedTenants {
			r.reserved[id] = true
		}
	}
	for _, s := range c.From {
		switch s {
		case SourceHeader:
			r.order = append(r.order, fromHeader)
			r.useHeader = true
		case SourceResourceAttribute:
			r.order = append(r.order, fromAttribute)
		case SourceDefault:
			r.order = append(r.order, fromDefault)
		}
	}
	return r
}

// headerTenant is the first value of the tenant header; an empty value
// counts as absent, as Mimir treats an empty X-Scope-OrgID.
func (r *resolver) headerTenant(ctx context.Context) (string, bool) {
	if !r.useHeader {
		return "", false
	}
	v := client.FromContext(ctx).Metadata.Get(r.header)
	if len(v) == 0 || v[0] == "" {
		return "", false
	}
	return v[0], true
}

// resolve returns the tenant of one resource; a present but invalid id is
// an error rather than a fall-through, so a typo never silently lands data
// in the default tenant.
func (r *resolver) resolve(hdr string, hdrOK bool, attrs pcommon.Map, resource int) (string, *refusal) {
	for _, s := range r.order {
		switch s {
		case fromHeader:
			if !hdrOK {
				continue
			}
			if err := validateTenant(hdr); err != nil {
				return "", invalidTenant(fmt.Sprintf("invalid tenant in header %s: %v", r.headerShown, err))
			}
			if r.reserved[hdr] {
				return "", invalidTenant(fmt.Sprintf("invalid tenant in header %s: %s", r.headerShown, reservedMessage(hdr)))
			}
			return hdr, nil
		case fromAttribute:
			v, ok := attrs.Get(r.attr)
			if !ok {
				continue
			}
			if v.Type() != pcommon.ValueTypeStr {
				return "", invalidTenant(fmt.Sprintf("invalid tenant in resource attribute %s of resource %d: the value is a %s, not a string", r.attr, resource, v.Type()))
			}
			id := v.Str()
			if id == "" {
				continue
			}
			if err := validateTenant(id); err != nil {
				return "", invalidTenant(fmt.Sprintf("invalid tenant in resource attribute %s of resource %d: %v", r.attr, resource, err))
			}
			if r.reserved[id] {
				return "", invalidTenant(fmt.Sprintf("invalid tenant in resource attribute %s of resource %d: %s", r.attr, resource, reservedMessage(id)))
			}
			return id, nil
		case fromDefault:
			if r.def != "" {
				return r.def, nil
			}
		}
	}
	return "", r.missing(resource)
}

func (r *resolver) missing(resource int) *refusal {
	var tried []string
	for _, s := range r.order {
		switch s {
		case fromHeader:
			tried = append(tried, "no "+r.headerShown+" header")
		case fromAttribute:
			tried = append(tried, fmt.Sprintf("no %s attribute on resource %d", r.attr, resource))
		case fromDefault:
			tried = append(tried, "no default_tenant configured")
		}
	}
	return newPermanent(reasonMissingTenant, "", "no tenant: "+strings.Join(tried, ", "))
}

func reservedMessage(id string) string {
	return fmt.Sprintf("tenant id %s is reserved for this server's own telemetry", quoteID(id))
}

func invalidTenant(msg string) *refusal {
	return newPermanent(reasonInvalidTenant, "", msg)
}

// setTenant writes the tenant onto the resource, skipping the write when it
// is already there: the common case of agents that set tenant.id themselves.
func setTenant(attrs pcommon.Map, key, tenant string) {
	if v, ok := attrs.Get(key); ok && v.Type() == pcommon.ValueTypeStr && v.Str() == tenant {
		return
	}
	attrs.PutStr(key, tenant)
}
