-- bad: sum(rate(http_requests_total{job="api",code=~"5.."}[5m]))
-- total: sum(rate(http_requests_total{job="api"}[5m]))
WITH
-- Every sample selected; Source numbers the (selector, table) reads, so it
-- is part of the series.
samples AS (
    -- 1: events http_requests_total{job="api",code=~"5.."} from otel_metrics_sum
    SELECT
        1 AS Source, 0 AS IsTotal,
        TenantId, MetricName, ServiceName, ResourceAttributes, ScopeName, Attributes, StartTimeUnix, TimeUnix,
        Value, AggregationTemporality = 1 AS IsDelta
    FROM `slopipe`.`otel_metrics_sum`
    WHERE TimeUnix >= {from:DateTime} - INTERVAL 900 SECOND AND TimeUnix < {to:DateTime}
        AND (empty({tenants:Array(String)}) OR TenantId IN {tenants:Array(String)})
        AND startsWith(MetricName, 'http')
        AND replaceRegexpAll(MetricName, '[^a-zA-Z0-9_:]', '_') = 'http_requests_total'
        AND ServiceName = 'api'
        AND match(if(mapContains(Attributes, 'code'), Attributes['code'], ResourceAttributes['code']), '^(?:5..)$')
        AND NOT isNaN(Value) AND bitAnd(Flags, 1) = 0
    UNION ALL
    -- 2: events http_requests_total{job="api",code=~"5.."} from otel_metrics_gauge
    SELECT
        2 AS Source, 0 AS IsTotal,
        TenantId, MetricName, ServiceName, ResourceAttributes, ScopeName, Attributes, StartTimeUnix, TimeUnix,
        Value, 0 AS IsDelta
    FROM `slopipe`.`otel_metrics_gauge`
    WHERE TimeUnix >= {from:DateTime} - INTERVAL 900 SECOND AND TimeUnix < {to:DateTime}
        AND (empty({tenants:Array(String)}) OR TenantId IN {tenants:Array(String)})
        AND startsWith(MetricName, 'http')
        AND replaceRegexpAll(MetricName, '[^a-zA-Z0-9_:]', '_') = 'http_requests_total'
        AND ServiceName = 'api'
        AND match(if(mapContains(Attributes, 'code'), Attributes['code'], ResourceAttributes['code']), '^(?:5..)$')
        AND NOT isNaN(Value) AND bitAnd(Flags, 1) = 0
    UNION ALL
    -- 3: total http_requests_total{job="api"} from otel_metrics_sum
    SELECT
        3 AS Source, 1 AS IsTotal,
        TenantId, MetricName, ServiceName, ResourceAttributes, ScopeName, Attributes, StartTimeUnix, TimeUnix,
        Value, AggregationTemporality = 1 AS IsDelta
    FROM `slopipe`.`otel_metrics_sum`
    WHERE TimeUnix >= {from:DateTime} - INTERVAL 900 SECOND AND TimeUnix < {to:DateTime}
        AND (empty({tenants:Array(String)}) OR TenantId IN {tenants:Array(String)})
        AND startsWith(MetricName, 'http')
        AND replaceRegexpAll(MetricName, '[^a-zA-Z0-9_:]', '_') = 'http_requests_total'
        AND ServiceName = 'api'
        AND NOT isNaN(Value) AND bitAnd(Flags, 1) = 0
    UNION ALL
    -- 4: total http_requests_total{job="api"} from otel_metrics_gauge
    SELECT
        4 AS Source, 1 AS IsTotal,
        TenantId, MetricName, ServiceName, ResourceAttributes, ScopeName, Attributes, StartTimeUnix, TimeUnix,
        Value, 0 AS IsDelta
    FROM `slopipe`.`otel_metrics_gauge`
    WHERE TimeUnix >= {from:DateTime} - INTERVAL 900 SECOND AND TimeUnix < {to:DateTime}
        AND (empty({tenants:Array(String)}) OR TenantId IN {tenants:Array(String)})
        AND startsWith(MetricName, 'http')
        AND replaceRegexpAll(MetricName, '[^a-zA-Z0-9_:]', '_') = 'http_requests_total'
        AND ServiceName = 'api'
        AND NOT isNaN(Value) AND bitAnd(Flags, 1) = 0
),
-- Each sample with the one before it in its series.
ordered AS (
    SELECT
        IsTotal, TenantId, IsDelta, StartTimeUnix, TimeUnix, Value,
        lagInFrame(TimeUnix, 1, toDateTime(0)) OVER series AS PrevTime,
        lagInFrame(StartTimeUnix) OVER series AS PrevStart,
        lagInFrame(Value) OVER series AS PrevValue
    FROM samples
    WINDOW series AS (
        PARTITION BY Source, TenantId, MetricName, ServiceName, ResourceAttributes, ScopeName, Attributes
        ORDER BY TimeUnix, Value
        ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)
),
-- What each sample adds to its counter (see the promsql package doc).
deltas AS (
    SELECT
        IsTotal, TenantId, toStartOfMinute(TimeUnix) AS Minute,
        multiIf(
            IsDelta, if(PrevTime = TimeUnix, 0, Value),
            PrevTime >= TimeUnix - INTERVAL 900 SECOND,
                if(Value < PrevValue OR (StartTimeUnix > PrevStart AND PrevStart > toDateTime(0)), Value, Value - PrevValue),
            StartTimeUnix > toDateTime(0) AND StartTimeUnix >= TimeUnix - INTERVAL 900 SECOND, Value,
            0) AS Delta
    FROM ordered
)
SELECT
    CAST(TenantId AS String) AS TenantId,
    Minute,
    sumIf(Delta, IsTotal = 1) - sumIf(Delta, IsTotal = 0) AS Good,
    sumIf(Delta, IsTotal = 1) AS Total
FROM deltas
WHERE Minute >= {from:DateTime} AND Minute < {to:DateTime}
GROUP BY TenantId, Minute
ORDER BY TenantId, Minute
