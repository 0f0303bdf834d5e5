SELECT [period], [entity], [segments], CAST(SUM([entries]) AS BIGINT) AS [entries]
FROM (
  SELECT CONVERT(CHAR(10), DATEADD(SECOND, ([local_epoch] - (([local_epoch]) % 86400)) % 86400, DATEADD(DAY, ([local_epoch] - (([local_epoch]) % 86400)) / 86400, CAST('1970-01-01' AS DATETIME2))), 23) AS [period], [entity], [segments], [entries]
  FROM (
    SELECT DATEDIFF_BIG(SECOND, CAST('1970-01-01' AS DATETIME2), [observed_at]) + CAST(@p1 AS BIGINT) AS [local_epoch], [location_id] AS [entity], [segment] AS [segments], [entries] AS [entries]
    FROM [footfall_hourly]
    WHERE [observed_at] >= CAST(@p2 AS DATETIME2)
      AND [observed_at] <= CAST(@p3 AS DATETIME2)
      AND [location_id] IN (@p4)
      AND 1 = 0
  ) AS [localised]
) AS [bucketed]
GROUP BY [period], [entity], [segments]
ORDER BY [period], [entity] COLLATE Latin1_General_BIN2, [segments] COLLATE Latin1_General_BIN2;
-- params: [0,"2024-04-01T00:00:00.000","2024-04-30T23:59:59.000","64a1b2c3d4e5f6a7b8c9d0e3"]
