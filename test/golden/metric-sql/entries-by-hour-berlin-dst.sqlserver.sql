SELECT [period], [entity], CAST(SUM([entries]) AS BIGINT) AS [entries], CAST(COUNT(*) AS BIGINT) AS [footfall_readings]
FROM (
  SELECT CONVERT(CHAR(13), DATEADD(SECOND, ([local_epoch] - (([local_epoch]) % 3600)) % 86400, DATEADD(DAY, ([local_epoch] - (([local_epoch]) % 3600)) / 86400, CAST('1970-01-01' AS DATETIME2))), 126) + ':00' AS [period], [entity], [entries]
  FROM (
    SELECT DATEDIFF_BIG(SECOND, CAST('1970-01-01' AS DATETIME2), [observed_at]) + (CASE WHEN DATEDIFF_BIG(SECOND, CAST('1970-01-01' AS DATETIME2), [observed_at]) < CAST(@p1 AS BIGINT) THEN CAST(@p2 AS BIGINT) ELSE CAST(@p3 AS BIGINT) END) AS [local_epoch], [location_id] AS [entity], [entries] AS [entries]
    FROM [footfall_hourly]
    WHERE [observed_at] >= CAST(@p4 AS DATETIME2)
      AND [observed_at] <= CAST(@p5 AS DATETIME2)
      AND [location_id] IN (@p6, @p7)
      AND 1 = 1
  ) AS [localised]
) AS [bucketed]
GROUP BY [period], [entity]
ORDER BY [period], [entity] COLLATE Latin1_General_BIN2;
-- params: [1711846800,3600,7200,"2024-03-30T20:00:00.000","2024-04-01T08:00:00.000","64a1b2c3d4e5f6a7b8c9d0e1","64a1b2c3d4e5f6a7b8c9d0e4"]
