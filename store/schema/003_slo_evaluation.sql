-- What the SLO evaluator reads and keeps.

-- Metric samples carry their insert time, so the evaluator finds what
-- arrived since its last cycle — late samples too (an agent resending after
-- an outage) — and recomputes the minutes and hours they belong to. Extra
-- columns leave the metric tables readable and writable by the contrib
-- exporter and Grafana's ClickHouse plugin.
{{range $table := list "otel_metrics_sum" "otel_metrics_gauge" "otel_metrics_histogram"}}
ALTER TABLE {{table $table}} {{onCluster}}
    ADD COLUMN IF NOT EXISTS `InsertedAt` DateTime DEFAULT now() CODEC(Delta, ZSTD(1)),
    ADD INDEX IF NOT EXISTS idx_inserted_at InsertedAt TYPE minmax GRANULARITY 1;
{{alterDistributed $table "ADD COLUMN IF NOT EXISTS `InsertedAt` DateTime DEFAULT now()"}}
{{end}}
-- slopipe_sli_events sorted by time first: every evaluation cycle reads the
-- minutes at its windows' edges and of the last hours for all SLOs and
-- tenants, and dashboards read time ranges. The table is rebuilt under the
-- new sorting key; each step can be re-run after a failure. On a cluster
-- the copy is synchronous (every row is in the new table before the
-- exchange) and drops release their replication paths at once.
DROP TABLE IF EXISTS {{table "slopipe_sli_events_resorted"}} {{onCluster}} {{syncOnCluster}};
{{dropDistributed "slopipe_sli_events_resorted"}}
CREATE TABLE {{table "slopipe_sli_events_resorted"}} {{onCluster}} (
    `TenantId` LowCardinality(String),
    `Slo` LowCardinality(String),
    `Minute` DateTime CODEC(Delta, ZSTD(1)),
    `Good` UInt64,
    `Total` UInt64
) ENGINE = {{engine "SummingMergeTree" "(Good, Total)"}}
PARTITION BY toYYYYMM(Minute)
ORDER BY (Minute, TenantId, Slo)
{{ttl "slopipe_sli_events" "Minute"}};
{{distributed "slopipe_sli_events_resorted" "cityHash64(TenantId)"}}
INSERT INTO {{plain "slopipe_sli_events_resorted"}} (TenantId, Slo, Minute, Good, Total)
SETTINGS distributed_foreground_insert = 1
SELECT TenantId, Slo, Minute, Good, Total FROM {{plain "slopipe_sli_events"}};
EXCHANGE TABLES {{table "slopipe_sli_events"}} AND {{table "slopipe_sli_events_resorted"}} {{onCluster}};
DROP TABLE {{table "slopipe_sli_events_resorted"}} {{onCluster}} {{syncOnCluster}};
{{dropDistributed "slopipe_sli_events_resorted"}}

-- Span and log SLI events for minutes more than 5 minutes old (an agent
-- resending after an outage): the sli processor announces them here before
-- writing them, so the evaluator recomputes the hours they fall in. Younger
-- minutes are recomputed every cycle anyway.
CREATE TABLE IF NOT EXISTS {{table "slopipe_sli_late_events"}} {{onCluster}} (
    `TenantId` LowCardinality(String),
    `Slo` LowCardinality(String),
    `Earliest` DateTime,
    `InsertedAt` DateTime DEFAULT now()
) ENGINE = {{engine "MergeTree"}}
ORDER BY (InsertedAt, TenantId, Slo)
TTL InsertedAt + toIntervalDay(7);
{{distributed "slopipe_sli_late_events" "cityHash64(TenantId)"}}

-- Good and total events of PromQL SLIs per tenant, SLO and minute, computed
-- by the evaluator from the metric tables. A recomputation replaces its
-- minutes: the newest ComputedAt wins, so readers use FINAL. SpecHash names
-- the queries a row was computed with: an edited SLO starts afresh instead
-- of mixing old and new answers.
CREATE TABLE IF NOT EXISTS {{table "slopipe_sli_metric_minutes"}} {{onCluster}} (
    `TenantId` LowCardinality(String),
    `Slo` LowCardinality(String),
    `SpecHash` LowCardinality(String),
    `Minute` DateTime CODEC(Delta, ZSTD(1)),
    `Good` Float64,
    `Total` Float64,
    `ComputedAt` DateTime64(3)
) ENGINE = {{engine "ReplacingMergeTree" "ComputedAt"}}
PARTITION BY toYYYYMM(Minute)
ORDER BY (TenantId, Slo, SpecHash, Minute)
{{ttl "slopipe_sli_events" "Minute"}};
{{distributed "slopipe_sli_metric_minutes" "cityHash64(TenantId)"}}

-- Hourly sums of every SLI's minutes (slopipe_sli_events and
-- slopipe_sli_metric_minutes), kept by the evaluator, so a 30-day window
-- reads 720 rows per SLO and tenant instead of 43 200. Recomputed hours
-- replace older answers (FINAL).
CREATE TABLE IF NOT EXISTS {{table "slopipe_sli_hours"}} {{onCluster}} (
    `TenantId` LowCardinality(String),
    `Slo` LowCardinality(String),
    `SpecHash` LowCardinality(String),
    `Hour` DateTime CODEC(Delta, ZSTD(1)),
    `Good` Float64,
    `Total` Float64,
    `ComputedAt` DateTime64(3)
) ENGINE = {{engine "ReplacingMergeTree" "ComputedAt"}}
PARTITION BY toYYYYMM(Hour)
ORDER BY (TenantId, Slo, SpecHash, Hour)
{{ttl "slopipe_sli_events" "Hour"}};
{{distributed "slopipe_sli_hours" "cityHash64(TenantId)"}}

-- PromQL SLIs count fractional increases too (a counter of seconds).
ALTER TABLE {{table "slopipe_slo_status"}} {{onCluster}}
    MODIFY COLUMN `Good` Float64,
    MODIFY COLUMN `Total` Float64,
    ADD COLUMN IF NOT EXISTS `BudgetingMethod` LowCardinality(String) AFTER `Period`;
{{alterDistributed "slopipe_slo_status" "MODIFY COLUMN `Good` Float64, MODIFY COLUMN `Total` Float64, ADD COLUMN IF NOT EXISTS `BudgetingMethod` LowCardinality(String) AFTER `Period`"}}
