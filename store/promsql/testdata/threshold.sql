-- threshold: queue_depth{job="api",queue=~"orders|payments"} lte 0.3
WITH
-- Every sample selected; Source numbers the table reads, so it is part of
-- the series.
samples AS (
    -- 1: samples queue_depth{job="api",queue=~"orders|payments"} from otel_metrics_sum
    SELECT
        1 AS Source,
        TenantId, MetricName, ServiceName, ResourceAttributes, ScopeName, Attributes, TimeUnix,
        Value
    FROM `slopipe`.`otel_metrics_sum`
    WHERE TimeUnix >= {from:DateTime} AND TimeUnix < {to:DateTime}
        AND (empty({tenants:Array(String)}) OR TenantId IN {tenants:Array(String)})
        AND startsWith(MetricName, 'queue')
        AND replaceRegexpAll(MetricName, '[^a-zA-Z0-9_:]', '_') = 'queue_depth'
        AND ServiceName = 'api'
        AND match(if(mapContains(Attributes, 'queue'), Attributes['queue'], ResourceAttributes['queue']), '^(?:orders|payments)$')
        AND NOT isNaN(Value) AND bitAnd(Flags, 1) = 0
    UNION ALL
    -- 2: samples queue_depth{job="api",queue=~"orders|payments"} from otel_metrics_gauge
    SELECT
        2 AS Source,
        TenantId, MetricName, ServiceName, ResourceAttributes, ScopeName, Attributes, TimeUnix,
        Value
    FROM `slopipe`.`otel_metrics_gauge`
    WHERE TimeUnix >= {from:DateTime} AND TimeUnix < {to:DateTime}
        AND (empty({tenants:Array(String)}) OR TenantId IN {tenants:Array(String)})
        AND startsWith(MetricName, 'queue')
        AND replaceRegexpAll(MetricName, '[^a-zA-Z0-9_:]', '_') = 'queue_depth'
        AND ServiceName = 'api'
        AND match(if(mapContains(Attributes, 'queue'), Attributes['queue'], ResourceAttributes['queue']), '^(?:orders|payments)$')
        AND NOT isNaN(Value) AND bitAnd(Flags, 1) = 0
),
-- One sample per series and TimeUnix: a retried write counts once; of
-- differing values, the least.
points AS (
    SELECT TenantId, toStartOfMinute(TimeUnix) AS Minute, min(Value) AS Value
    FROM samples
    GROUP BY Source, TenantId, MetricName, ServiceName, ResourceAttributes, ScopeName, Attributes, TimeUnix
)
SELECT
    CAST(TenantId AS String) AS TenantId,
    Minute,
    toFloat64(countIf(Value <= toFloat64(0.3))) AS Good,
    toFloat64(count()) AS Total
FROM points
WHERE Minute >= {from:DateTime} AND Minute < {to:DateTime}
GROUP BY TenantId, Minute
ORDER BY TenantId, Minute
