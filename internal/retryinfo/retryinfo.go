// Package retryinfo builds the refusals OTLP clients retry after a pause: a
// gRPC status carrying RetryInfo. The OTLP receiver sends it over gRPC as it
// is and over HTTP as 429 (RESOURCE_EXHAUSTED) or 503 (UNAVAILABLE) with a
// Retry-After header of the delay in whole seconds.
package retryinfo

import (
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"
)

// Error is a gRPC status error of code with msg, telling the client to wait
// delay before retrying. delay should be whole seconds: Retry-After
// truncates.
func Error(code codes.Code, msg string, delay time.Duration) error {
	st := status.New(code, msg)
	if withInfo, err := st.WithDetails(&errdetails.RetryInfo{RetryDelay: durationpb.New(delay)}); err == nil {
		st = withInfo
	}
	return st.Err()
}

// Delay is the RetryInfo delay err carries, and whether it carries one.
func Delay(err error) (time.Duration, bool) {
	st, ok := status.FromError(err)
	if !ok {
		return 0, false
	}
	for _, d := range st.Details() {
		if ri, ok := d.(*errdetails.RetryInfo); ok {
			return ri.GetRetryDelay().AsDuration(), true
		}
	}
	return 0, false
}
