SELECT "period", "entity", "segments", CAST(SUM("entries") AS bigint) AS "entries"
FROM (
  SELECT to_char(to_timestamp(("local_epoch" - MOD("local_epoch", 86400))) AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS "period", "entity", "segments", "entries"
  FROM (
    SELECT CAST(FLOOR(EXTRACT(EPOCH FROM "observed_at")) AS bigint) + CAST($1 AS bigint) AS "local_epoch", "location_id" AS "entity", "segment" AS "segments", "entries" AS "entries"
    FROM "footfall_hourly"
    WHERE "observed_at" >= CAST($2 AS timestamptz)
      AND "observed_at" <= CAST($3 AS timestamptz)
      AND "location_id" IN ($4)
      AND 1 = 1
  ) AS "localised"
) AS "bucketed"
GROUP BY "period", "entity", "segments"
ORDER BY "period", "entity" COLLATE "C", "segments" COLLATE "C";
-- params: [0,"2024-04-01T00:00:00.000Z","2024-04-30T23:59:59.000Z","64a1b2c3d4e5f6a7b8c9d0e3"]
