-- slopipe's own tables. Each is read by Grafana and written by one component.

-- Good and total events per tenant, SLO and minute, counted in the ingest
-- stream by the sli processor. Rows for the same minute add up on merge;
-- readers always sum() them.
CREATE TABLE IF NOT EXISTS {{table "slopipe_sli_events"}} {{onCluster}} (
    `TenantId` LowCardinality(String),
    `Slo` LowCardinality(String),
    `Minute` DateTime CODEC(Delta, ZSTD(1)),
    `Good` UInt64,
    `Total` UInt64
) ENGINE = {{engine "SummingMergeTree" "(Good, Total)"}}
PARTITION BY toYYYYMM(Minute)
ORDER BY (TenantId, Slo, Minute)
{{ttl "slopipe_sli_events" "Minute"}};
{{distributed "slopipe_sli_events" "cityHash64(TenantId)"}}

-- One row per SLO, tenant and evaluation: what dashboards draw over time.
-- NULL is "no data" (no events in the window), never a 0.
CREATE TABLE IF NOT EXISTS {{table "slopipe_slo_status"}} {{onCluster}} (
    `EvaluatedAt` DateTime64(3) CODEC(Delta, ZSTD(1)),
    `TenantId` LowCardinality(String),
    `Slo` LowCardinality(String),
    `Service` LowCardinality(String),
    `Objective` Float64,
    `Period` LowCardinality(String),
    `Good` UInt64,
    `Total` UInt64,
    `Sli` Nullable(Float64),
    `BudgetRemaining` Nullable(Float64),
    `BurnRate5m` Nullable(Float64),
    `BurnRate30m` Nullable(Float64),
    `BurnRate1h` Nullable(Float64),
    `BurnRate2h` Nullable(Float64),
    `BurnRate6h` Nullable(Float64),
    `BurnRate1d` Nullable(Float64),
    `BurnRate3d` Nullable(Float64),
    `BurnRatePeriod` Nullable(Float64)
) ENGINE = {{engine "MergeTree"}}
PARTITION BY toYYYYMM(EvaluatedAt)
ORDER BY (TenantId, Slo, EvaluatedAt)
{{ttl "slopipe_slo_status" "toDateTime(EvaluatedAt)"}};
{{distributed "slopipe_slo_status" "cityHash64(TenantId)"}}

-- The latest state of every alert: the newest row per Fingerprint wins, so a
-- restart knows what is firing and what was already notified.
CREATE TABLE IF NOT EXISTS {{table "slopipe_alert_state"}} {{onCluster}} (
    `Fingerprint` String,
    `TenantId` LowCardinality(String),
    `AlertName` LowCardinality(String),
    `Slo` LowCardinality(String),
    `Severity` LowCardinality(String),
    `State` LowCardinality(String),
    `Labels` Map(LowCardinality(String), String),
    `Annotations` Map(LowCardinality(String), String),
    `StartsAt` DateTime64(3),
    `EndsAt` DateTime64(3),
    `UpdatedAt` DateTime64(3)
) ENGINE = {{engine "ReplacingMergeTree" "UpdatedAt"}}
ORDER BY (Fingerprint);
{{distributed "slopipe_alert_state" "cityHash64(Fingerprint)"}}

-- Silences, as Alertmanager keeps them; the newest row per Id wins.
CREATE TABLE IF NOT EXISTS {{table "slopipe_silences"}} {{onCluster}} (
    `Id` String,
    `Matchers` String,
    `StartsAt` DateTime64(3),
    `EndsAt` DateTime64(3),
    `CreatedBy` String,
    `Comment` String,
    `UpdatedAt` DateTime64(3)
) ENGINE = {{engine "ReplacingMergeTree" "UpdatedAt"}}
ORDER BY (Id);
{{distributed "slopipe_silences" "cityHash64(Id)"}}

-- The notification log: what each receiver was last told about each alert
-- group, so nothing is sent twice, across restarts too.
CREATE TABLE IF NOT EXISTS {{table "slopipe_notification_log"}} {{onCluster}} (
    `Receiver` LowCardinality(String),
    `GroupKey` String,
    `FiringAlerts` Array(String),
    `ResolvedAlerts` Array(String),
    `IntegrationState` Map(String, String),
    `SentAt` DateTime64(3),
    `ExpiresAt` DateTime64(3)
) ENGINE = {{engine "ReplacingMergeTree" "SentAt"}}
ORDER BY (Receiver, GroupKey)
{{ttl "slopipe_notification_log" "toDateTime(ExpiresAt)"}};
{{distributed "slopipe_notification_log" "cityHash64(GroupKey)"}}

