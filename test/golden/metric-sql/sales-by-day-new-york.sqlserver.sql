SELECT [period], [entity], CAST(SUM([sales_volume]) AS BIGINT) AS [sales_volume]
FROM (
  SELECT CONVERT(CHAR(10), DATEADD(SECOND, ([local_epoch] - (([local_epoch]) % 86400)) % 86400, DATEADD(DAY, ([local_epoch] - (([local_epoch]) % 86400)) / 86400, CAST('1970-01-01' AS DATETIME2))), 23) AS [period], [entity], [sales_volume]
  FROM (
    SELECT DATEDIFF_BIG(SECOND, CAST('1970-01-01' AS DATETIME2), [sold_at]) + CAST(@p1 AS BIGINT) AS [local_epoch], [location_id] AS [entity], [amount_cents] AS [sales_volume]
    FROM [sales_transactions]
    WHERE [sold_at] >= CAST(@p2 AS DATETIME2)
      AND [sold_at] <= CAST(@p3 AS DATETIME2)
      AND [location_id] IN (@p4, @p5)
      AND 1 = 1
  ) AS [localised]
) AS [bucketed]
GROUP BY [period], [entity]
ORDER BY [period], [entity] COLLATE Latin1_General_BIN2;
-- params: [-14400,"2024-04-28T00:00:00.000","2024-05-03T12:00:00.000","64a1b2c3d4e5f6a7b8c9d0e4","64a1b2c3d4e5f6a7b8c9d0e5"]
