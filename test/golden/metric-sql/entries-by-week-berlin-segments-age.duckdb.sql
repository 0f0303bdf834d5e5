SELECT "period", "entity", "segments", "age", CAST(SUM("entries") AS BIGINT) AS "entries"
FROM (
  SELECT strftime(make_timestamp(CAST(("local_epoch" - (("local_epoch" + 259200) % 604800)) AS BIGINT) * 1000000), '%Y-%m-%d') AS "period", "entity", "segments", "age", "entries"
  FROM (
    SELECT CAST(FLOOR(epoch("observed_at")) AS BIGINT) + (CASE WHEN CAST(FLOOR(epoch("observed_at")) AS BIGINT) < CAST(? AS BIGINT) THEN CAST(? AS BIGINT) ELSE CAST(? AS BIGINT) END) AS "local_epoch", "location_id" AS "entity", "segment" AS "segments", "age_band" AS "age", "entries" AS "entries"
    FROM "footfall_hourly"
    WHERE "observed_at" >= CAST(? AS TIMESTAMP)
      AND "observed_at" <= CAST(? AS TIMESTAMP)
      AND "location_id" IN (?, ?)
      AND 1 = 1
  ) AS "localised"
) AS "bucketed"
GROUP BY "period", "entity", "segments", "age"
ORDER BY "period", "entity", "segments", "age";
-- params: [1711846800,3600,7200,"2024-03-25 00:00:00.000","2024-05-05 23:59:59.000","64a1b2c3d4e5f6a7b8c9d0e2","64a1b2c3d4e5f6a7b8c9d0e5"]
