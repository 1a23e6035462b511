package tenantprocessor

import (
	"errors"
	"time"

	"go.opentelemetry.io/collector/consumer/consumererror"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/slopipe/slopipe/internal/retryinfo"
)

// Refusal reasons, the reason attribute of the refusal counters.
const (
	reasonRateLimited       = "rate_limited"
	reasonSeriesLimit       = "series_limit"
	reasonRequestTooLarge   = "request_too_large"
	reasonTooManyAttributes = "too_many_attributes"
	reasonInvalidTenant     = "invalid_tenant"
	reasonMissingTenant     = "missing_tenant"
)

// refusal is why a request was refused: the error handed back to the
// receiver plus what the refusal counters need.
type refusal struct {
	reason string
	// tenant is "" for invalid and missing tenants: the client chose those
	// bytes, and they must not become metric label values.
	tenant string
	err    error
}

// permanentError is a refusal no retry can overcome. It carries both marks
// the collector looks for: consumererror.IsPermanent finds the wrapped
// permanent error, and the OTLP receiver's status.FromError finds
// GRPCStatus directly and answers INVALID_ARGUMENT / HTTP 400 with msg as
// the message. A bare consumererror.NewPermanent would be answered as
// INTERNAL / HTTP 500, which tells the client the server is at fault.
type permanentError struct {
	msg     string
	wrapped error
}

func (e *permanentError) Error() string { return e.msg }
func (e *permanentError) Unwrap() error { return e.wrapped }
func (e *permanentError) GRPCStatus() *status.Status {
	return status.New(codes.InvalidArgument, e.msg)
}

func newPermanent(reason, tenant, msg string) *refusal {
	return &refusal{reason: reason, tenant: tenant, err: &permanentError{msg: msg, wrapped: consumererror.NewPermanent(errors.New(msg))}}
}

// newRetryable answers RESOURCE_EXHAUSTED with RetryInfo, which the OTLP
// receiver turns into HTTP 429 with Retry-After, and OTLP exporters honour
// both. delay must already be whole seconds: Retry-After truncates.
func newRetryable(reason, tenant, msg string, delay time.Duration) *refusal {
	return &refusal{reason: reason, tenant: tenant, err: retryinfo.Error(codes.ResourceExhausted, msg, delay)}
}

// retryDelay rounds d up to whole seconds, at least one: the HTTP
// Retry-After header carries whole seconds and truncates, and a client told
// to retry "in 0s" would retry at once.
func retryDelay(d time.Duration) time.Duration {
	if d <= time.Second {
		return time.Second
	}
	return (d + time.Second - 1).Truncate(time.Second)
}

// downstreamRetryAfter is what a client is told to wait when the pipeline
// behind the processor refused its data without saying how long.
const downstreamRetryAfter = 5 * time.Second

// retryLater passes on a refusal from the rest of the pipeline. One that
// already says what the client should do (a gRPC status such as the
// exporter's "queue full" with RetryInfo, or a permanent error) goes back
// as it is; any other — the memory limiter's "data refused" among them —
// becomes UNAVAILABLE with RetryInfo, so that HTTP clients get 503 with
// Retry-After instead of a bare 503.
func retryLater(err error) error {
	if _, ok := status.FromError(err); ok || consumererror.IsPermanent(err) {
		return err
	}
	return retryinfo.Error(codes.Unavailable, err.Error()+"; retry later", downstreamRetryAfter)
}
