package billingreceiver

import (
	"context"
	"errors"
	"net/http"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"
)

const scopeName = "github.com/slopipe/slopipe/receivers/billingreceiver"

// Outcomes of an import, the outcome label of slopipe_billing_imports.
const (
	outcomeImported = "imported"
	outcomeRejected = "rejected" // the file's fault: 400, or moved to rejected
	outcomeRetried  = "retried"  // I/O or the store: the next scan, or the client, tries again
)

// unknownFormat labels an import refused before its format was recognised.
const unknownFormat = "unknown"

// telemetry is the receiver's own metrics. Names have no dots, so the
// collector's Prometheus endpoint shows them as written, plus _total.
type telemetry struct {
	imports      metric.Int64Counter
	importedRows metric.Int64Counter
}

func newTelemetry(mp metric.MeterProvider) (*telemetry, error) {
	if mp == nil {
		mp = noop.NewMeterProvider()
	}
	m := mp.Meter(scopeName)
	t := &telemetry{}
	var errs [2]error
	t.imports, errs[0] = m.Int64Counter("slopipe_billing_imports",
		metric.WithDescription("Billing imports (an inbox file or directory, an upload), by outcome (imported, rejected, retried) and format."),
		metric.WithUnit("{import}"))
	t.importedRows, errs[1] = m.Int64Counter("slopipe_billing_imported_rows",
		metric.WithDescription("Billing line items imported, by provider."),
		metric.WithUnit("{row}"))
	return t, errors.Join(errs[:]...)
}

// outcome classifies an import's error as the receiver treats it.
func outcome(err error) string {
	var bad *ImportError
	var tooBig *http.MaxBytesError
	switch {
	case err == nil:
		return outcomeImported
	case errors.As(err, &bad), errors.As(err, &tooBig):
		return outcomeRejected
	}
	return outcomeRetried
}

// imported counts one import ending with err.
func (t *telemetry) imported(ctx context.Context, format string, err error) {
	if format == "" {
		format = unknownFormat
	}
	t.imports.Add(ctx, 1, metric.WithAttributeSet(attribute.NewSet(
		attribute.String("outcome", outcome(err)), attribute.String("format", format))))
}

// rows counts the line items of one provider's completed import.
func (t *telemetry) rows(ctx context.Context, provider string, n uint64) {
	t.importedRows.Add(ctx, int64(n), metric.WithAttributeSet(attribute.NewSet(attribute.String("provider", provider))))
}
