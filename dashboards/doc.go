// Package dashboards reads the Grafana dashboards shipped with slopipe and
// expands each panel's SQL into the exact statement the Grafana ClickHouse
// data source (grafana-clickhouse-datasource, plugin v4) sends to ClickHouse.
//
// It exists so that tests can run every panel query against a real
// ClickHouse engine: a dashboard that references a missing column, a
// misspelt macro or an undefined variable fails a test instead of showing
// "No data" in production. Expansion reproduces three stages in the order
// Grafana applies them: the plugin frontend's $__conditionalAll, Grafana's
// template variable interpolation with the plugin's value formatter, and the
// plugin backend's $__ macros.
//
// It is not a Grafana client: it neither provisions dashboards nor queries
// ClickHouse, and it does not evaluate query-builder options, ad hoc filters
// or variable queries (callers supply variable values).
package dashboards
