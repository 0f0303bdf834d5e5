SELECT [period], [entity], [segments], [age], CAST(SUM([entries]) AS BIGINT) AS [entries]
FROM (
  SELECT CONVERT(CHAR(10), DATEADD(SECOND, ([local_epoch] - (([local_epoch] + 259200) % 604800)) % 86400, DATEADD(DAY, ([local_epoch] - (([local_epoch] + 259200) % 604800)) / 86400, CAST('1970-01-01' AS DATETIME2))), 23) AS [period], [entity], [segments], [age], [entries]
  FROM (
    SELECT DATEDIFF_BIG(SECOND, CAST('1970-01-01' AS DATETIME2), [observed_at]) + (CASE WHEN DATEDIFF_BIG(SECOND, CAST('1970-01-01' AS DATETIME2), [observed_at]) < CAST(@p1 AS BIGINT) THEN CAST(@p2 AS BIGINT) ELSE CAST(@p3 AS BIGINT) END) AS [local_epoch], [location_id] AS [entity], [segment] AS [segments], [age_band] AS [age], [entries] AS [entries]
    FROM [footfall_hourly]
    WHERE [observed_at] >= CAST(@p4 AS DATETIME2)
      AND [observed_at] <= CAST(@p5 AS DATETIME2)
      AND [location_id] IN (@p6, @p7)
      AND 1 = 1
  ) AS [localised]
) AS [bucketed]
GROUP BY [period], [entity], [segments], [age]
ORDER BY [period], [entity] COLLATE Latin1_General_BIN2, [segments] COLLATE Latin1_General_BIN2, [age] COLLATE Latin1_General_BIN2;
-- params: [1711846800,3600,7200,"2024-03-25T00:00:00.000","2024-05-05T23:59:59.000","64a1b2c3d4e5f6a7b8c9d0e2","64a1b2c3d4e5f6a7b8c9d0e5"]
