SELECT `period`, `entity`, CAST(SUM(`entries`) AS INT64) AS `entries`, CAST(COUNT(*) AS INT64) AS `footfall_readings`
FROM (
  SELECT FORMAT_TIMESTAMP('%Y-%m-%dT%H:00', TIMESTAMP_SECONDS((`local_epoch` - MOD(`local_epoch`, 3600)))) AS `period`, `entity`, `entries`
  FROM (
    SELECT UNIX_SECONDS(`observed_at`) + (CASE WHEN UNIX_SECONDS(`observed_at`) < CAST(@p1 AS INT64) THEN CAST(@p2 AS INT64) ELSE CAST(@p3 AS INT64) END) AS `local_epoch`, `location_id` AS `entity`, `entries` AS `entries`
    FROM `footfall_hourly`
    WHERE `observed_at` >= CAST(@p4 AS TIMESTAMP)
      AND `observed_at` <= CAST(@p5 AS TIMESTAMP)
      AND `location_id` IN (@p6, @p7)
      AND 1 = 1
  ) AS `localised`
) AS `bucketed`
GROUP BY `period`, `entity`
ORDER BY `period`, `entity`;
-- params: [1711846800,3600,7200,"2024-03-30T20:00:00.000Z","2024-04-01T08:00:00.000Z","64a1b2c3d4e5f6a7b8c9d0e1","64a1b2c3d4e5f6a7b8c9d0e4"]
