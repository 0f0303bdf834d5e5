SELECT `period`, `entity`, CAST(SUM(`sales_volume`) AS INT64) AS `sales_volume`
FROM (
  SELECT FORMAT_TIMESTAMP('%Y-%m-%d', TIMESTAMP_SECONDS((`local_epoch` - MOD(`local_epoch`, 86400)))) AS `period`, `entity`, `sales_volume`
  FROM (
    SELECT UNIX_SECONDS(`sold_at`) + CAST(@p1 AS INT64) AS `local_epoch`, `location_id` AS `entity`, `amount_cents` AS `sales_volume`
    FROM `sales_transactions`
    WHERE `sold_at` >= CAST(@p2 AS TIMESTAMP)
      AND `sold_at` <= CAST(@p3 AS TIMESTAMP)
      AND `location_id` IN (@p4, @p5)
      AND 1 = 1
  ) AS `localised`
) AS `bucketed`
GROUP BY `period`, `entity`
ORDER BY `period`, `entity`;
-- params: [-14400,"2024-04-28T00:00:00.000Z","2024-05-03T12:00:00.000Z","64a1b2c3d4e5f6a7b8c9d0e4","64a1b2c3d4e5f6a7b8c9d0e5"]
