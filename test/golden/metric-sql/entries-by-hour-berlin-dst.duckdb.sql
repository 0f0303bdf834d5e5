SELECT "period", "entity", CAST(SUM("entries") AS BIGINT) AS "entries", CAST(COUNT(*) AS BIGINT) AS "footfall_readings"
FROM (
  SELECT strftime(make_timestamp(CAST(("local_epoch" - (("local_epoch") % 3600)) AS BIGINT) * 1000000), '%Y-%m-%dT%H:00') AS "period", "entity", "entries"
  FROM (
    SELECT CAST(FLOOR(epoch("observed_at")) AS BIGINT) + (CASE WHEN CAST(FLOOR(epoch("observed_at")) AS BIGINT) < CAST(? AS BIGINT) THEN CAST(? AS BIGINT) ELSE CAST(? AS BIGINT) END) AS "local_epoch", "location_id" AS "entity", "entries" AS "entries"
    FROM "footfall_hourly"
    WHERE "observed_at" >= CAST(? AS TIMESTAMP)
      AND "observed_at" <= CAST(? AS TIMESTAMP)
      AND "location_id" IN (?, ?)
      AND 1 = 1
  ) AS "localised"
) AS "bucketed"
GROUP BY "period", "entity"
ORDER BY "period", "entity";
-- params: [1711846800,3600,7200,"2024-03-30 20:00:00.000","2024-04-01 08:00:00.000","64a1b2c3d4e5f6a7b8c9d0e1","64a1b2c3d4e5f6a7b8c9d0e4"]
