// Package tenantprocessor is the collector processor `tenant`: it decides
// which tenant every resource of an incoming request belongs to, writes that
// tenant onto the resource so the exporter can fill TenantId, enforces the
// tenant's ingestion limits (rate and burst, request size, attributes per
// item, active metric series) and records what the pipeline accepted from
// each tenant per signal and minute in slopipe_ingest_usage.
//
// It is the admission point of a multi-tenant pipeline: a refused request is
// refused as a whole, before anything downstream sees it, with an error the
// OTLP receiver turns into the right gRPC code and HTTP status (400 for what
// can never pass, RESOURCE_EXHAUSTED / 429 with a retry delay for what can
// pass later). One tenant's state is never shared with another's, so a noisy
// tenant only ever slows itself down.
//
// It is not an authenticator: the tenant comes from a header or a resource
// attribute the client chooses, so deployments that must not trust clients put
// an authenticating proxy or extension in front that sets the header. It does
// not sample, drop parts of a request or queue: it accepts or refuses. Limits
// hold per collector instance; a fleet of N collectors behind a load balancer
// admits up to N times a tenant's rate.
package tenantprocessor
