SELECT `period`, `entity`, CAST(SUM(`sales_volume`) AS SIGNED) AS `sales_volume`
FROM (
  SELECT DATE_FORMAT(DATE_ADD(TIMESTAMP '1970-01-01 00:00:00', INTERVAL (`local_epoch` - MOD(`local_epoch`, 86400)) SECOND), '%Y-%m-%d') AS `period`, `entity`, `sales_volume`
  FROM (
    SELECT TIMESTAMPDIFF(SECOND, TIMESTAMP '1970-01-01 00:00:00', `sold_at`) + ? AS `local_epoch`, `location_id` AS `entity`, `amount_cents` AS `sales_volume`
    FROM `sales_transactions`
    WHERE `sold_at` >= CAST(? AS DATETIME(3))
      AND `sold_at` <= CAST(? AS DATETIME(3))
      AND `location_id` IN (?, ?)
      AND 1 = 1
  ) AS `localised`
) AS `bucketed`
GROUP BY `period`, `entity`
ORDER BY `period`, `entity`;
-- params: [-14400,"2024-04-28 00:00:00.000","2024-05-03 12:00:00.000","64a1b2c3d4e5f6a7b8c9d0e4","64a1b2c3d4e5f6a7b8c9d0e5"]
