package prometheusremotewritereceiver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"go.opentelemetry.io/collector/client"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/receiverhelper"
	"go.uber.org/zap"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

const (
	writePath = "/api/v1/write"

	headerSamplesWritten    = "X-Prometheus-Remote-Write-Samples-Written"
	headerHistogramsWritten = "X-Prometheus-Remote-Write-Histograms-Written"
	headerExemplarsWritten  = "X-Prometheus-Remote-Write-Exemplars-Written"

	obsFormat = "prometheus_remote_write"
)

type remoteWriteReceiver struct {
	cfg    *Config
	set    receiver.Settings
	next   consumer.Metrics
	obsrep *receiverhelper.ObsReport

	server   *http.Server
	listener net.Listener
	serving  sync.WaitGroup
}

func newReceiver(set receiver.Settings, cfg *Config, next consumer.Metrics) (*remoteWriteReceiver, error) {
	obsrep, err := receiverhelper.NewObsReport(receiverhelper.ObsReportSettings{
		ReceiverID:             set.ID,
		Transport:              "http",
		ReceiverCreateSettings: set,
	})
	if err != nil {
		return nil, err
	}
	return &remoteWriteReceiver{cfg: cfg, set: set, next: next, obsrep: obsrep}, nil
}

// keepCompressed replaces confighttp's snappy decoder for this server.
// confighttp would decode the block against max_request_body_size; leaving
// the body compressed lets the handler hold the compressed and decompressed
// sizes to their own limits, and decode into pooled buffers.
func keepCompressed(body io.ReadCloser) (io.ReadCloser, error) { return body, nil }

func (r *remoteWriteReceiver) Start(ctx context.Context, host component.Host) error {
	srv, err := r.cfg.ServerConfig.ToServer(ctx, host.GetExtensions(), r.set.TelemetrySettings, r,
		confighttp.WithDecoder("snappy", keepCompressed))
	if err != nil {
		return err
	}
	ln, err := r.cfg.ServerConfig.ToListener(ctx)
	if err != nil {
		return err
	}
	r.server, r.listener = srv, ln
	r.set.Logger.Info("Prometheus remote write receiver listening", zap.Stringer("address", ln.Addr()))
	r.serving.Go(func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			componentstatus.ReportStatus(host, componentstatus.NewFatalErrorEvent(err))
		}
	})
	return nil
}

func (r *remoteWriteReceiver) Shutdown(ctx context.Context) error {
	if r.server == nil {
		return nil
	}
	err := r.server.Shutdown(ctx)
	r.serving.Wait()
	return err
}

func (r *remoteWriteReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	tenant, ok := tenantFromPath(req.URL.Path)
	if !ok {
		http.Error(w, "not found: remote write is served at "+writePath+" and "+tenantPathPrefix+"<tenant>"+writePath, http.StatusNotFound)
		return
	}
	if req.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method "+req.Method+" not allowed: remote write is POST", http.StatusMethodNotAllowed)
		return
	}
	version, err := parseContentType(req.Header.Get("Content-Type"))
	if err != nil {
		r.writeRequestError(w, err)
		return
	}

	p := getPayload()
	defer p.release()
	if err := p.readBody(req.Body, req.ContentLength, r.cfg.ServerConfig.MaxRequestBodySize); err != nil {
		r.writeRequestError(w, err)
		return
	}
	if err := p.decode(version, r.cfg.MaxDecompressedBodySize); err != nil {
		r.writeRequestError(w, err)
		return
	}
	c := getConverter(len(p.decodedBytes()))
	defer c.release()
	if version == protoV2 {
		err = c.convertV2(&p.v2)
	} else {
		err = c.convertV1(&p.v1)
	}
	if err != nil {
		r.writeRequestError(w, err)
		return
	}

	if n := c.stats.points(); n > 0 {
		// The request's context carries client.Info, with the headers as
		// metadata when include_metadata is set, for processors that pick
		// the tenant from X-Scope-OrgID.
		ctx := req.Context()
		if tenant != "" {
			if ctx, err = withTenant(ctx, r.cfg.TenantHeader, tenant); err != nil {
				r.writeRequestError(w, err)
				return
			}
		}
		ctx = r.obsrep.StartMetricsOp(ctx)
		err = r.next.ConsumeMetrics(ctx, c.md)
		r.obsrep.EndMetricsOp(ctx, obsFormat, n, err)
		if err != nil {
			r.writeConsumerError(w, err)
			return
		}
	}
	if version == protoV2 {
		h := w.Header()
		h.Set(headerSamplesWritten, strconv.Itoa(c.stats.samples))
		h.Set(headerHistogramsWritten, strconv.Itoa(c.stats.histograms))
		h.Set(headerExemplarsWritten, strconv.Itoa(c.stats.exemplars))
	}
	w.WriteHeader(http.StatusNoContent)
}

