package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/slopipe/slopipe/bench/loadgen"
)

// A side is one collector under test with the engine it writes to: the
// processes whose CPU and memory are charged to it, where it takes OTLP,
// and how to count the rows it has stored.
type side interface {
	name() string
	// start launches fresh processes in workDir and returns once they
	// take OTLP and their tables exist.
	start(ctx context.Context, workDir string) error
	otlpEndpoint(loadgen.Transport) string
	pids() []int
	// enginePid is the process of the side that only runs the engine, 0
	// when the engine runs inside the collector's process.
	enginePid() int
	// count is the number of rows of the signal the side has stored.
	count(ctx context.Context, s loadgen.Signal) (int64, error)
	stop()
}

// binaries are the programs the sides run.
type binaries struct {
	slopipe, reference, referenceConfig, engineServer string
}

// process is a child with its output in a log file.
type process struct {
	cmd     *exec.Cmd
	logPath string
	exited  chan struct{}
}

func launch(workDir, name, bin string, args, env []string) (*process, error) {
	logPath := filepath.Join(workDir, name+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = workDir
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	p := &process{cmd: cmd, logPath: logPath, exited: make(chan struct{})}
	go func() {
		cmd.Wait()
		logFile.Close()
		close(p.exited)
	}()
	return p, nil
}

// stop asks the process to end and kills it if it takes longer than a few
// seconds: its rows are counted already, a graceful drain is not measured.
func (p *process) stop() {
	if p == nil {
		return
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(5 * time.Second):
		p.cmd.Process.Kill()
		<-p.exited
	}
}

func (p *process) running() error {
	select {
	case <-p.exited:
		return fmt.Errorf("exited (%s); its log ends:\n%s", p.cmd.ProcessState, tail(p.logPath, 20))
	default:
		return nil
	}
}

func tail(path string, lines int) string {
	data, _ := os.ReadFile(path)
	all := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return strings.Join(all, "\n")
}

// freePorts returns n loopback addresses nothing listens on right now.
func freePorts(n int) ([]string, error) {
	var addrs []string
	var lns []net.Listener
	defer func() {
		for _, ln := range lns {
			ln.Close()
		}
	}()
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		lns = append(lns, ln)
		addrs = append(addrs, ln.Addr().String())
	}
	return addrs, nil
}

