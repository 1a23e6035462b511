package main

import (
	"bufio"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// loader sends trace requests of spansPerRequest spans from several
// goroutines until stopped, and remembers which requests got a 2xx.
type loader struct {
	endpoint, tenant string
	spansPerRequest  int
	nextSeq          atomic.Uint64
	stopped          atomic.Bool
	wg               sync.WaitGroup

	mu     sync.Mutex
	acked  []uint64
	ackAt  []time.Time
	failed int
}

func startLoader(t *testing.T, endpoint, tenant string, workers, spansPerRequest int, pause time.Duration) *loader {
	l := &loader{endpoint: endpoint, tenant: tenant, spansPerRequest: spansPerRequest}
	client := &http.Client{Timeout: 5 * time.Second}
	for range workers {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			for !l.stopped.Load() {
				seq := l.nextSeq.Add(1)
				r := postTraces(client, endpoint, tenant, traceRequest(t, seq, spansPerRequest))
				l.mu.Lock()
				if r.err == nil && r.status == http.StatusOK {
					l.acked = append(l.acked, seq)
					l.ackAt = append(l.ackAt, time.Now())
				} else {
					l.failed++
				}
				l.mu.Unlock()
				time.Sleep(pause)
			}
		}()
	}
	return l
}

func (l *loader) stop() {
	l.stopped.Store(true)
	l.wg.Wait()
}

func (l *loader) ackedBetween(from, to time.Time) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, at := range l.ackAt {
		if at.After(from) && at.Before(to) {
			n++
		}
	}
	return n
}

// storedSpansPerTrace reads how many spans each of the tenant's traces has.
func storedSpansPerTrace(t *testing.T, addr, tenant string) map[string]int {
	t.Helper()
	out := query(t, addr, "SELECT TraceId, count() FROM otel_traces WHERE TenantId = '"+tenant+"' GROUP BY TraceId FORMAT TSV")
	spans := map[string]int{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		id, n, ok := strings.Cut(sc.Text(), "\t")
		if !ok {
			continue
		}
		spans[id], _ = strconv.Atoi(n)
	}
	return spans
}

