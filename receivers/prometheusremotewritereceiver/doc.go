// Package prometheusremotewritereceiver is slopipe's Prometheus remote-write
// receiver: a collector component (type prometheus_remote_write) that accepts
// POST /api/v1/write from Prometheus, Grafana Agent/Alloy, vmagent and other
// remote-write senders, and hands the samples on as pmetric.Metrics.
//
// Both protocol versions are served on the one path and told apart by
// Content-Type: remote-write 1.0 (prometheus.WriteRequest) and 2.0
// (io.prometheus.write.v2.Request, answered with the
// X-Prometheus-Remote-Write-*-Written headers). Bodies are snappy
// block-compressed protobuf; the compressed size is bounded by
// max_request_body_size and the size the snappy header announces is checked
// against max_decompressed_body_size before anything is decoded, so one
// request's memory is bounded. Requests are all-or-nothing: a bad series
// fails the whole request with 400 and nothing is forwarded.
//
// Mapping: one ResourceMetrics per (job, instance), with service.name and
// service.instance.id as in the OpenTelemetry Prometheus compatibility
// specification; every label except __name__ is also kept as a data point
// attribute so stored rows can be matched by their Prometheus labels. Metric
// types come from the request's metadata when there is any and from the
// _total suffix otherwise; classic histogram and summary series stay separate
// Sum/Gauge metrics, as Prometheus stores them. Native histograms become
// exponential histograms (custom-bucket ones, schema -53, explicit-bucket
// histograms); stale markers become points flagged NoRecordedValue whose value
// stays the stale NaN; exemplars are attached to the last point of their
// series.
//
// What it is not: not a scraper (see the collector's prometheus receiver),
// not remote read, not the OTLP translation of the Prometheus server's own
// /api/v1/otlp endpoint; it does not deduplicate, reorder or check samples
// against what was received before, and it does not decide tenants: it
// passes the request context (with client metadata when include_metadata is
// set) to the next consumer, adding the tenant header there for senders that
// name their tenant in the URL (/tenants/<tenant>/api/v1/write) because they
// cannot set headers.
package prometheusremotewritereceiver // import "github.com/slopipe/slopipe/receivers/prometheusremotewritereceiver"
