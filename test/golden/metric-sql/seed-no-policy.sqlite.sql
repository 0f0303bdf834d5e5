SELECT "period", "entity", "segments", CAST(SUM("entries") AS INTEGER) AS "entries"
FROM (
  SELECT strftime('%Y-%m-%d', ("local_epoch" - (("local_epoch") % 86400)), 'unixepoch') AS "period", "entity", "segments", "entries"
  FROM (
    SELECT CAST(strftime('%s', "observed_at") AS INTEGER) + ? AS "local_epoch", "location_id" AS "entity", "segment" AS "segments", "entries" AS "entries"
    FROM "footfall_hourly"
    WHERE "observed_at" >= ?
      AND "observed_at" <= ?
      AND "location_id" IN (?)
      AND 1 = 0
  ) AS "localised"
) AS "bucketed"
GROUP BY "period", "entity", "segments"
ORDER BY "period", "entity", "segments";
-- params: [0,"2024-04-01 00:00:00","2024-04-30 23:59:59","64a1b2c3d4e5f6a7b8c9d0e3"]
