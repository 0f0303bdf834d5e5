SELECT `period`, `entity`, `segments`, `age`, CAST(SUM(`entries`) AS SIGNED) AS `entries`
FROM (
  SELECT DATE_FORMAT(DATE_ADD(TIMESTAMP '1970-01-01 00:00:00', INTERVAL (`local_epoch` - MOD(`local_epoch` + 259200, 604800)) SECOND), '%Y-%m-%d') AS `period`, `entity`, `segments`, `age`, `entries`
  FROM (
    SELECT TIMESTAMPDIFF(SECOND, TIMESTAMP '1970-01-01 00:00:00', `observed_at`) + (CASE WHEN TIMESTAMPDIFF(SECOND, TIMESTAMP '1970-01-01 00:00:00', `observed_at`) < ? THEN ? ELSE ? END) AS `local_epoch`, `location_id` AS `entity`, `segment` AS `segments`, `age_band` AS `age`, `entries` AS `entries`
    FROM `footfall_hourly`
    WHERE `observed_at` >= CAST(? AS DATETIME(3))
      AND `observed_at` <= CAST(? AS DATETIME(3))
      AND `location_id` IN (?, ?)
      AND 1 = 1
  ) AS `localised`
) AS `bucketed`
GROUP BY `period`, `entity`, `segments`, `age`
ORDER BY `period`, `entity`, `segments`, `age`;
-- params: [1711846800,3600,7200,"2024-03-25 00:00:00.000","2024-05-05 23:59:59.000","64a1b2c3d4e5f6a7b8c9d0e2","64a1b2c3d4e5f6a7b8c9d0e5"]
