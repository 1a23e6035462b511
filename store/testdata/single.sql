CREATE TABLE IF NOT EXISTS `otel`.`otel_logs`  (
    `TenantId` LowCardinality(String) CODEC(ZSTD(1)),
    `Timestamp` DateTime64(9) CODEC(Delta(8), ZSTD(1)),
    `TraceId` String CODEC(ZSTD(1)),
    `SpanId` String CODEC(ZSTD(1)),
    `TraceFlags` UInt8,
    `SeverityText` LowCardinality(String) CODEC(ZSTD(1)),
    `SeverityNumber` UInt8,
    `ServiceName` LowCardinality(String) CODEC(ZSTD(1)),
    `Body` String CODEC(ZSTD(1)),
    `ResourceSchemaUrl` LowCardinality(String) CODEC(ZSTD(1)),
    `ResourceAttributes` Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    `ScopeSchemaUrl` LowCardinality(String) CODEC(ZSTD(1)),
    `ScopeName` String CODEC(ZSTD(1)),
    `ScopeVersion` LowCardinality(String) CODEC(ZSTD(1)),
    `ScopeAttributes` Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    `LogAttributes` Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    `EventName` String CODEC(ZSTD(1)),
    `__otel_materialized_k8s.cluster.name` LowCardinality(String) MATERIALIZED ResourceAttributes['k8s.cluster.name'] CODEC(ZSTD(1)),
    `__otel_materialized_k8s.container.name` LowCardinality(String) MATERIALIZED ResourceAttributes['k8s.container.name'] CODEC(ZSTD(1)),
    `__otel_materialized_k8s.deployment.name` LowCardinality(String) MATERIALIZED ResourceAttributes['k8s.deployment.name'] CODEC(ZSTD(1)),
    `__otel_materialized_k8s.namespace.name` LowCardinality(String) MATERIALIZED ResourceAttributes['k8s.namespace.name'] CODEC(ZSTD(1)),
    `__otel_materialized_k8s.node.name` LowCardinality(String) MATERIALIZED ResourceAttributes['k8s.node.name'] CODEC(ZSTD(1)),
    `__otel_materialized_k8s.pod.name` LowCardinality(String) MATERIALIZED ResourceAttributes['k8s.pod.name'] CODEC(ZSTD(1)),
    `__otel_materialized_k8s.pod.uid` LowCardinality(String) MATERIALIZED ResourceAttributes['k8s.pod.uid'] CODEC(ZSTD(1)),
    `__otel_materialized_deployment.environment.name` LowCardinality(String) MATERIALIZED ResourceAttributes['deployment.environment.name'] CODEC(ZSTD(1)),
    INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_scope_attr_key mapKeys(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_scope_attr_value mapValues(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_log_attr_key mapKeys(LogAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_log_attr_value mapValues(LogAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_lower_body lower(Body) TYPE tokenbf_v1(32768, 3, 0) GRANULARITY 8
) ENGINE = MergeTree()
PARTITION BY toDate(Timestamp)
ORDER BY (TenantId, toStartOfFiveMinutes(Timestamp), ServiceName, Timestamp)
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1;

CREATE TABLE IF NOT EXISTS `otel`.`otel_traces`  (
    `TenantId` LowCardinality(String) CODEC(ZSTD(1)),
    `Timestamp` DateTime64(9) CODEC(Delta, ZSTD(1)),
    `TraceId` String CODEC(ZSTD(1)),
    `SpanId` String CODEC(ZSTD(1)),
    `ParentSpanId` String CODEC(ZSTD(1)),
    `TraceState` String CODEC(ZSTD(1)),
    `SpanName` LowCardinality(String) CODEC(ZSTD(1)),
    `SpanKind` LowCardinality(String) CODEC(ZSTD(1)),
    `ServiceName` LowCardinality(String) CODEC(ZSTD(1)),
    `ResourceAttributes` Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    `ScopeName` String CODEC(ZSTD(1)),
    `ScopeVersion` String CODEC(ZSTD(1)),
    `SpanAttributes` Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    `Duration` UInt64 CODEC(ZSTD(1)),
    `StatusCode` LowCardinality(String) CODEC(ZSTD(1)),
    `StatusMessage` String CODEC(ZSTD(1)),
    `Events` Nested (
        Timestamp DateTime64(9),
        Name LowCardinality(String),
        Attributes Map(LowCardinality(String), String)
    ) CODEC(ZSTD(1)),
    `Links` Nested (
        TraceId String,
        SpanId String,
        TraceState String,
        Attributes Map(LowCardinality(String), String)
    ) CODEC(ZSTD(1)),
    INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_span_attr_key mapKeys(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_span_attr_value mapValues(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_duration Duration TYPE minmax GRANULARITY 1
) ENGINE = MergeTree()
PARTITION BY toDate(Timestamp)
ORDER BY (TenantId, ServiceName, SpanName, toDateTime(Timestamp))
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1;

CREATE TABLE IF NOT EXISTS `otel`.`otel_traces_trace_id_ts`  (
    `TenantId` LowCardinality(String) CODEC(ZSTD(1)),
    `TraceId` String CODEC(ZSTD(1)),
    `Start` DateTime CODEC(Delta, ZSTD(1)),
    `End` DateTime CODEC(Delta, ZSTD(1)),
    INDEX idx_trace_id TraceId TYPE bloom_filter(0.01) GRANULARITY 1
) ENGINE = MergeTree()
PARTITION BY toDate(Start)
ORDER BY (TenantId, TraceId, Start)
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1;

CREATE TABLE IF NOT EXISTS `otel`.`otel_metrics_gauge`  (
    `TenantId` LowCardinality(String) CODEC(ZSTD(1)),
    `ResourceAttributes` Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    `ResourceSchemaUrl` String CODEC(ZSTD(1)),
    `ScopeName` String CODEC(ZSTD(1)),
    `ScopeVersion` String CODEC(ZSTD(1)),
    `ScopeAttributes` Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    `ScopeDroppedAttrCount` UInt32 CODEC(ZSTD(1)),
    `ScopeSchemaUrl` String CODEC(ZSTD(1)),
    `ServiceName` LowCardinality(String) CODEC(ZSTD(1)),
    `MetricName` LowCardinality(String) CODEC(ZSTD(1)),
    `MetricDescription` String CODEC(ZSTD(1)),
    `MetricUnit` String CODEC(ZSTD(1)),
    `Attributes` Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    `StartTimeUnix` DateTime CODEC(Delta, ZSTD(1)),
    `TimeUnix` DateTime CODEC(Delta, ZSTD(1)),
    `Value` Float64 CODEC(ZSTD(1)),
    `Flags` UInt32 CODEC(ZSTD(1)),
    `Exemplars` Nested (
        FilteredAttributes Map(LowCardinality(String), String),
        TimeUnix DateTime,
        Value Float64,
        SpanId String,
        TraceId String
    ) CODEC(ZSTD(1)),
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_scope_attr_key mapKeys(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_scope_attr_value mapValues(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_attr_key mapKeys(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_attr_value mapValues(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_time_minmax TimeUnix TYPE minmax GRANULARITY 1
) ENGINE = MergeTree()
PARTITION BY toDate(TimeUnix)
ORDER BY (TenantId, ServiceName, MetricName, toStartOfHour(TimeUnix), cityHash64(Attributes), TimeUnix)
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1;

CREATE TABLE IF NOT EXISTS `otel`.`otel_metrics_sum`  (
    `TenantId` LowCardinality(String) CODEC(ZSTD(1)),
    `ResourceAttributes` Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    `ResourceSchemaUrl` String CODEC(ZSTD(1)),
    `ScopeName` String CODEC(ZSTD(1)),
    `ScopeVersion` String CODEC(ZSTD(1)),
    `ScopeAttributes` Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    `ScopeDroppedAttrCount` UInt32 CODEC(ZSTD(1)),
    `ScopeSchemaUrl` String CODEC(ZSTD(1)),
    `ServiceName` LowCardinality(String) CODEC(ZSTD(1)),
    `MetricName` LowCardinality(String) CODEC(ZSTD(1)),
    `MetricDescription` String CODEC(ZSTD(1)),
    `MetricUnit` String CODEC(ZSTD(1)),
    `Attributes` Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    `StartTimeUnix` DateTime CODEC(Delta, ZSTD(1)),
    `TimeUnix` DateTime CODEC(Delta, ZSTD(1)),
    `Value` Float64 CODEC(ZSTD(1)),
    `Flags` UInt32 CODEC(ZSTD(1)),
    `Exemplars` Nested (
        FilteredAttributes Map(LowCardinality(String), String),
        TimeUnix DateTime,
        Value Float64,
        SpanId String,
        TraceId String
    ) CODEC(ZSTD(1)),
    `AggregationTemporality` Int32 CODEC(ZSTD(1)),
    `IsMonotonic` Boolean CODEC(Delta, ZSTD(1)),
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_scope_attr_key mapKeys(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_scope_attr_value mapValues(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_attr_key mapKeys(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_attr_value mapValues(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_time_minmax TimeUnix TYPE minmax GRANULARITY 1
) ENGINE = MergeTree()
PARTITION BY toDate(TimeUnix)
ORDER BY (TenantId, ServiceName, MetricName, toStartOfHour(TimeUnix), cityHash64(Attributes), TimeUnix)
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1;

CREATE TABLE IF NOT EXISTS `otel`.`otel_metrics_histogram`  (
    `TenantId` LowCardinality(String) CODEC(ZSTD(1)),
    `ResourceAttributes` Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    `ResourceSchemaUrl` String CODEC(ZSTD(1)),
    `ScopeName` String CODEC(ZSTD(1)),
    `ScopeVersion` String CODEC(ZSTD(1)),
    `ScopeAttributes` Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    `ScopeDroppedAttrCount` UInt32 CODEC(ZSTD(1)),
    `ScopeSchemaUrl` String CODEC(ZSTD(1)),
    `ServiceName` LowCardinality(String) CODEC(ZSTD(1)),
    `MetricName` LowCardinality(String) CODEC(ZSTD(1)),
    `MetricDescription` String CODEC(ZSTD(1)),
    `MetricUnit` String CODEC(ZSTD(1)),
    `Attributes` Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    `StartTimeUnix` DateTime CODEC(Delta, ZSTD(1)),
    `TimeUnix` DateTime CODEC(Delta, ZSTD(1)),
    `Count` UInt64 CODEC(Delta, ZSTD(1)),
    `Sum` Float64 CODEC(ZSTD(1)),
    `BucketCounts` Array(UInt64) CODEC(ZSTD(1)),
    `ExplicitBounds` Array(Float64) CODEC(ZSTD(1)),
    `Exemplars` Nested (
        FilteredAttributes Map(LowCardinality(String), String),
        TimeUnix DateTime,
        Value Float64,
        SpanId String,
        TraceId String
    ) CODEC(ZSTD(1)),
    `Flags` UInt32 CODEC(ZSTD(1)),
    `Min` Float64 CODEC(ZSTD(1)),
    `Max` Float64 CODEC(ZSTD(1)),
    `AggregationTemporality` Int32 CODEC(ZSTD(1)),
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_scope_attr_key mapKeys(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_scope_attr_value mapValues(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_attr_key mapKeys(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_attr_value mapValues(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_time_minmax TimeUnix TYPE minmax GRANULARITY 1
) ENGINE = MergeTree()
PARTITION BY toDate(TimeUnix)
ORDER BY (TenantId, ServiceName, MetricName, toStartOfHour(TimeUnix), cityHash64(Attributes), TimeUnix)
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1;

CREATE TABLE IF NOT EXISTS `otel`.`otel_metrics_exponential_histogram`  (
    `TenantId` LowCardinality(String) CODEC(ZSTD(1)),
    `ResourceAttributes` Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    `ResourceSchemaUrl` String CODEC(ZSTD(1)),
    `ScopeName` String CODEC(ZSTD(1)),
    `ScopeVersion` String CODEC(ZSTD(1)),
    `ScopeAttributes` Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    `ScopeDroppedAttrCount` UInt32 CODEC(ZSTD(1)),
    `ScopeSchemaUrl` String CODEC(ZSTD(1)),
    `ServiceName` LowCardinality(String) CODEC(ZSTD(1)),
    `MetricName` LowCardinality(String) CODEC(ZSTD(1)),
    `MetricDescription` String CODEC(ZSTD(1)),
    `MetricUnit` String CODEC(ZSTD(1)),
    `Attributes` Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    `StartTimeUnix` DateTime CODEC(Delta, ZSTD(1)),
    `TimeUnix` DateTime CODEC(Delta, ZSTD(1)),
    `Count` UInt64 CODEC(Delta, ZSTD(1)),
    `Sum` Float64 CODEC(ZSTD(1)),
    `Scale` Int32 CODEC(ZSTD(1)),
    `ZeroCount` UInt64 CODEC(ZSTD(1)),
    `PositiveOffset` Int32 CODEC(ZSTD(1)),
    `PositiveBucketCounts` Array(UInt64) CODEC(ZSTD(1)),
    `NegativeOffset` Int32 CODEC(ZSTD(1)),
    `NegativeBucketCounts` Array(UInt64) CODEC(ZSTD(1)),
    `Exemplars` Nested (
        FilteredAttributes Map(LowCardinality(String), String),
        TimeUnix DateTime,
        Value Float64,
        SpanId String,
        TraceId String
    ) CODEC(ZSTD(1)),
    `Flags` UInt32 CODEC(ZSTD(1)),
    `Min` Float64 CODEC(ZSTD(1)),
    `Max` Float64 CODEC(ZSTD(1)),
    `AggregationTemporality` Int32 CODEC(ZSTD(1)),
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_scope_attr_key mapKeys(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_scope_attr_value mapValues(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_attr_key mapKeys(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_attr_value mapValues(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_time_minmax TimeUnix TYPE minmax GRANULARITY 1
) ENGINE = MergeTree()
PARTITION BY toDate(TimeUnix)
ORDER BY (TenantId, ServiceName, MetricName, toStartOfHour(TimeUnix), cityHash64(Attributes), TimeUnix)
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1;

CREATE TABLE IF NOT EXISTS `otel`.`otel_metrics_summary`  (
    `TenantId` LowCardinality(String) CODEC(ZSTD(1)),
    `ResourceAttributes` Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    `ResourceSchemaUrl` String CODEC(ZSTD(1)),
    `ScopeName` String CODEC(ZSTD(1)),
    `ScopeVersion` String CODEC(ZSTD(1)),
    `ScopeAttributes` Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    `ScopeDroppedAttrCount` UInt32 CODEC(ZSTD(1)),
    `ScopeSchemaUrl` String CODEC(ZSTD(1)),
    `ServiceName` LowCardinality(String) CODEC(ZSTD(1)),
    `MetricName` LowCardinality(String) CODEC(ZSTD(1)),
    `MetricDescription` String CODEC(ZSTD(1)),
    `MetricUnit` String CODEC(ZSTD(1)),
    `Attributes` Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    `StartTimeUnix` DateTime CODEC(Delta, ZSTD(1)),
    `TimeUnix` DateTime CODEC(Delta, ZSTD(1)),
    `Count` UInt64 CODEC(Delta, ZSTD(1)),
    `Sum` Float64 CODEC(ZSTD(1)),
    `ValueAtQuantiles` Nested (
        Quantile Float64,
        Value Float64
    ) CODEC(ZSTD(1)),
    `Flags` UInt32 CODEC(ZSTD(1)),
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_scope_attr_key mapKeys(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_scope_attr_value mapValues(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_attr_key mapKeys(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_attr_value mapValues(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_time_minmax TimeUnix TYPE minmax GRANULARITY 1
) ENGINE = MergeTree()
PARTITION BY toDate(TimeUnix)
ORDER BY (TenantId, ServiceName, MetricName, toStartOfHour(TimeUnix), cityHash64(Attributes), TimeUnix)
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1;

CREATE TABLE IF NOT EXISTS `otel`.`slopipe_sli_events`  (
    `TenantId` LowCardinality(String),
    `Slo` LowCardinality(String),
    `Minute` DateTime CODEC(Delta, ZSTD(1)),
    `Good` UInt64,
    `Total` UInt64
) ENGINE = SummingMergeTree((Good, Total))
PARTITION BY toYYYYMM(Minute)
ORDER BY (TenantId, Slo, Minute);

CREATE TABLE IF NOT EXISTS `otel`.`slopipe_slo_status`  (
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
) ENGINE = MergeTree()
PARTITION BY toYYYYMM(EvaluatedAt)
ORDER BY (TenantId, Slo, EvaluatedAt);

CREATE TABLE IF NOT EXISTS `otel`.`slopipe_alert_state`  (
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
) ENGINE = ReplacingMergeTree(UpdatedAt)
ORDER BY (Fingerprint);

CREATE TABLE IF NOT EXISTS `otel`.`slopipe_silences`  (
    `Id` String,
    `Matchers` String,
    `StartsAt` DateTime64(3),
    `EndsAt` DateTime64(3),
    `CreatedBy` String,
    `Comment` String,
    `UpdatedAt` DateTime64(3)
) ENGINE = ReplacingMergeTree(UpdatedAt)
ORDER BY (Id);

CREATE TABLE IF NOT EXISTS `otel`.`slopipe_notification_log`  (
    `Receiver` LowCardinality(String),
    `GroupKey` String,
    `FiringAlerts` Array(String),
    `ResolvedAlerts` Array(String),
    `IntegrationState` Map(String, String),
    `SentAt` DateTime64(3),
    `ExpiresAt` DateTime64(3)
) ENGINE = ReplacingMergeTree(SentAt)
ORDER BY (Receiver, GroupKey);

CREATE TABLE IF NOT EXISTS `otel`.`slopipe_notifications`  (
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
) ENGINE = MergeTree()
PARTITION BY toYYYYMM(Time)
ORDER BY (Receiver, Time);

CREATE TABLE IF NOT EXISTS `otel`.`slopipe_billing_line_items`  (
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
) ENGINE = MergeTree()
PARTITION BY toYYYYMM(BillingPeriodStart)
ORDER BY (Provider, BillingAccountId, BillingPeriodStart, ChargePeriodStart, ServiceName);

CREATE TABLE IF NOT EXISTS `otel`.`slopipe_cost_allocations`  (
    `Day` Date,
    `TenantId` LowCardinality(String),
    `Team` LowCardinality(String),
    `Service` LowCardinality(String),
    `Category` LowCardinality(String),
    `Rule` LowCardinality(String),
    `BillingCurrency` LowCardinality(String),
    `Cost` Decimal(38, 10),
    `ComputedAt` DateTime64(3)
) ENGINE = ReplacingMergeTree(ComputedAt)
PARTITION BY toYYYYMM(Day)
ORDER BY (Day, TenantId, Team, Service, Category, Rule);

CREATE TABLE IF NOT EXISTS `otel`.`slopipe_ingest_usage`  (
    `TenantId` LowCardinality(String),
    `Signal` LowCardinality(String),
    `Minute` DateTime CODEC(Delta, ZSTD(1)),
    `Items` UInt64,
    `Bytes` UInt64
) ENGINE = SummingMergeTree((Items, Bytes))
PARTITION BY toYYYYMM(Minute)
ORDER BY (TenantId, Signal, Minute);

ALTER TABLE `otel`.`otel_metrics_sum`
    ADD COLUMN IF NOT EXISTS `InsertedAt` DateTime DEFAULT now() CODEC(Delta, ZSTD(1)),
    ADD INDEX IF NOT EXISTS idx_inserted_at InsertedAt TYPE minmax GRANULARITY 1;

ALTER TABLE `otel`.`otel_metrics_gauge`
    ADD COLUMN IF NOT EXISTS `InsertedAt` DateTime DEFAULT now() CODEC(Delta, ZSTD(1)),
    ADD INDEX IF NOT EXISTS idx_inserted_at InsertedAt TYPE minmax GRANULARITY 1;

ALTER TABLE `otel`.`otel_metrics_histogram`
    ADD COLUMN IF NOT EXISTS `InsertedAt` DateTime DEFAULT now() CODEC(Delta, ZSTD(1)),
    ADD INDEX IF NOT EXISTS idx_inserted_at InsertedAt TYPE minmax GRANULARITY 1;

DROP TABLE IF EXISTS `otel`.`slopipe_sli_events_resorted`;

CREATE TABLE `otel`.`slopipe_sli_events_resorted`  (
    `TenantId` LowCardinality(String),
    `Slo` LowCardinality(String),
    `Minute` DateTime CODEC(Delta, ZSTD(1)),
    `Good` UInt64,
    `Total` UInt64
) ENGINE = SummingMergeTree((Good, Total))
PARTITION BY toYYYYMM(Minute)
ORDER BY (Minute, TenantId, Slo);

INSERT INTO `otel`.`slopipe_sli_events_resorted` (TenantId, Slo, Minute, Good, Total)
SETTINGS distributed_foreground_insert = 1
SELECT TenantId, Slo, Minute, Good, Total FROM `otel`.`slopipe_sli_events`;

EXCHANGE TABLES `otel`.`slopipe_sli_events` AND `otel`.`slopipe_sli_events_resorted`;

DROP TABLE `otel`.`slopipe_sli_events_resorted`;

CREATE TABLE IF NOT EXISTS `otel`.`slopipe_sli_late_events`  (
    `TenantId` LowCardinality(String),
    `Slo` LowCardinality(String),
    `Earliest` DateTime,
    `InsertedAt` DateTime DEFAULT now()
) ENGINE = MergeTree()
ORDER BY (InsertedAt, TenantId, Slo)
TTL InsertedAt + toIntervalDay(7);

CREATE TABLE IF NOT EXISTS `otel`.`slopipe_sli_metric_minutes`  (
    `TenantId` LowCardinality(String),
    `Slo` LowCardinality(String),
    `SpecHash` LowCardinality(String),
    `Minute` DateTime CODEC(Delta, ZSTD(1)),
    `Good` Float64,
    `Total` Float64,
    `ComputedAt` DateTime64(3)
) ENGINE = ReplacingMergeTree(ComputedAt)
PARTITION BY toYYYYMM(Minute)
ORDER BY (TenantId, Slo, SpecHash, Minute);

CREATE TABLE IF NOT EXISTS `otel`.`slopipe_sli_hours`  (
    `TenantId` LowCardinality(String),
    `Slo` LowCardinality(String),
    `SpecHash` LowCardinality(String),
    `Hour` DateTime CODEC(Delta, ZSTD(1)),
    `Good` Float64,
    `Total` Float64,
    `ComputedAt` DateTime64(3)
) ENGINE = ReplacingMergeTree(ComputedAt)
PARTITION BY toYYYYMM(Hour)
ORDER BY (TenantId, Slo, SpecHash, Hour);

ALTER TABLE `otel`.`slopipe_slo_status`
    MODIFY COLUMN `Good` Float64,
    MODIFY COLUMN `Total` Float64,
    ADD COLUMN IF NOT EXISTS `BudgetingMethod` LowCardinality(String) AFTER `Period`;

CREATE TABLE IF NOT EXISTS `otel`.`slopipe_billing_imports`  (
    `ImportId` String,
    `Provider` LowCardinality(String),
    `BillingAccountId` String,
    `BillingPeriodStart` DateTime,
    `SourceFile` String,
    `ImportedAt` DateTime64(3),
    `Rows` UInt64,
    `BilledCost` Decimal(38, 10),
    `CompletedAt` DateTime64(3)
) ENGINE = MergeTree()
ORDER BY (Provider, BillingAccountId, BillingPeriodStart, CompletedAt, ImportId);

ALTER TABLE `otel`.`slopipe_billing_line_items`
    ADD INDEX IF NOT EXISTS idx_import_id ImportId TYPE bloom_filter(0.001) GRANULARITY 1;

CREATE VIEW IF NOT EXISTS `otel`.`slopipe_billing_line_items_current`  AS
SELECT *
FROM `otel`.`slopipe_billing_line_items`
WHERE (Provider, BillingAccountId, BillingPeriodStart, ImportId) GLOBAL IN (
    SELECT Provider, BillingAccountId, BillingPeriodStart, argMax(ImportId, (CompletedAt, ImportId))
    FROM `otel`.`slopipe_billing_imports`
    GROUP BY Provider, BillingAccountId, BillingPeriodStart
);

DROP TABLE IF EXISTS `otel`.`slopipe_cost_allocations_rekeyed`;

CREATE TABLE `otel`.`slopipe_cost_allocations_rekeyed`  (
    `Day` Date,
    `TenantId` LowCardinality(String),
    `Team` LowCardinality(String),
    `Service` LowCardinality(String),
    `Category` LowCardinality(String),
    `Rule` LowCardinality(String),
    `BillingCurrency` LowCardinality(String),
    `Cost` Decimal(38, 10),
    `ComputedAt` DateTime64(3)
) ENGINE = MergeTree()
PARTITION BY toYYYYMM(Day)
ORDER BY (Day, ComputedAt, TenantId, Team, Service, Category, Rule, BillingCurrency);

INSERT INTO `otel`.`slopipe_cost_allocations_rekeyed` (Day, TenantId, Team, Service, Category, Rule, BillingCurrency, Cost, ComputedAt)
SETTINGS distributed_foreground_insert = 1
SELECT Day, TenantId, Team, Service, Category, Rule, BillingCurrency, Cost, ComputedAt FROM `otel`.`slopipe_cost_allocations`;

EXCHANGE TABLES `otel`.`slopipe_cost_allocations` AND `otel`.`slopipe_cost_allocations_rekeyed`;

DROP TABLE `otel`.`slopipe_cost_allocations_rekeyed`;

CREATE TABLE IF NOT EXISTS `otel`.`slopipe_cost_runs`  (
    `Report` LowCardinality(String),
    `Day` Date,
    `ComputedAt` DateTime64(3),
    `Rows` UInt64
) ENGINE = MergeTree()
PARTITION BY toYYYYMM(Day)
ORDER BY (Report, Day, ComputedAt);

CREATE TABLE IF NOT EXISTS `otel`.`slopipe_cost_chargeback`  (
    `Day` Date,
    `TenantId` LowCardinality(String),
    `IngestedBytes` UInt64,
    `RetainedBytes` UInt64,
    `BillingCurrency` LowCardinality(String),
    `IngestCost` Decimal(38, 10),
    `RetentionCost` Decimal(38, 10),
    `ComputedAt` DateTime64(3)
) ENGINE = MergeTree()
PARTITION BY toYYYYMM(Day)
ORDER BY (Day, ComputedAt, TenantId, BillingCurrency);

CREATE TABLE IF NOT EXISTS `otel`.`slopipe_cost_unit_costs`  (
    `Day` Date,
    `TenantId` LowCardinality(String),
    `Service` LowCardinality(String),
    `BillingCurrency` LowCardinality(String),
    `Cost` Decimal(38, 10),
    `Requests` UInt64,
    `GoodEvents` UInt64,
    `ComputedAt` DateTime64(3)
) ENGINE = MergeTree()
PARTITION BY toYYYYMM(Day)
ORDER BY (Day, ComputedAt, TenantId, Service, BillingCurrency);

CREATE TABLE IF NOT EXISTS `otel`.`slopipe_cost_budgets`  (
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
) ENGINE = MergeTree()
PARTITION BY toYYYYMM(Day)
ORDER BY (Day, ComputedAt, Budget);

CREATE TABLE IF NOT EXISTS `otel`.`slopipe_cost_anomalies`  (
    `Day` Date,
    `TenantId` LowCardinality(String),
    `Team` LowCardinality(String),
    `Service` LowCardinality(String),
    `BillingCurrency` LowCardinality(String),
    `Cost` Decimal(38, 10),
    `Baseline` Decimal(38, 10),
    `Score` Float64,
    `ComputedAt` DateTime64(3)
) ENGINE = MergeTree()
PARTITION BY toYYYYMM(Day)
ORDER BY (Day, ComputedAt, TenantId, Service, BillingCurrency);

CREATE TABLE IF NOT EXISTS `otel`.`slopipe_cost_recommendations`  (
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
) ENGINE = MergeTree()
PARTITION BY toYYYYMM(Day)
ORDER BY (Day, ComputedAt, Kind, TenantId, Service);

CREATE VIEW IF NOT EXISTS `otel`.`slopipe_cost_chargeback_current`  AS
SELECT *
FROM `otel`.`slopipe_cost_chargeback`
WHERE (Day, ComputedAt) GLOBAL IN (
    SELECT Day, max(ComputedAt)
    FROM `otel`.`slopipe_cost_runs`
    WHERE Report = 'slopipe_cost_chargeback'
    GROUP BY Day
);

CREATE VIEW IF NOT EXISTS `otel`.`slopipe_cost_unit_costs_current`  AS
SELECT *
FROM `otel`.`slopipe_cost_unit_costs`
WHERE (Day, ComputedAt) GLOBAL IN (
    SELECT Day, max(ComputedAt)
    FROM `otel`.`slopipe_cost_runs`
    WHERE Report = 'slopipe_cost_unit_costs'
    GROUP BY Day
);

CREATE VIEW IF NOT EXISTS `otel`.`slopipe_cost_budgets_current`  AS
SELECT *
FROM `otel`.`slopipe_cost_budgets`
WHERE (Day, ComputedAt) GLOBAL IN (
    SELECT Day, max(ComputedAt)
    FROM `otel`.`slopipe_cost_runs`
    WHERE Report = 'slopipe_cost_budgets'
    GROUP BY Day
);

CREATE VIEW IF NOT EXISTS `otel`.`slopipe_cost_anomalies_current`  AS
SELECT *
FROM `otel`.`slopipe_cost_anomalies`
WHERE (Day, ComputedAt) GLOBAL IN (
    SELECT Day, max(ComputedAt)
    FROM `otel`.`slopipe_cost_runs`
    WHERE Report = 'slopipe_cost_anomalies'
    GROUP BY Day
);

CREATE VIEW IF NOT EXISTS `otel`.`slopipe_cost_recommendations_current`  AS
SELECT *
FROM `otel`.`slopipe_cost_recommendations`
WHERE (Day, ComputedAt) GLOBAL IN (
    SELECT Day, max(ComputedAt)
    FROM `otel`.`slopipe_cost_runs`
    WHERE Report = 'slopipe_cost_recommendations'
    GROUP BY Day
);

CREATE VIEW IF NOT EXISTS `otel`.`slopipe_cost_allocations_current`  AS
SELECT *
FROM `otel`.`slopipe_cost_allocations`
WHERE Category != 'none'
  AND (Day, ComputedAt) GLOBAL IN (SELECT Day, max(ComputedAt) FROM `otel`.`slopipe_cost_allocations` GROUP BY Day);

