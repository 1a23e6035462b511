package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func TestMain(m *testing.M) {
	// The acceptance tests run this binary again as the daemon itself, with
	// the arguments and environment a user would give bin/slopipe.
	if os.Getenv("SLOPIPE_TEST_AS_DAEMON") == "1" {
		os.Exit(runMain(os.Args[1:]))
	}
	os.Exit(m.Run())
}

// handedOut are the ports freeAddr gave this process: the kernel may offer
// a port again once its probe listener closed, and two servers of one test
// would then collide.
var handedOut = struct {
	sync.Mutex
	ports map[string]bool
}{ports: map[string]bool{}}

func freeAddr(t *testing.T) string {
	t.Helper()
	handedOut.Lock()
	defer handedOut.Unlock()
	for range 100 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		if !handedOut.ports[addr] {
			handedOut.ports[addr] = true
			return addr
		}
	}
	t.Fatal("no free loopback port not handed out before")
	return ""
}

// endpoints are one daemon's listening addresses, all on free loopback ports.
type endpoints struct {
	otlpGRPC, otlpHTTP, remoteWrite, clickhouseHTTP, health, telemetryPort, api string
	selfTelemetry                                                               string // the otlp/self receiver
}

func newEndpoints(t *testing.T) endpoints {
	_, port, _ := net.SplitHostPort(freeAddr(t))
	return endpoints{
		otlpGRPC: freeAddr(t), otlpHTTP: freeAddr(t), remoteWrite: freeAddr(t),
		clickhouseHTTP: freeAddr(t), health: freeAddr(t), telemetryPort: port, api: freeAddr(t),
		selfTelemetry: freeAddr(t),
	}
}

// lockedBuffer collects the daemon's output from two pipes.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

type daemon struct {
	t    *testing.T
	ep   endpoints
	cmd  *exec.Cmd
	out  *lockedBuffer
	done chan error
}

// startDaemon runs slopipe on dataDir with the built-in default config (or
// the given --config arguments), the endpoints overridden through the same
// environment variables a user would set, and waits until it is healthy.
func startDaemon(t *testing.T, dataDir string, ep endpoints, env []string, args ...string) *daemon {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(),
		"SLOPIPE_TEST_AS_DAEMON=1",
		"SLOPIPE_DATA_DIR="+dataDir,
		"SLOPIPE_OTLP_GRPC_ENDPOINT="+ep.otlpGRPC,
		"SLOPIPE_OTLP_HTTP_ENDPOINT="+ep.otlpHTTP,
		"SLOPIPE_REMOTE_WRITE_ENDPOINT="+ep.remoteWrite,
		"SLOPIPE_CLICKHOUSE_HTTP_ADDR="+ep.clickhouseHTTP,
		"SLOPIPE_HEALTH_ENDPOINT="+ep.health,
		"SLOPIPE_TELEMETRY_PORT="+ep.telemetryPort,
		"SLOPIPE_API_ADDR="+ep.api,
		"SLOPIPE_SELF_TELEMETRY_ENDPOINT="+ep.selfTelemetry,
	)
	cmd.Env = append(cmd.Env, env...)
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	d := &daemon{t: t, ep: ep, cmd: cmd, out: out, done: make(chan error, 1)}
	go func() { d.done <- cmd.Wait() }()
	deadline := time.Now().Add(90 * time.Second)
	for {
		resp, err := http.Get("http://" + ep.health + "/")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return d
			}
		}
		select {
		case err := <-d.done:
			t.Fatalf("daemon exited before it was healthy (%v):\n%s", err, out)
		default:
		}
		if time.Now().After(deadline) {
			d.kill()
			t.Fatalf("daemon did not become healthy:\n%s", out)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// stop sends SIGTERM, as systemd and Kubernetes do, and waits for a clean exit.
func (d *daemon) stop() {
	d.t.Helper()
	d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-d.done:
		if err != nil {
			d.t.Errorf("daemon exited with %v:\n%s", err, d.out)
		}
	case <-time.After(60 * time.Second):
		d.cmd.Process.Kill()
		d.t.Errorf("daemon did not stop on SIGTERM:\n%s", d.out)
	}
}

// kill is kill -9: no shutdown, no flush.
func (d *daemon) kill() {
	d.cmd.Process.Kill()
	<-d.done
}

// query runs SQL through the daemon's ClickHouse HTTP interface.
func query(t *testing.T, addr, sql string) string {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/?query=" + url.QueryEscape(sql))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("%s: %d %s", sql, resp.StatusCode, body)
	}
	return strings.TrimSpace(string(body))
}

// waitForCount polls until sql returns want, failing with the last answer
// after timeout. It then checks the count stays put for a moment, so that
// duplicates arriving late are caught too.
func waitForCount(t *testing.T, addr, sql string, want uint64, timeout time.Duration) {
	t.Helper()
	wantText := fmt.Sprint(want)
	deadline := time.Now().Add(timeout)
	var got string
	for time.Now().Before(deadline) {
		got = query(t, addr, sql)
		if got == wantText {
			time.Sleep(1500 * time.Millisecond)
			if again := query(t, addr, sql); again != wantText {
				t.Fatalf("%s: was %s, then %s; want exactly %s", sql, got, again, wantText)
			}
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("%s: got %s, want %s", sql, got, wantText)
}

// peer finds an external program the tests run against: from the
// environment variable the Makefile sets, else on PATH.
func peer(t *testing.T, envVar, name string) string {
	t.Helper()
	if p := os.Getenv(envVar); p != "" {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s is needed (run the tests with `make test`, which installs it, or set %s)", name, envVar)
	}
	return p
}