// waitForAcked polls until every acknowledged request's spans are stored,
// and reports requests stored more than once.
func waitForAcked(t *testing.T, addr string, l *loader, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var missing []uint64
	for {
		stored := storedSpansPerTrace(t, addr, l.tenant)
		missing = missing[:0]
		duplicated := 0
		for _, seq := range l.acked {
			switch n := stored[traceIDOf(seq)]; {
			case n < l.spansPerRequest:
				missing = append(missing, seq)
			case n > l.spansPerRequest:
				duplicated++
			}
		}
		if len(missing) == 0 {
			t.Logf("all %d acknowledged requests (%d spans) are stored; %d requests stored more than once; %d requests refused or failed",
				len(l.acked), len(l.acked)*l.spansPerRequest, duplicated, l.failed)
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d acknowledged requests are not (wholly) in the store, e.g. %v",
				len(missing), len(l.acked), missing[:min(5, len(missing))])
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// kill -9 in the middle of a load, then a restart: every item whose request
// got a 2xx is in the store.
func TestKill9LosesNoAcknowledgedItem(t *testing.T) {
	dataDir, ep := t.TempDir(), newEndpoints(t)
	d := startDaemon(t, dataDir, ep, nil)
	l := startLoader(t, ep.otlpHTTP, "crash", 4, 50, 0)
	time.Sleep(3 * time.Second)
	d.kill()
	l.stop()
	if len(l.acked) == 0 {
		t.Fatal("no request was acknowledged before the kill")
	}
	t.Logf("%d requests acknowledged before kill -9", len(l.acked))

	d = startDaemon(t, dataDir, ep, nil)
	defer d.stop()
	waitForAcked(t, ep.clickhouseHTTP, l, 90*time.Second)
}

// serverMode is an ingest daemon in server mode and the store it writes
// to: a slopipe serving its embedded engine over ClickHouse's HTTP
// interface, as a ClickHouse server would, that a test can stop and start.
type serverMode struct {
	t                 *testing.T
	storeDir          string
	storeEP, ingestEP endpoints
	store             *daemon
}

func startServerMode(t *testing.T, config ...string) *serverMode {
	dir := t.TempDir()
	m := &serverMode{t: t, storeDir: filepath.Join(dir, "store"), storeEP: newEndpoints(t), ingestEP: newEndpoints(t)}
	m.startStore()
	// Cleanups run last-in first-out: the ingest daemon stops first, while
	// its store is still there for its final writes.
	t.Cleanup(func() { m.store.stop() })
	args := []string{"--config", defaultConfigURI, "--config", "yaml:exporters::clickhouse::retry_on_failure::max_interval: 1s"}
	for _, c := range config {
		args = append(args, "--config", c)
	}
	ingest := startDaemon(t, filepath.Join(dir, "ingest"), m.ingestEP,
		[]string{"SLOPIPE_CLICKHOUSE_DSN=http://" + m.storeEP.clickhouseHTTP + "/otel"}, args...)
	t.Cleanup(ingest.stop)
	return m
}

func (m *serverMode) startStore() { m.store = startDaemon(m.t, m.storeDir, m.storeEP, nil) }
func (m *serverMode) stopStore()  { m.store.stop() }

// The store goes away under load: ingest keeps being acknowledged into the
// persistent queue, and after the store is back every acknowledged item is
// in it, exactly once.
func TestStoreOutageIsRiddenOutInThePersistentQueue(t *testing.T) {
	m := startServerMode(t)
	l := startLoader(t, m.ingestEP.otlpHTTP, "outage", 2, 50, 20*time.Millisecond)
	time.Sleep(2 * time.Second)
	m.stopStore()
	down := time.Now()
	time.Sleep(4 * time.Second)
	m.startStore()
	up := time.Now()
	time.Sleep(2 * time.Second)
	l.stop()

	if n := l.ackedBetween(down, up); n == 0 {
		t.Fatalf("no request was acknowledged while the store was down (%d failed)", l.failed)
	} else {
		t.Logf("%d requests acknowledged while the store was down", n)
	}
	waitForAcked(t, m.storeEP.clickhouseHTTP, l, 90*time.Second)
	waitForCount(t, m.storeEP.clickhouseHTTP, "SELECT count() FROM otel_traces WHERE TenantId = 'outage'",
		uint64(len(l.acked)*l.spansPerRequest), 30*time.Second)
	if l.failed > 0 {
		t.Errorf("%d requests were refused during the outage; the persistent queue should have taken them", l.failed)
	}
}

// With the store down long enough for the persistent queue to fill, new
// data is refused with 503 and a Retry-After, never dropped; what was
// acknowledged before is stored once the store is back.
func TestFullQueueRefusesWith503AndRetryAfter(t *testing.T) {
	m := startServerMode(t,
		"yaml:exporters::clickhouse::sending_queue::queue_size: 1000",
		"yaml:exporters::clickhouse::sending_queue::batch::min_size: 100")
	m.stopStore()

	client := &http.Client{Timeout: 5 * time.Second}
	l := &loader{tenant: "full", spansPerRequest: 100}
	var refused exportResult
	for seq := uint64(1); seq <= 100; seq++ {
		r := postTraces(client, m.ingestEP.otlpHTTP, "full", traceRequest(t, seq, 100))
		if r.err != nil {
			t.Fatal(r.err)
		}
		if r.status == http.StatusOK {
			l.acked = append(l.acked, seq)
			continue
		}
		refused = r
		break
	}
	if refused.status != http.StatusServiceUnavailable || refused.retryAfter != "5" {
		t.Fatalf("with the queue full: got %d Retry-After %q (%s), want 503 with Retry-After 5", refused.status, refused.retryAfter, refused.body)
	}
	t.Logf("queue full after %d acknowledged requests: %d %s", len(l.acked), refused.status, refused.body)

	m.startStore()
	waitForAcked(t, m.storeEP.clickhouseHTTP, l, 90*time.Second)
}
