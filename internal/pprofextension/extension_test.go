package pprofextension

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/extension/extensiontest"
)

func start(t *testing.T, endpoint string) *pprofExtension {
	t.Helper()
	f := NewFactory()
	cfg := f.CreateDefaultConfig().(*Config)
	cfg.Endpoint = endpoint
	ext, err := f.Create(context.Background(), extensiontest.NewNopSettings(Type), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := ext.Start(context.Background(), componenttest.NewNopHost()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := ext.Shutdown(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return ext.(*pprofExtension)
}

func TestServesProfiles(t *testing.T) {
	x := start(t, "127.0.0.1:0")
	base := "http://" + x.listener.Addr().String()
	for path, want := range map[string]string{
		"/debug/pprof/":                  "goroutine",
		"/debug/pprof/goroutine?debug=1": "goroutine profile:",
		"/debug/pprof/heap?debug=1":      "heap profile:",
		"/debug/pprof/profile?seconds=1": "", // a binary CPU profile, after a second
	} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || len(body) == 0 || !strings.Contains(string(body), want) {
			t.Errorf("GET %s: %d, %d bytes, want 200 with %q", path, resp.StatusCode, len(body), want)
		}
	}
}

func TestNoEndpointServesNothing(t *testing.T) {
	if x := start(t, ""); x.listener != nil {
		t.Fatalf("listening on %s without an endpoint", x.listener.Addr())
	}
}

func TestEndpointInUseFailsStart(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	f := NewFactory()
	cfg := &Config{Endpoint: taken.Addr().String()}
	ext, err := f.Create(context.Background(), extensiontest.NewNopSettings(Type), cfg)
	if err != nil {
		t.Fatal(err)
	}
	err = ext.Start(context.Background(), componenttest.NewNopHost())
	if err == nil || !strings.Contains(err.Error(), "pprof") || !strings.Contains(err.Error(), taken.Addr().String()) {
		t.Fatalf("Start on a taken port: %v, want an error naming pprof and the address", err)
	}
}

func TestValidate(t *testing.T) {
	for endpoint, ok := range map[string]bool{"": true, "127.0.0.1:1777": true, "localhost:0": true, "1777": false, "http://127.0.0.1:1777": false} {
		err := (&Config{Endpoint: endpoint}).Validate()
		if (err == nil) != ok {
			t.Errorf("endpoint %q: Validate() = %v, want ok %v", endpoint, err, ok)
		}
		if err != nil && !strings.Contains(err.Error(), "endpoint") {
			t.Errorf("endpoint %q: %v does not name the field", endpoint, err)
		}
	}
}
