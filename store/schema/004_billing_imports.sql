-- Billing imports. An import writes its line items under a new ImportId,
-- then completes by writing one row per (provider, account, billing period)
-- slice here, in one insert. Readers take, per slice, the latest completed
-- import and only its line items: a re-import or a restated export replaces
-- the slice whole, and an import that never completed is never seen.
CREATE TABLE IF NOT EXISTS {{table "slopipe_billing_imports"}} {{onCluster}} (
    `ImportId` String,
    `Provider` LowCardinality(String),
    `BillingAccountId` String,
    `BillingPeriodStart` DateTime,
    `SourceFile` String,
    `ImportedAt` DateTime64(3),
    `Rows` UInt64,
    `BilledCost` Decimal(38, 10),
    `CompletedAt` DateTime64(3)
) ENGINE = {{engine "MergeTree"}}
ORDER BY (Provider, BillingAccountId, BillingPeriodStart, CompletedAt, ImportId);
{{distributed "slopipe_billing_imports" "cityHash64(BillingAccountId)"}}

-- Finding an import's rows (to check them before completing, or to delete
-- a superseded or failed import) reads only the granules that hold them.
ALTER TABLE {{table "slopipe_billing_line_items"}} {{onCluster}}
    ADD INDEX IF NOT EXISTS idx_import_id ImportId TYPE bloom_filter(0.001) GRANULARITY 1;

-- The line items readers see: those of each slice's latest completed import.
-- GLOBAL IN reads the imports of every shard once, on the node that asks.
CREATE VIEW IF NOT EXISTS {{plain "slopipe_billing_line_items_current"}} {{onCluster}} AS
SELECT *
FROM {{plain "slopipe_billing_line_items"}}
WHERE (Provider, BillingAccountId, BillingPeriodStart, ImportId) GLOBAL IN (
    SELECT Provider, BillingAccountId, BillingPeriodStart, argMax(ImportId, (CompletedAt, ImportId))
    FROM {{plain "slopipe_billing_imports"}}
    GROUP BY Provider, BillingAccountId, BillingPeriodStart
);
