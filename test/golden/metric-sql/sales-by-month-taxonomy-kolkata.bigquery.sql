SELECT `period`, `entity`, `taxonomy`, CAST(SUM(`sales_volume`) AS INT64) AS `sales_volume`, CAST(COUNT(*) AS INT64) AS `transactions`, CAST(MAX(`largest_sale`) AS INT64) AS `largest_sale`
FROM (
  SELECT FORMAT_TIMESTAMP('%Y-%m-01', TIMESTAMP_SECONDS(`local_epoch`)) AS `period`, `entity`, `taxonomy`, `sales_volume`, `largest_sale`
  FROM (
    SELECT UNIX_SECONDS(`sold_at`) + CAST(@p1 AS INT64) AS `local_epoch`, `location_id` AS `entity`, `taxonomy` AS `taxonomy`, `amount_cents` AS `sales_volume`, `amount_cents` AS `largest_sale`
    FROM `sales_transactions`
    WHERE `sold_at` >= CAST(@p2 AS TIMESTAMP)
      AND `sold_at` <= CAST(@p3 AS TIMESTAMP)
      AND `location_id` IN (@p4, @p5, @p6)
      AND 1 = 1
  ) AS `localised`
) AS `bucketed`
GROUP BY `period`, `entity`, `taxonomy`
ORDER BY `period`, `entity`, `taxonomy`;
-- params: [19800,"2024-03-25T00:00:00.000Z","2024-05-05T23:59:59.000Z","64a1b2c3d4e5f6a7b8c9d0e1","64a1b2c3d4e5f6a7b8c9d0e3","64a1b2c3d4e5f6a7b8c9d0e6"]
