SELECT [period], [entity], [taxonomy], CAST(SUM([sales_volume]) AS BIGINT) AS [sales_volume], CAST(COUNT(*) AS BIGINT) AS [transactions], CAST(MAX([largest_sale]) AS BIGINT) AS [largest_sale]
FROM (
  SELECT CONVERT(CHAR(7), DATEADD(SECOND, [local_epoch] % 86400, DATEADD(DAY, [local_epoch] / 86400, CAST('1970-01-01' AS DATETIME2))), 23) + '-01' AS [period], [entity], [taxonomy], [sales_volume], [largest_sale]
  FROM (
    SELECT DATEDIFF_BIG(SECOND, CAST('1970-01-01' AS DATETIME2), [sold_at]) + CAST(@p1 AS BIGINT) AS [local_epoch], [location_id] AS [entity], [taxonomy] AS [taxonomy], [amount_cents] AS [sales_volume], [amount_cents] AS [largest_sale]
    FROM [sales_transactions]
    WHERE [sold_at] >= CAST(@p2 AS DATETIME2)
      AND [sold_at] <= CAST(@p3 AS DATETIME2)
      AND [location_id] IN (@p4, @p5, @p6)
      AND [region] IN (@p7)
      AND [taxonomy] IN (@p8, @p9)
      AND (([location_id] IN (@p10)) OR ([region] IN (@p11) AND [taxonomy] IN (@p12)))
  ) AS [localised]
) AS [bucketed]
GROUP BY [period], [entity], [taxonomy]
ORDER BY [period], [entity] COLLATE Latin1_General_BIN2, [taxonomy] COLLATE Latin1_General_BIN2
OFFSET 0 ROWS FETCH NEXT 100 ROWS ONLY;
-- params: [19800,"2024-03-25T00:00:00.000","2024-05-05T23:59:59.000","64a1b2c3d4e5f6a7b8c9d0e1","64a1b2c3d4e5f6a7b8c9d0e3","64a1b2c3d4e5f6a7b8c9d0e6","South","Products:Food","Services:Repairs","64a1b2c3d4e5f6a7b8c9d0e3","South","Products:Food"]
