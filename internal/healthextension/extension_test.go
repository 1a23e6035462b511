package healthextension

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/extension/extensiontest"

	"github.com/slopipe/slopipe/store"
	"github.com/slopipe/slopipe/store/storeextension/storeextensiontest"
	"github.com/slopipe/slopipe/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m, "healthextension")) }

func get(t *testing.T, url string) (int, report) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("%s: Content-Type %q", url, ct)
	}
	var r report
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatalf("%s: %v", url, err)
	}
	return resp.StatusCode, r
}

func TestHandlerAnswersEachEndpoint(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	var storeErr error
	c := &checks{
		pipelines: newPipelines(10*time.Second, time.Now),
		store:     &storeCheck{ping: func(context.Context) error { return storeErr }, timeout: time.Second, now: clock.Now},
	}
	srv := httptest.NewServer(c.handler())
	defer srv.Close()

	code, r := get(t, srv.URL+"/livez")
	if code != 503 || r.Status != "unavailable" || !strings.Contains(r.Checks["pipelines"], "not running") {
		t.Fatalf("/livez while starting: %d %+v", code, r)
	}
	c.pipelines.setRunning(true)
	for _, path := range []string{"/livez", "/readyz", "/"} {
		if code, r := get(t, srv.URL+path); code != 200 || r.Status != "ok" {
			t.Fatalf("%s when all is well: %d %+v", path, code, r)
		}
	}
	if _, r := get(t, srv.URL+"/readyz"); len(r.Checks) != 3 || r.Checks["store"] != "ok" || r.Checks["queue"] != "ok" {
		t.Fatalf("/readyz checks %v, want pipelines, store and queue", r.Checks)
	}

	storeErr = errors.New("dial tcp 127.0.0.1:9000: connect: connection refused")
	for _, path := range []string{"/readyz", "/"} {
		code, r := get(t, srv.URL+path)
		if code != 503 || r.Checks["store"] != storeErr.Error() || r.Checks["queue"] != "ok" || r.Checks["pipelines"] != "ok" {
			t.Fatalf("%s with the store down: %d %+v, want 503 naming the store", path, code, r)
		}
	}
	if code, _ := get(t, srv.URL+"/livez"); code != 200 {
		t.Fatalf("/livez with the store down: %d, want 200: restarting slopipe does not bring the store back", code)
	}

	storeErr = nil
	c.pipelines.record(tracesExporter, queueFull())
	code, r = get(t, srv.URL+"/readyz")
	if code != 503 || !strings.HasPrefix(r.Checks["queue"], "exporter clickhouse (traces): sending queue is full since ") || r.Checks["store"] != "ok" {
		t.Fatalf("/readyz with a full queue: %d %+v", code, r)
	}
	c.pipelines.record(tracesExporter, componentstatus.NewEvent(componentstatus.StatusOK))
	if code, r := get(t, srv.URL+"/readyz"); code != 200 {
		t.Fatalf("/readyz after the queue took data again: %d %+v", code, r)
	}

	resp, err := http.Get(srv.URL + "/other")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("/other: %d, want 404", resp.StatusCode)
	}
}

// ?exclude= skips a check and says so; a name the endpoint has no check
// for is a 400 naming it.
func TestExcludeSkipsTheNamedChecks(t *testing.T) {
	var pings atomic.Int32
	c := &checks{
		pipelines: newPipelines(10*time.Second, time.Now),
		store: &storeCheck{ping: func(context.Context) error {
			pings.Add(1)
			return errors.New("dial tcp 127.0.0.1:9000: connect: connection refused")
		}, timeout: time.Second, now: time.Now},
	}
	c.pipelines.setRunning(true)
	srv := httptest.NewServer(c.handler())
	defer srv.Close()

	if code, r := get(t, srv.URL+"/readyz"); code != 503 || !strings.Contains(r.Checks["store"], "connection refused") {
		t.Fatalf("/readyz with the store down: %d %+v", code, r)
	}
	for _, path := range []string{"/readyz?exclude=store", "/?exclude=store"} {
		before := pings.Load()
		code, r := get(t, srv.URL+path)
		if code != 200 || r.Status != "ok" || r.Checks["store"] != "excluded" || r.Checks["queue"] != "ok" || r.Checks["pipelines"] != "ok" {
			t.Fatalf("%s with the store down: %d %+v, want 200 listing the store as excluded", path, code, r)
		}
		if pings.Load() != before {
			t.Errorf("%s pinged the store", path)
		}
	}

	// The queue is still checked: a pod whose queue is full is not ready.
	c.pipelines.record(tracesExporter, queueFull())
	if code, r := get(t, srv.URL+"/readyz?exclude=store"); code != 503 || !strings.Contains(r.Checks["queue"], "sending queue is full") {
		t.Fatalf("/readyz?exclude=store with a full queue: %d %+v, want 503 naming the queue", code, r)
	}
	code, r := get(t, srv.URL+"/readyz?exclude=store&exclude=queue")
	if code != 200 || r.Checks["store"] != "excluded" || r.Checks["queue"] != "excluded" || r.Checks["pipelines"] != "ok" {
		t.Fatalf("/readyz excluding store and queue: %d %+v", code, r)
	}

	for path, want := range map[string]string{
		"/readyz?exclude=stor":            `no check named "stor" (the checks are pipelines, queue, store)`,
		"/readyz?exclude=store&exclude=x": `no check named "x"`,
		"/readyz?exclude=store,queue":     `no check named "store,queue"`,
		"/?exclude=":                      `no check named ""`,
		"/livez?exclude=store":            `no check named "store" (the checks are pipelines)`,
	} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		var body struct{ Error string }
		err = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if resp.StatusCode != 400 || err != nil || !strings.Contains(body.Error, want) {
			t.Errorf("%s: %d %q (%v), want 400 saying %s", path, resp.StatusCode, body.Error, err, want)
		}
	}
	if code, r := get(t, srv.URL+"/livez?exclude=pipelines"); code != 200 || r.Checks["pipelines"] != "excluded" {
		t.Errorf("/livez?exclude=pipelines: %d %+v", code, r)
	}
}

