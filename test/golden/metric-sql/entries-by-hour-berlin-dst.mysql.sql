SELECT `period`, `entity`, CAST(SUM(`entries`) AS SIGNED) AS `entries`, CAST(COUNT(*) AS SIGNED) AS `footfall_readings`
FROM (
  SELECT DATE_FORMAT(DATE_ADD(TIMESTAMP '1970-01-01 00:00:00', INTERVAL (`local_epoch` - MOD(`local_epoch`, 3600)) SECOND), '%Y-%m-%dT%H:00') AS `period`, `entity`, `entries`
  FROM (
    SELECT TIMESTAMPDIFF(SECOND, TIMESTAMP '1970-01-01 00:00:00', `observed_at`) + (CASE WHEN TIMESTAMPDIFF(SECOND, TIMESTAMP '1970-01-01 00:00:00', `observed_at`) < ? THEN ? ELSE ? END) AS `local_epoch`, `location_id` AS `entity`, `entries` AS `entries`
    FROM `footfall_hourly`
    WHERE `observed_at` >= CAST(? AS DATETIME(3))
      AND `observed_at` <= CAST(? AS DATETIME(3))
      AND `location_id` IN (?, ?)
      AND 1 = 1
  ) AS `localised`
) AS `bucketed`
GROUP BY `period`, `entity`
ORDER BY `period`, `entity`;
-- params: [1711846800,3600,7200,"2024-03-30 20:00:00.000","2024-04-01 08:00:00.000","64a1b2c3d4e5f6a7b8c9d0e1","64a1b2c3d4e5f6a7b8c9d0e4"]
