-- Cost reports besides the allocations: telemetry chargeback, unit costs,
-- budget status, anomalies and recommendations, each computed per day.
-- A computation writes its rows, then one row here; readers take, per
-- report and day, the latest computation recorded here and only its rows.
-- A computation that stopped half way is never seen, and one that found
-- nothing (no anomalies that day) still replaces what an earlier one found.
CREATE TABLE IF NOT EXISTS {{table "slopipe_cost_runs"}} {{onCluster}} (
    `Report` LowCardinality(String),
    `Day` Date,
    `ComputedAt` DateTime64(3),
    `Rows` UInt64
) ENGINE = {{engine "MergeTree"}}
PARTITION BY toYYYYMM(Day)
ORDER BY (Report, Day, ComputedAt)
{{ttl "slopipe_cost_runs" "Day"}};
{{distributed "slopipe_cost_runs" "cityHash64(Report)"}}

-- Telemetry chargeback: each tenant's telemetry priced per GB ingested and
-- per GB-month retained. RetainedBytes is what the tenant kept in the store
-- that day; RetentionCost is its day's share of a GB-month.
CREATE TABLE IF NOT EXISTS {{table "slopipe_cost_chargeback"}} {{onCluster}} (
    `Day` Date,
    `TenantId` LowCardinality(String),
    `IngestedBytes` UInt64,
    `RetainedBytes` UInt64,
    `BillingCurrency` LowCardinality(String),
    `IngestCost` Decimal(38, 10),
    `RetentionCost` Decimal(38, 10),
    `ComputedAt` DateTime64(3)
) ENGINE = {{engine "MergeTree"}}
PARTITION BY toYYYYMM(Day)
ORDER BY (Day, ComputedAt, TenantId, BillingCurrency)
{{ttl "slopipe_cost_chargeback" "Day"}};
{{distributed "slopipe_cost_chargeback" "cityHash64(TenantId)"}}

-- Unit economics: a tenant's allocated cost of a service next to the
-- requests and good events its SLIs counted that day. Ratios are left to
-- readers (sum(Cost) / sum(Requests) * 1000 over any range); a ratio of
-- ratios would be wrong.
CREATE TABLE IF NOT EXISTS {{table "slopipe_cost_unit_costs"}} {{onCluster}} (
    `Day` Date,
    `TenantId` LowCardinality(String),
    `Service` LowCardinality(String),
    `BillingCurrency` LowCardinality(String),
    `Cost` Decimal(38, 10),
    `Requests` UInt64,
    `GoodEvents` UInt64,
    `ComputedAt` DateTime64(3)
) ENGINE = {{engine "MergeTree"}}
PARTITION BY toYYYYMM(Day)
ORDER BY (Day, ComputedAt, TenantId, Service, BillingCurrency)
{{ttl "slopipe_cost_unit_costs" "Day"}};
{{distributed "slopipe_cost_unit_costs" "cityHash64(TenantId)"}}

-- Each budget as of each day: spent so far this month and the run-rate
-- forecast to its end, with the thresholds crossed ("forecast 100%").
CREATE TABLE IF NOT EXISTS {{table "slopipe_cost_budgets"}} {{onCluster}} (
    `Day` Date,
    `Budget` LowCardinality(String),
    `Team` LowCardinality(String),
    `TenantId` LowCardinality(String),
    `Month` Date,
    `BillingCurrency` LowCardinality(String),
    `Amount` Decimal(38, 10),
    `Actual` Decimal(38, 10),
    `Forecast` Decimal(38, 10),
    `Crossed` Array(String),
    `ComputedAt` DateTime64(3)
) ENGINE = {{engine "MergeTree"}}
PARTITION BY toYYYYMM(Day)
ORDER BY (Day, ComputedAt, Budget)
{{ttl "slopipe_cost_budgets" "Day"}};
{{distributed "slopipe_cost_budgets" "cityHash64(Budget)"}}

-- A tenant's daily cost of a service far above its trailing median
-- (median/MAD): the day, the cost, the baseline and how far above it.
CREATE TABLE IF NOT EXISTS {{table "slopipe_cost_anomalies"}} {{onCluster}} (
    `Day` Date,
    `TenantId` LowCardinality(String),
    `Team` LowCardinality(String),
    `Service` LowCardinality(String),
    `BillingCurrency` LowCardinality(String),
    `Cost` Decimal(38, 10),
    `Baseline` Decimal(38, 10),
    `Score` Float64,
    `ComputedAt` DateTime64(3)
) ENGINE = {{engine "MergeTree"}}
PARTITION BY toYYYYMM(Day)
ORDER BY (Day, ComputedAt, TenantId, Service, BillingCurrency)
{{ttl "slopipe_cost_anomalies" "Day"}};
{{distributed "slopipe_cost_anomalies" "cityHash64(TenantId)"}}

-- Recommendations as of each day. Kind says what was found
-- (telemetry_growth, expensive_metric, billed_without_usage,
-- unallocated_tag_gap); Subject is what it is about (a metric, a resource,
-- a service); Cost the monthly spend at stake; Value the kind's own
-- measure (a growth ratio, a series count).
CREATE TABLE IF NOT EXISTS {{table "slopipe_cost_recommendations"}} {{onCluster}} (
    `Day` Date,
    `Kind` LowCardinality(String),
    `TenantId` LowCardinality(String),
    `Team` LowCardinality(String),
    `Service` LowCardinality(String),
    `Subject` String,
    `Detail` String,
    `BillingCurrency` LowCardinality(String),
    `Cost` Decimal(38, 10),
    `Value` Float64,
    `ComputedAt` DateTime64(3)
) ENGINE = {{engine "MergeTree"}}
PARTITION BY toYYYYMM(Day)
ORDER BY (Day, ComputedAt, Kind, TenantId, Service)
{{ttl "slopipe_cost_recommendations" "Day"}};
{{distributed "slopipe_cost_recommendations" "cityHash64(TenantId)"}}

-- What readers see of each report: its rows of each day's latest
-- computation.
{{range list "slopipe_cost_chargeback" "slopipe_cost_unit_costs" "slopipe_cost_budgets" "slopipe_cost_anomalies" "slopipe_cost_recommendations"}}
CREATE VIEW IF NOT EXISTS {{plain (print . "_current")}} {{onCluster}} AS
SELECT *
FROM {{plain .}}
WHERE (Day, ComputedAt) GLOBAL IN (
    SELECT Day, max(ComputedAt)
    FROM {{plain "slopipe_cost_runs"}}
    WHERE Report = '{{.}}'
    GROUP BY Day
);
{{end}}
-- The allocations readers see: each day's latest computation, without the
-- marker row of an empty one.
CREATE VIEW IF NOT EXISTS {{plain "slopipe_cost_allocations_current"}} {{onCluster}} AS
SELECT *
FROM {{plain "slopipe_cost_allocations"}}
WHERE Category != 'none'
  AND (Day, ComputedAt) GLOBAL IN (SELECT Day, max(ComputedAt) FROM {{plain "slopipe_cost_allocations"}} GROUP BY Day);