// unreachableStore fails every query, as a server behind a broken network does.
type unreachableStore struct{ store.Store }

func (unreachableStore) Query(context.Context, string, store.Params) (store.Rows, error) {
	return nil, errors.New("dial tcp 127.0.0.1:9000: connect: connection refused")
}

// The extension as the collector runs it: started after the store,
// told when the pipelines run and of every component's status.
func TestExtensionInTheCollectorsLifecycle(t *testing.T) {
	ctx := context.Background()
	cfg := createDefaultConfig().(*Config)
	cfg.Endpoint = "127.0.0.1:0"
	cfg.StoreCacheFor = 0
	f := NewFactory()
	ext, err := f.Create(ctx, extensiontest.NewNopSettings(Type), cfg)
	if err != nil {
		t.Fatal(err)
	}
	x := ext.(*healthExtension)
	if deps := x.Dependencies(); len(deps) != 1 || deps[0] != component.MustNewID("store") {
		t.Fatalf("dependencies %v, want the store extension", deps)
	}
	st := &switchableStore{Store: storetest.Open(t)}
	if err := ext.Start(ctx, storeextensiontest.NewHost(st)); err != nil {
		t.Fatal(err)
	}
	base := "http://" + x.Addr()

	code, r := get(t, base+"/readyz")
	if code != 503 || r.Checks["store"] != "ok" || !strings.Contains(r.Checks["pipelines"], "not running") {
		t.Fatalf("/readyz before the pipelines run: %d %+v", code, r)
	}
	x.Ready()
	if code, r := get(t, base+"/"); code != 200 {
		t.Fatalf("/ with pipelines running and the embedded store: %d %+v", code, r)
	}
	x.ComponentStatusChanged(logsExporter, queueFull())
	if code, r := get(t, base+"/readyz"); code != 503 || r.Checks["queue"] == "ok" {
		t.Fatalf("/readyz after a queue-full event: %d %+v", code, r)
	}
	x.ComponentStatusChanged(logsExporter, componentstatus.NewEvent(componentstatus.StatusOK))
	if code, r := get(t, base+"/readyz"); code != 200 {
		t.Fatalf("/readyz after recovery: %d %+v", code, r)
	}
	st.down.Store(true)
	if code, r := get(t, base+"/readyz"); code != 503 || !strings.Contains(r.Checks["store"], "connection refused") {
		t.Fatalf("/readyz with the store unreachable: %d %+v", code, r)
	}
	x.NotReady()
	if code, _ := get(t, base+"/livez"); code != 503 {
		t.Fatalf("/livez while shutting down: %d, want 503", code)
	}
	if err := ext.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get(base + "/livez"); err == nil {
		t.Error("still serving after Shutdown")
	}
}

// switchableStore is the test's store until the test takes it down.
type switchableStore struct {
	store.Store
	down atomic.Bool
}

func (s *switchableStore) Query(ctx context.Context, sql string, p store.Params) (store.Rows, error) {
	if s.down.Load() {
		return unreachableStore{}.Query(ctx, sql, p)
	}
	return s.Store.Query(ctx, sql, p)
}

func TestStartWithoutTheStoreExtensionNamesIt(t *testing.T) {
	ext, err := NewFactory().Create(context.Background(), extensiontest.NewNopSettings(Type), createDefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	err = ext.Start(context.Background(), componentHostWithout{})
	if err == nil || !strings.Contains(err.Error(), `"store" is not configured`) {
		t.Fatalf("got %v", err)
	}
}

type componentHostWithout struct{}

func (componentHostWithout) GetExtensions() map[component.ID]component.Component { return nil }

func TestConfigValidateNamesTheField(t *testing.T) {
	for _, tc := range []struct {
		edit func(*Config)
		want string
	}{
		{func(c *Config) { c.Endpoint = "13133" }, "endpoint"},
		{func(c *Config) { c.Store = component.ID{} }, "store"},
		{func(c *Config) { c.StoreTimeout = 0 }, "store_timeout"},
		{func(c *Config) { c.StoreCacheFor = -time.Second }, "store_cache_for"},
		{func(c *Config) { c.QueueFullExpiry = time.Second }, "queue_full_expiry"},
	} {
		c := createDefaultConfig().(*Config)
		tc.edit(c)
		if err := c.Validate(); err == nil || !strings.HasPrefix(err.Error(), tc.want+":") {
			t.Errorf("%s: got %v", tc.want, err)
		}
	}
	if err := createDefaultConfig().(*Config).Validate(); err != nil {
		t.Errorf("default config: %v", err)
	}
}
