SELECT "period", "entity", "segments", CAST(SUM("entries") AS BIGINT) AS "entries"
FROM (
  SELECT strftime(make_timestamp(CAST(("local_epoch" - (("local_epoch") % 86400)) AS BIGINT) * 1000000), '%Y-%m-%d') AS "period", "entity", "segments", "entries"
  FROM (
    SELECT CAST(FLOOR(epoch("observed_at")) AS BIGINT) + CAST(? AS BIGINT) AS "local_epoch", "location_id" AS "entity", "segment" AS "segments", "entries" AS "entries"
    FROM "footfall_hourly"
    WHERE "observed_at" >= CAST(? AS TIMESTAMP)
      AND "observed_at" <= CAST(? AS TIMESTAMP)
      AND "location_id" IN (?)
      AND 1 = 0
  ) AS "localised"
) AS "bucketed"
GROUP BY "period", "entity", "segments"
ORDER BY "period", "entity", "segments";
-- params: [0,"2024-04-01 00:00:00.000","2024-04-30 23:59:59.000","64a1b2c3d4e5f6a7b8c9d0e3"]
