package main

import (
	"errors"
	"fmt"
	"syscall"
	"testing"

	"go.uber.org/multierr"
)

// A refused connection at the last export of own metrics is not a failed
// shutdown; any other error beside it still is.
func TestShutdownIgnoresOnlyRefusedConnections(t *testing.T) {
	refused := fmt.Errorf("failed to upload metrics: %w", syscall.ECONNREFUSED)
	other := errors.New("prometheus exporter: shutdown timed out")
	for _, tc := range []struct {
		name string
		err  error
		want error
	}{
		{"none", nil, nil},
		{"refused alone", refused, nil},
		{"other alone", other, other},
		{"refused and other (multierr)", multierr.Combine(refused, other), other},
		{"refused and other (errors.Join)", errors.Join(refused, other), other},
	} {
		got := withoutRefusedConnections(tc.err)
		if (got == nil) != (tc.want == nil) || (got != nil && !errors.Is(got, tc.want)) || (got != nil && errors.Is(got, syscall.ECONNREFUSED)) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}
