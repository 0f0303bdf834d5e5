SELECT `period`, `entity`, `taxonomy`, CAST(SUM(`sales_volume`) AS SIGNED) AS `sales_volume`, CAST(COUNT(*) AS SIGNED) AS `transactions`, CAST(MAX(`largest_sale`) AS SIGNED) AS `largest_sale`
FROM (
  SELECT DATE_FORMAT(DATE_ADD(TIMESTAMP '1970-01-01 00:00:00', INTERVAL `local_epoch` SECOND), '%Y-%m-01') AS `period`, `entity`, `taxonomy`, `sales_volume`, `largest_sale`
  FROM (
    SELECT TIMESTAMPDIFF(SECOND, TIMESTAMP '1970-01-01 00:00:00', `sold_at`) + ? AS `local_epoch`, `location_id` AS `entity`, `taxonomy` AS `taxonomy`, `amount_cents` AS `sales_volume`, `amount_cents` AS `largest_sale`
    FROM `sales_transactions`
    WHERE `sold_at` >= CAST(? AS DATETIME(3))
      AND `sold_at` <= CAST(? AS DATETIME(3))
      AND `location_id` IN (?, ?, ?)
      AND 1 = 1
  ) AS `localised`
) AS `bucketed`
GROUP BY `period`, `entity`, `taxonomy`
ORDER BY `period`, `entity`, `taxonomy`;
-- params: [19800,"2024-03-25 00:00:00.000","2024-05-05 23:59:59.000","64a1b2c3d4e5f6a7b8c9d0e1","64a1b2c3d4e5f6a7b8c9d0e3","64a1b2c3d4e5f6a7b8c9d0e6"]
