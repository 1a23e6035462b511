-- slopipe_cost_allocations with the currency in its sorting key: a tenant
-- charged in two currencies on one day is two rows, never one replacing
-- the other. Rebuilt as 003 rebuilds slopipe_sli_events; each step can be
-- re-run after a failure. Readers take each day's latest ComputedAt, so
-- the table is a plain MergeTree: nothing is replaced by a merge.
DROP TABLE IF EXISTS {{table "slopipe_cost_allocations_rekeyed"}} {{onCluster}} {{syncOnCluster}};
{{dropDistributed "slopipe_cost_allocations_rekeyed"}}
CREATE TABLE {{table "slopipe_cost_allocations_rekeyed"}} {{onCluster}} (
    `Day` Date,
    `TenantId` LowCardinality(String),
    `Team` LowCardinality(String),
    `Service` LowCardinality(String),
    `Category` LowCardinality(String),
    `Rule` LowCardinality(String),
    `BillingCurrency` LowCardinality(String),
    `Cost` Decimal(38, 10),
    `ComputedAt` DateTime64(3)
) ENGINE = {{engine "MergeTree"}}
PARTITION BY toYYYYMM(Day)
ORDER BY (Day, ComputedAt, TenantId, Team, Service, Category, Rule, BillingCurrency)
{{ttl "slopipe_cost_allocations" "Day"}};
{{distributed "slopipe_cost_allocations_rekeyed" "cityHash64(TenantId)"}}
INSERT INTO {{plain "slopipe_cost_allocations_rekeyed"}} (Day, TenantId, Team, Service, Category, Rule, BillingCurrency, Cost, ComputedAt)
SETTINGS distributed_foreground_insert = 1
SELECT Day, TenantId, Team, Service, Category, Rule, BillingCurrency, Cost, ComputedAt FROM {{plain "slopipe_cost_allocations"}};
EXCHANGE TABLES {{table "slopipe_cost_allocations"}} AND {{table "slopipe_cost_allocations_rekeyed"}} {{onCluster}};
DROP TABLE {{table "slopipe_cost_allocations_rekeyed"}} {{onCluster}} {{syncOnCluster}};
{{dropDistributed "slopipe_cost_allocations_rekeyed"}}
