SELECT `period`, `entity`, `segments`, CAST(SUM(`entries`) AS SIGNED) AS `entries`
FROM (
  SELECT DATE_FORMAT(DATE_ADD(TIMESTAMP '1970-01-01 00:00:00', INTERVAL (`local_epoch` - MOD(`local_epoch`, 86400)) SECOND), '%Y-%m-%d') AS `period`, `entity`, `segments`, `entries`
  FROM (
    SELECT TIMESTAMPDIFF(SECOND, TIMESTAMP '1970-01-01 00:00:00', `observed_at`) + ? AS `local_epoch`, `location_id` AS `entity`, `segment` AS `segments`, `entries` AS `entries`
    FROM `footfall_hourly`
    WHERE `observed_at` >= CAST(? AS DATETIME(3))
      AND `observed_at` <= CAST(? AS DATETIME(3))
      AND `location_id` IN (?)
      AND ((`region` IN (?)))
  ) AS `localised`
) AS `bucketed`
GROUP BY `period`, `entity`, `segments`
ORDER BY `period`, `entity`, `segments`;
-- params: [0,"2024-04-01 00:00:00.000","2024-04-30 23:59:59.000","64a1b2c3d4e5f6a7b8c9d0e3","North"]
