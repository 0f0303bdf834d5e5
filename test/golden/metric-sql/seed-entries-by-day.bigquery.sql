SELECT `period`, `entity`, `segments`, CAST(SUM(`entries`) AS INT64) AS `entries`
FROM (
  SELECT FORMAT_TIMESTAMP('%Y-%m-%d', TIMESTAMP_SECONDS((`local_epoch` - MOD(`local_epoch`, 86400)))) AS `period`, `entity`, `segments`, `entries`
  FROM (
    SELECT UNIX_SECONDS(`observed_at`) + CAST(@p1 AS INT64) AS `local_epoch`, `location_id` AS `entity`, `segment` AS `segments`, `entries` AS `entries`
    FROM `footfall_hourly`
    WHERE `observed_at` >= CAST(@p2 AS TIMESTAMP)
      AND `observed_at` <= CAST(@p3 AS TIMESTAMP)
      AND `location_id` IN (@p4)
      AND 1 = 1
  ) AS `localised`
) AS `bucketed`
GROUP BY `period`, `entity`, `segments`
ORDER BY `period`, `entity`, `segments`;
-- params: [0,"2024-04-01T00:00:00.000Z","2024-04-30T23:59:59.000Z","64a1b2c3d4e5f6a7b8c9d0e3"]
