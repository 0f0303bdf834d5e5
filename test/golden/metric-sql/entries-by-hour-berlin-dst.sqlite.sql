SELECT "period", "entity", CAST(SUM("entries") AS INTEGER) AS "entries", CAST(COUNT(*) AS INTEGER) AS "footfall_readings"
FROM (
  SELECT strftime('%Y-%m-%dT%H:00', ("local_epoch" - (("local_epoch") % 3600)), 'unixepoch') AS "period", "entity", "entries"
  FROM (
    SELECT CAST(strftime('%s', "observed_at") AS INTEGER) + (CASE WHEN CAST(strftime('%s', "observed_at") AS INTEGER) < ? THEN ? ELSE ? END) AS "local_epoch", "location_id" AS "entity", "entries" AS "entries"
    FROM "footfall_hourly"
    WHERE "observed_at" >= ?
      AND "observed_at" <= ?
      AND "location_id" IN (?, ?)
      AND 1 = 1
  ) AS "localised"
) AS "bucketed"
GROUP BY "period", "entity"
ORDER BY "period", "entity";
-- params: [1711846800,3600,7200,"2024-03-30 20:00:00","2024-04-01 08:00:00","64a1b2c3d4e5f6a7b8c9d0e1","64a1b2c3d4e5f6a7b8c9d0e4"]