// waitFor polls ready until it holds, a process exits or the deadline.
func waitFor(ctx context.Context, what string, timeout time.Duration, procs []*process, ready func() bool) error {
	deadline := time.Now().Add(timeout)
	for !ready() {
		for _, p := range procs {
			if err := p.running(); err != nil {
				return fmt.Errorf("waiting for %s: %s %w", what, filepath.Base(p.cmd.Path), err)
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("waiting for %s: not ready after %s", what, timeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return nil
}

func listening(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// clickhouseQuery runs sql over ClickHouse's HTTP interface at addr.
func clickhouseQuery(ctx context.Context, addr, sql string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+addr+"/", strings.NewReader(sql))
	if err != nil {
		return "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("%s: HTTP %d: %.300s", sql, resp.StatusCode, body)
	}
	return strings.TrimSpace(string(body)), nil
}

func clickhouseCount(ctx context.Context, addr, sql string) (int64, error) {
	out, err := clickhouseQuery(ctx, addr, sql)
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(out, 10, 64)
}

func table(s loadgen.Signal) string {
	if s == loadgen.Logs {
		return "otel_logs"
	}
	return "otel_traces"
}

// slopipeSide is the slopipe daemon with its built-in configuration: one
// process with the engine embedded. With memoryQueue its exporter's
// sending queue is in memory, as the reference's is, rather than on disk.
type slopipeSide struct {
	bin         string
	tenants     []string
	memoryQueue bool
	proc        *process
	// grpc, http: OTLP; ch: ClickHouse's HTTP interface.
	grpc, http, ch string
}

// Side names in the report.
const (
	slopipeName            = "slopipe"
	slopipeMemoryQueueName = "slopipe, in-memory queue"
	referenceName          = "reference"
)

func (s *slopipeSide) name() string {
	if s.memoryQueue {
		return slopipeMemoryQueueName
	}
	return slopipeName
}

func (s *slopipeSide) start(ctx context.Context, workDir string) error {
	ports, err := freePorts(8)
	if err != nil {
		return err
	}
	s.grpc, s.http, s.ch = ports[0], ports[1], ports[2]
	health := ports[3]
	sloDir := filepath.Join(workDir, "slos")
	if err := os.MkdirAll(sloDir, 0o755); err != nil {
		return err
	}
	env := []string{
		"SLOPIPE_DATA_DIR=" + filepath.Join(workDir, "data"),
		"SLOPIPE_SLO_DIR=" + sloDir,
		"SLOPIPE_OTLP_GRPC_ENDPOINT=" + s.grpc,
		"SLOPIPE_OTLP_HTTP_ENDPOINT=" + s.http,
		"SLOPIPE_CLICKHOUSE_HTTP_ADDR=" + s.ch,
		"SLOPIPE_HEALTH_ENDPOINT=" + health,
		"SLOPIPE_SELF_TELEMETRY_ENDPOINT=" + ports[4],
		"SLOPIPE_REMOTE_WRITE_ENDPOINT=" + ports[5],
		"SLOPIPE_API_ADDR=" + ports[6],
		"SLOPIPE_TELEMETRY_PORT=" + portOf(ports[7]),
		// slopipe's own metrics into its store once an hour, not during
		// the run: they are not the load being measured.
		"SLOPIPE_SELF_TELEMETRY_INTERVAL_MS=3600000",
		"SLOPIPE_LOG_LEVEL=warn",
	}
	var args []string
	if s.memoryQueue {
		// The built-in configuration with the sending queue's storage
		// taken away: the queue is then the exporter's in-memory one.
		args = []string{"--config", "slopipe:default", "--set", "exporters::clickhouse::sending_queue::storage=null"}
	}
	s.proc, err = launch(workDir, "slopipe", s.bin, args, env)
	if err != nil {
		return err
	}
	return waitFor(ctx, "slopipe", 90*time.Second, []*process{s.proc}, func() bool {
		resp, err := http.Get("http://" + health + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return false
		}
		_, err = s.count(ctx, loadgen.Logs)
		return err == nil && listening(s.grpc) && listening(s.http)
	})
}

func portOf(addr string) string {
	_, port, _ := net.SplitHostPort(addr)
	return port
}

func (s *slopipeSide) otlpEndpoint(t loadgen.Transport) string {
	if t == loadgen.HTTP {
		return s.http
	}
	return s.grpc
}

func (s *slopipeSide) pids() []int { return []int{s.proc.cmd.Process.Pid} }

func (s *slopipeSide) enginePid() int { return 0 }

func (s *slopipeSide) count(ctx context.Context, sig loadgen.Signal) (int64, error) {
	quoted := make([]string, len(s.tenants))
	for i, t := range s.tenants {
		quoted[i] = "'" + strings.ReplaceAll(t, "'", "\\'") + "'"
	}
	return clickhouseCount(ctx, s.ch, fmt.Sprintf("SELECT count() FROM otel.%s WHERE TenantId IN (%s)", table(sig), strings.Join(quoted, ", ")))
}

func (s *slopipeSide) stop() { s.proc.stop() }

// referenceSide is the contrib collector (bench/reference) and the
// engine server it exports to: two processes, both charged to it.
type referenceSide struct {
	bin binaries
	// collector, engine: the two processes.
	collector, engine *process
	grpc, http, ch    string
}

// referenceDatabase is where the contrib exporter creates its tables.
const referenceDatabase = "reference"

func (r *referenceSide) name() string { return referenceName }

func (r *referenceSide) start(ctx context.Context, workDir string) error {
	ports, err := freePorts(3)
	if err != nil {
		return err
	}
	r.grpc, r.http, r.ch = ports[0], ports[1], ports[2]
	r.engine, err = launch(workDir, "engineserver", r.bin.engineServer,
		[]string{"-addr", r.ch, "-data-dir", filepath.Join(workDir, "engine"), "-database", referenceDatabase}, nil)
	if err != nil {
		return err
	}
	if err := waitFor(ctx, "engineserver", 60*time.Second, []*process{r.engine}, func() bool {
		_, err := clickhouseQuery(ctx, r.ch, "SELECT 1")
		return err == nil
	}); err != nil {
		return err
	}
	r.collector, err = launch(workDir, "reference", r.bin.reference, []string{"--config", r.bin.referenceConfig}, []string{
		"REFERENCE_CLICKHOUSE_HTTP_ADDR=" + r.ch,
		"REFERENCE_DATABASE=" + referenceDatabase,
		"REFERENCE_OTLP_GRPC_ENDPOINT=" + r.grpc,
		"REFERENCE_OTLP_HTTP_ENDPOINT=" + r.http,
		// info: the exporter logs its retries there.
		"REFERENCE_LOG_LEVEL=info",
	})
	if err != nil {
		return err
	}
	tables := fmt.Sprintf("SELECT count() FROM system.tables WHERE database = '%s' AND name IN ('otel_traces', 'otel_logs')", referenceDatabase)
	return waitFor(ctx, "reference collector", 90*time.Second, []*process{r.engine, r.collector}, func() bool {
		n, err := clickhouseCount(ctx, r.ch, tables)
		return err == nil && n == 2 && listening(r.grpc) && listening(r.http)
	})
}

func (r *referenceSide) otlpEndpoint(t loadgen.Transport) string {
	if t == loadgen.HTTP {
		return r.http
	}
	return r.grpc
}

func (r *referenceSide) pids() []int {
	return []int{r.collector.cmd.Process.Pid, r.engine.cmd.Process.Pid}
}

func (r *referenceSide) enginePid() int { return r.engine.cmd.Process.Pid }

func (r *referenceSide) count(ctx context.Context, sig loadgen.Signal) (int64, error) {
	return clickhouseCount(ctx, r.ch, fmt.Sprintf("SELECT count() FROM %s.%s", referenceDatabase, table(sig)))
}

// stop ends the collector first, so it does not retry into a gone engine.
func (r *referenceSide) stop() {
	r.collector.stop()
	r.engine.stop()
}

// usage sums CPU seconds and peak RSS over pids.
func usage(pids []int) (cpu float64, rss int64, err error) {
	var errs []error
	for _, pid := range pids {
		c, err := cpuSeconds(pid)
		errs = append(errs, err)
		cpu += c
		m, err := peakRSS(pid)
		errs = append(errs, err)
		rss += m
	}
	return cpu, rss, errors.Join(errs...)
}
