SELECT "period", "entity", "segments", "age", CAST(SUM("entries") AS bigint) AS "entries"
FROM (
  SELECT to_char(to_timestamp(("local_epoch" - MOD("local_epoch" + 259200, 604800))) AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS "period", "entity", "segments", "age", "entries"
  FROM (
    SELECT CAST(FLOOR(EXTRACT(EPOCH FROM "observed_at")) AS bigint) + (CASE WHEN CAST(FLOOR(EXTRACT(EPOCH FROM "observed_at")) AS bigint) < CAST($1 AS bigint) THEN CAST($2 AS bigint) ELSE CAST($3 AS bigint) END) AS "local_epoch", "location_id" AS "entity", "segment" AS "segments", "age_band" AS "age", "entries" AS "entries"
    FROM "footfall_hourly"
    WHERE "observed_at" >= CAST($4 AS timestamptz)
      AND "observed_at" <= CAST($5 AS timestamptz)
      AND "location_id" IN ($6, $7)
      AND 1 = 1
  ) AS "localised"
) AS "bucketed"
GROUP BY "period", "entity", "segments", "age"
ORDER BY "period", "entity" COLLATE "C", "segments" COLLATE "C", "age" COLLATE "C";
-- params: [1711846800,3600,7200,"2024-03-25T00:00:00.000Z","2024-05-05T23:59:59.000Z","64a1b2c3d4e5f6a7b8c9d0e2","64a1b2c3d4e5f6a7b8c9d0e5"]
