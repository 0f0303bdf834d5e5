SELECT `period`, `entity`, `segments`, `age`, CAST(SUM(`entries`) AS INT64) AS `entries`
FROM (
  SELECT FORMAT_TIMESTAMP('%Y-%m-%d', TIMESTAMP_SECONDS((`local_epoch` - MOD(`local_epoch` + 259200, 604800)))) AS `period`, `entity`, `segments`, `age`, `entries`
  FROM (
    SELECT UNIX_SECONDS(`observed_at`) + (CASE WHEN UNIX_SECONDS(`observed_at`) < CAST(@p1 AS INT64) THEN CAST(@p2 AS INT64) ELSE CAST(@p3 AS INT64) END) AS `local_epoch`, `location_id` AS `entity`, `segment` AS `segments`, `age_band` AS `age`, `entries` AS `entries`
    FROM `footfall_hourly`
    WHERE `observed_at` >= CAST(@p4 AS TIMESTAMP)
      AND `observed_at` <= CAST(@p5 AS TIMESTAMP)
      AND `location_id` IN (@p6, @p7)
      AND 1 = 1
  ) AS `localised`
) AS `bucketed`
GROUP BY `period`, `entity`, `segments`, `age`
ORDER BY `period`, `entity`, `segments`, `age`;
-- params: [1711846800,3600,7200,"2024-03-25T00:00:00.000Z","2024-05-05T23:59:59.000Z","64a1b2c3d4e5f6a7b8c9d0e2","64a1b2c3d4e5f6a7b8c9d0e5"]