const tenantPathPrefix = "/tenants/"

// tenantFromPath accepts the write path, bare or under /tenants/<tenant>,
// the form for senders that cannot set headers (Debian's Prometheus build,
// for one, sends no configured remote-write headers).
func tenantFromPath(path string) (tenant string, ok bool) {
	if path == writePath {
		return "", true
	}
	rest, found := strings.CutPrefix(path, tenantPathPrefix)
	if !found {
		return "", false
	}
	tenant, found = strings.CutSuffix(rest, writePath)
	if !found || tenant == "" || strings.Contains(tenant, "/") {
		return "", false
	}
	return tenant, true
}

// withTenant gives the request's client metadata the tenant under header,
// as if the sender had set it; the tenant processor validates it. A header
// naming another tenant is a contradiction the sender must resolve.
func withTenant(ctx context.Context, header, tenant string) (context.Context, error) {
	info := client.FromContext(ctx)
	if got := info.Metadata.Get(header); len(got) > 0 && got[0] != tenant {
		return ctx, &requestError{status: http.StatusBadRequest,
			msg: fmt.Sprintf("the URL names tenant %q but the %s header names %q", tenant, header, got[0])}
	}
	md := map[string][]string{}
	for k := range info.Metadata.Keys() {
		md[k] = info.Metadata.Get(k)
	}
	md[header] = []string{tenant}
	info.Metadata = client.NewMetadata(md)
	return client.NewContext(ctx, info), nil
}

func (r *remoteWriteReceiver) writeRequestError(w http.ResponseWriter, err error) {
	code := http.StatusBadRequest
	if re, ok := errors.AsType[*requestError](err); ok {
		code = re.status
	}
	r.set.Logger.Debug("Refused remote write request", zap.Int("status", code), zap.Error(err))
	http.Error(w, err.Error(), code)
}

// writeConsumerError answers a failure of the next consumer. Prometheus
// retries 5xx and 429 and drops the batch on any other 4xx, so the status
// decides whether the samples are retried: only what the pipeline says is
// the data's fault (InvalidArgument, permanent errors) gets a 4xx.
func (r *remoteWriteReceiver) writeConsumerError(w http.ResponseWriter, err error) {
	code, retryAfter := consumerErrorStatus(err)
	if retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.FormatInt(retryAfter, 10))
	}
	r.set.Logger.Debug("Next consumer refused remote write request", zap.Int("status", code), zap.Error(err))
	http.Error(w, err.Error(), code)
}

// consumerErrorStatus returns the HTTP status for an error of the next
// consumer and the Retry-After seconds to send with it (0 for none).
func consumerErrorStatus(err error) (code int, retryAfter int64) {
	if st, ok := status.FromError(err); ok {
		for _, d := range st.Details() {
			if ri, ok := d.(*errdetails.RetryInfo); ok && ri.GetRetryDelay() != nil {
				retryAfter = max(1, int64(math.Ceil(ri.GetRetryDelay().AsDuration().Seconds())))
			}
		}
		return httpStatusFromGRPC(st.Code()), retryAfter
	}
	if consumererror.IsPermanent(err) {
		return http.StatusBadRequest, 0
	}
	// Unknown failures are taken as transient (a full queue, a store that
	// is restarting): losing the batch would be worse than a retry.
	return http.StatusServiceUnavailable, 1
}

// httpStatusFromGRPC follows the OTLP/HTTP mapping of gRPC codes, so that
// a pipeline answers the same way whichever receiver the data came in by.
func httpStatusFromGRPC(c codes.Code) int {
	switch c {
	case codes.Canceled, codes.DeadlineExceeded, codes.Aborted, codes.OutOfRange, codes.Unavailable, codes.DataLoss:
		return http.StatusServiceUnavailable
	case codes.ResourceExhausted:
		return http.StatusTooManyRequests
	case codes.InvalidArgument:
		return http.StatusBadRequest
	case codes.Unauthenticated:
		return http.StatusUnauthorized
	case codes.PermissionDenied:
		return http.StatusForbidden
	case codes.Unimplemented:
		return http.StatusNotFound
	default:
		return http.StatusInternalServerError
	}
}
