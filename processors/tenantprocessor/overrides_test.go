package tenantprocessor

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/processor/processortest"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

func TestParseOverrides(t *testing.T) {
	defaults := Limits{Rate: 100, Burst: 200, MaxAttributesPerItem: 64}
	o, err := parseOverrides("o.yaml", []byte(`
overrides:
  noisy:
    rate: 10
    burst: 20
  big:
    max_active_series: 1000000
    max_attributes_per_item: 0 # 0 = unlimited, not "inherit"
  plain:
`), defaults)
	if err != nil {
		t.Fatal(err)
	}
	for tenant, want := range map[string]Limits{
		"noisy":   {Rate: 10, Burst: 20, MaxAttributesPerItem: 64},
		"big":     {Rate: 100, Burst: 200, MaxActiveSeries: 1000000},
		"plain":   defaults,
		"unknown": defaults,
	} {
		if got := *o.limits(tenant); got != want {
			t.Errorf("%s: %+v, want %+v", tenant, got, want)
		}
	}
	for _, empty := range []string{"", "# nothing\n", "overrides:\n", "overrides: {}\n"} {
		o, err := parseOverrides("o.yaml", []byte(empty), defaults)
		if err != nil || len(o.tenants) != 0 {
			t.Errorf("%q: %v, %d tenants", empty, err, len(o.tenants))
		}
	}
}

func TestParseOverridesErrorsNameFileLineAndField(t *testing.T) {
	defaults := Limits{}
	for _, tc := range []struct {
		yaml string
		want string
	}{
		{"overrides:\n  a:\n    rate: -5\n", "o.yaml:3: overrides.a.rate: must be a finite number >= 0, got -5"},
		{"overrides:\n  a:\n    burst: 10\n    rat: 5\n", "o.yaml:4: overrides.a.rat: unknown field"},
		{"overrides:\n  a:\n    rate: fast\n", `o.yaml:3: overrides.a.rate: want a number, got "fast"`},
		{"overrides:\n  a:\n    burst: 1.5\n", `o.yaml:3: overrides.a.burst: want an integer, got "1.5"`},
		{"overrides:\n  a:\n    burst:\n", `o.yaml:3: overrides.a.burst: want an integer, got nothing`},
		{"overrides:\n  a:\n    burst: [1]\n", `o.yaml:3: overrides.a.burst: want an integer, got a sequence`},
		// rate without a burst: the error points at the tenant's rate line.
		{"overrides:\n  a:\n    rate: 5\n", "o.yaml:3: overrides.a.burst: must be > 0 when rate is set"},
		{"overrides:\n  \"a b\":\n    rate: 5\n", `o.yaml:2: overrides: tenant id "a b" has byte 0x20`},
		{"overrides:\n  a: {}\n  a: {}\n", "o.yaml:3: overrides.a: tenant already listed at line 2"},
		{"overrides:\n  a:\n    burst: 1\n    burst: 2\n", "o.yaml:4: overrides.a.burst: set twice"},
		{"limits:\n  a: {}\n", "o.yaml:1: limits: unknown key (want overrides)"},
		{"overrides: [a]\n", "o.yaml:1: overrides: want a mapping"},
		{"overrides:\n  a: 5\n", "o.yaml:2: overrides.a: want a mapping of limit fields"},
		{"overrides:\n  a:\n    rate: 5\n    burst: \"7\"\n", `o.yaml:4: overrides.a.burst: want an integer, got "7"`},
		{"overrides:\n  a:\n    burst: 1e6\n", `o.yaml:3: overrides.a.burst: want an integer, got "1e6"`},
		{"overrides:\n  a:\n    rate: 1e3\n    burst: 10\n    max_active_series: 5\n  b: [\n", "o.yaml:6: did not find expected node content"},
		{"- 1\n", "o.yaml:1: want a mapping with the key overrides"},
	} {
		_, err := parseOverrides("o.yaml", []byte(tc.yaml), defaults)
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%q: %v, want an error starting %q", tc.yaml, err, tc.want)
		}
	}
}

