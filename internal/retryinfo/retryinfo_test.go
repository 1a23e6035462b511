package retryinfo

import (
	"errors"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func TestErrorCarriesCodeMessageAndDelay(t *testing.T) {
	err := Error(codes.ResourceExhausted, "tenant \"noisy\" over its rate", 3*time.Second)
	st, ok := status.FromError(err)
	if !ok || st.Code() != codes.ResourceExhausted || st.Message() != "tenant \"noisy\" over its rate" {
		t.Fatalf("got %v", err)
	}
	if d, ok := Delay(err); !ok || d != 3*time.Second {
		t.Errorf("delay %v %v, want 3s", d, ok)
	}
	if _, ok := Delay(errors.New("plain")); ok {
		t.Error("a plain error has no delay")
	}
	if _, ok := Delay(status.Error(codes.Unavailable, "no info")); ok {
		t.Error("a status without RetryInfo has no delay")
	}
}
