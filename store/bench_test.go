package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/slopipe/slopipe/store"
)

// logsBatch is a batch shaped like otel_logs rows: the common ingest load.
func logsBatch(rows int) *store.Batch {
	tenant, ts, svc, body := store.NewStrings("TenantId"), store.NewTimes("Timestamp"), store.NewStrings("ServiceName"), store.NewStrings("Body")
	sev, attrs := store.NewUInt8s("SeverityNumber"), store.NewMaps("LogAttributes")
	start := time.Now()
	for i := 0; i < rows; i++ {
		tenant.Append(fmt.Sprint("tenant-", i%8))
		ts.AppendTime(start.Add(time.Duration(i) * time.Microsecond))
		svc.Append(fmt.Sprint("svc-", i%20))
		body.Append(fmt.Sprintf("request %d handled in %d ms", i, i%250))
		sev.Append(9)
		attrs.Put("http.route", "/api/v1/items")
		attrs.Put("http.status_code", "200")
		attrs.EndRow()
	}
	return store.NewBatch("otel_logs", tenant, ts, svc, body, sev, attrs)
}

// BenchmarkInsert measures rows/s of Store.Insert with 50 000-row batches into
// otel_logs, on the engine directly and through clickhouse-go over HTTP.
func BenchmarkInsert(b *testing.B) {
	const rows = 50_000
	batch := logsBatch(rows)
	for _, kind := range []string{"embedded", "server"} {
		b.Run(kind, func(b *testing.B) {
			var s store.Store
			var err error
			if kind == "embedded" {
				s, err = store.OpenEmbedded("", embedded.Engine().DataDir(), "bench_embedded")
			} else {
				s, err = store.OpenServer(context.Background(), "http://"+httpAddr+"/bench_server", store.ServerOptions{})
			}
			if err != nil {
				b.Fatal(err)
			}
			if _, err := store.Migrate(context.Background(), s, store.SchemaOptions{}); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := s.Insert(context.Background(), batch); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