// writeFile replaces the file and moves its modification time on, so that
// a change is visible even where mtime is coarse.
func writeFile(t *testing.T, path, content string, mtime time.Time) {
	t.Helper()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(tmp, mtime, mtime); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestOverridesReload(t *testing.T) {
	path := filepath.Join(t.TempDir(), "overrides.yaml")
	mtime := time.Now().Add(-time.Hour)
	writeFile(t, path, "overrides:\n  noisy:\n    rate: 10\n    burst: 10\n", mtime)

	core, observed := observer.New(zap.InfoLevel)
	p := newTestProcessorWithLogger(t, zap.New(core), func(c *Config) {
		c.OverridesFile = path
		c.OverridesReloadPeriod = 10 * time.Millisecond
	})
	send := func(n int) error {
		_, err := p.processLogs(orgID("noisy"), logs(res{items: n}))
		return err
	}
	wantPermanent(t, send(11)) // over the overridden burst of 10
	if err := send(10); err != nil {
		t.Fatal(err)
	}

	// Raise the limit: the new burst applies once the file is re-read (the
	// bucket refills at the new rate from where it was, empty).
	writeFile(t, path, "overrides:\n  noisy:\n    rate: 1000\n    burst: 1000\n", mtime.Add(time.Minute))
	eventually(t, "the new overrides", func() bool { return p.limits.Load().limits("noisy").Burst == 1000 })
	p.clock.advance(time.Second)
	if err := send(500); err != nil {
		t.Fatalf("new limit not applied: %v", err)
	}
	if observed.FilterMessage("tenant overrides reloaded").Len() != 1 {
		t.Errorf("reload not logged: %v", observed.All())
	}

	// A bad file keeps the last good overrides, and says where it is bad.
	writeFile(t, path, "overrides:\n  noisy:\n    rate: 1000\n    burst: lots\n", mtime.Add(2*time.Minute))
	eventually(t, "the error log", func() bool {
		return observed.FilterMessage("tenant overrides not reloaded; keeping the last good overrides").Len() == 1
	})
	entry := observed.FilterMessage("tenant overrides not reloaded; keeping the last good overrides").All()[0]
	msg := entry.ContextMap()["error"].(string)
	if want := path + `:4: overrides.noisy.burst: want an integer, got "lots"`; msg != want {
		t.Errorf("error %q, want %q", msg, want)
	}
	if got := p.limits.Load().limits("noisy").Burst; got != 1000 {
		t.Errorf("burst %d after a bad file, want the last good 1000", got)
	}
	// Logged once per change, not once per poll.
	time.Sleep(50 * time.Millisecond)
	if n := observed.FilterMessage("tenant overrides not reloaded; keeping the last good overrides").Len(); n != 1 {
		t.Errorf("bad file logged %d times", n)
	}

	// A removed file also keeps them.
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the unreadable log", func() bool {
		return observed.FilterMessage("tenant overrides file unreadable; keeping the last good overrides").Len() == 1
	})
	if got := p.limits.Load().limits("noisy").Burst; got != 1000 {
		t.Errorf("burst %d after removal, want 1000", got)
	}
}

func TestBadOverridesFileFailsStart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "overrides.yaml")
	writeFile(t, path, "overrides:\n  a:\n    rate: 1\n", time.Now())
	cfg := createDefaultConfig().(*Config)
	cfg.Store = component.ID{}
	cfg.OverridesFile = path
	p, err := newTenantProcessor(processortest.NewNopSettings(Type), cfg)
	if err != nil {
		t.Fatal(err)
	}
	err = p.Start(context.Background(), componenttest.NewNopHost())
	if err == nil || !strings.Contains(err.Error(), path+":3: overrides.a.burst") {
		t.Fatalf("Start = %v, want the file's error", err)
	}
	_ = p.shutdown(context.Background())
}

// FuzzParseOverrides: any file content either parses into valid limits for
// valid tenants or fails with an error that starts with the file name.
func FuzzParseOverrides(f *testing.F) {
	for _, seed := range []string{
		"overrides:\n  a:\n    rate: 10\n    burst: 20\n",
		"overrides:\n  a: &x {burst: 1}\n  b: *x\n",
		"overrides:\n  a:\n    rate: 1e3\n    burst: 0x10\n",
		"overrides: {a: {rate: -1}}", "overrides:\n  a: [", "", "~", "- a", "overrides: 5",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		o, err := parseOverrides("f.yaml", data, Limits{})
		if err != nil {
			if !strings.HasPrefix(err.Error(), "f.yaml") {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		for tenant, l := range o.tenants {
			if err := validateTenant(tenant); err != nil {
				t.Fatalf("tenant %q accepted: %v", tenant, err)
			}
			if err := l.validate(); err != nil {
				t.Fatalf("tenant %q limits %+v accepted: %v", tenant, *l, err)
			}
		}
	})
}