-- Every notification attempt, delivered or not: dashboards and audit.
CREATE TABLE IF NOT EXISTS {{table "slopipe_notifications"}} {{onCluster}} (
    `Time` DateTime64(3) CODEC(Delta, ZSTD(1)),
    `Receiver` LowCardinality(String),
    `Integration` LowCardinality(String),
    `GroupKey` String,
    `TenantId` LowCardinality(String),
    `Slo` LowCardinality(String),
    `Severity` LowCardinality(String),
    `Status` LowCardinality(String),
    `Attempt` UInt32,
    `HttpStatus` UInt16,
    `Error` String
) ENGINE = {{engine "MergeTree"}}
PARTITION BY toYYYYMM(Time)
ORDER BY (Receiver, Time)
{{ttl "slopipe_notifications" "toDateTime(Time)"}};
{{distributed "slopipe_notifications" "rand()"}}

-- Billing line items normalized to FOCUS columns, money as exact decimals.
-- An import replaces its (provider, account, billing period) slice whole.
CREATE TABLE IF NOT EXISTS {{table "slopipe_billing_line_items"}} {{onCluster}} (
    `Provider` LowCardinality(String),
    `ImportId` String,
    `SourceFile` String,
    `ImportedAt` DateTime64(3),
    `BillingAccountId` String,
    `BillingAccountName` String,
    `SubAccountId` String,
    `SubAccountName` String,
    `BillingPeriodStart` DateTime,
    `BillingPeriodEnd` DateTime,
    `ChargePeriodStart` DateTime,
    `ChargePeriodEnd` DateTime,
    `BillingCurrency` LowCardinality(String),
    `BilledCost` Decimal(38, 10),
    `EffectiveCost` Decimal(38, 10),
    `ListCost` Decimal(38, 10),
    `ContractedCost` Decimal(38, 10),
    `ChargeCategory` LowCardinality(String),
    `ChargeClass` LowCardinality(String),
    `ChargeDescription` String,
    `ChargeFrequency` LowCardinality(String),
    `CommitmentDiscountId` String,
    `CommitmentDiscountType` LowCardinality(String),
    `CommitmentDiscountCategory` LowCardinality(String),
    `CommitmentDiscountStatus` LowCardinality(String),
    `PricingCategory` LowCardinality(String),
    `PricingQuantity` Decimal(38, 10),
    `PricingUnit` LowCardinality(String),
    `ConsumedQuantity` Decimal(38, 10),
    `ConsumedUnit` LowCardinality(String),
    `ListUnitPrice` Decimal(38, 10),
    `ContractedUnitPrice` Decimal(38, 10),
    `ProviderName` LowCardinality(String),
    `PublisherName` LowCardinality(String),
    `InvoiceIssuerName` LowCardinality(String),
    `RegionId` LowCardinality(String),
    `RegionName` LowCardinality(String),
    `ResourceId` String,
    `ResourceName` String,
    `ResourceType` LowCardinality(String),
    `ServiceCategory` LowCardinality(String),
    `ServiceName` LowCardinality(String),
    `SkuId` String,
    `SkuPriceId` String,
    `Tags` Map(LowCardinality(String), String)
) ENGINE = {{engine "MergeTree"}}
PARTITION BY toYYYYMM(BillingPeriodStart)
ORDER BY (Provider, BillingAccountId, BillingPeriodStart, ChargePeriodStart, ServiceName)
{{ttl "slopipe_billing_line_items" "BillingPeriodEnd"}};
{{distributed "slopipe_billing_line_items" "cityHash64(BillingAccountId)"}}

-- Cost allocated to tenant, team and service per day. Category tells direct,
-- shared, idle, unallocated and telemetry apart; a recomputation of a day
-- replaces it (newest ComputedAt wins).
CREATE TABLE IF NOT EXISTS {{table "slopipe_cost_allocations"}} {{onCluster}} (
    `Day` Date,
    `TenantId` LowCardinality(String),
    `Team` LowCardinality(String),
    `Service` LowCardinality(String),
    `Category` LowCardinality(String),
    `Rule` LowCardinality(String),
    `BillingCurrency` LowCardinality(String),
    `Cost` Decimal(38, 10),
    `ComputedAt` DateTime64(3)
) ENGINE = {{engine "ReplacingMergeTree" "ComputedAt"}}
PARTITION BY toYYYYMM(Day)
ORDER BY (Day, TenantId, Team, Service, Category, Rule)
{{ttl "slopipe_cost_allocations" "Day"}};
{{distributed "slopipe_cost_allocations" "cityHash64(TenantId)"}}

-- What each tenant sent per signal and minute: the input of telemetry
-- chargeback and of tenant usage panels.
CREATE TABLE IF NOT EXISTS {{table "slopipe_ingest_usage"}} {{onCluster}} (
    `TenantId` LowCardinality(String),
    `Signal` LowCardinality(String),
    `Minute` DateTime CODEC(Delta, ZSTD(1)),
    `Items` UInt64,
    `Bytes` UInt64
) ENGINE = {{engine "SummingMergeTree" "(Items, Bytes)"}}
PARTITION BY toYYYYMM(Minute)
ORDER BY (TenantId, Signal, Minute)
{{ttl "slopipe_ingest_usage" "Minute"}};
{{distributed "slopipe_ingest_usage" "cityHash64(TenantId)"}}
