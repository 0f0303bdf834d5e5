SELECT "period", "entity", CAST(SUM("entries") AS bigint) AS "entries", CAST(COUNT(*) AS bigint) AS "footfall_readings"
FROM (
  SELECT to_char(to_timestamp(("local_epoch" - MOD("local_epoch", 3600))) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:00') AS "period", "entity", "entries"
  FROM (
    SELECT CAST(FLOOR(EXTRACT(EPOCH FROM "observed_at")) AS bigint) + (CASE WHEN CAST(FLOOR(EXTRACT(EPOCH FROM "observed_at")) AS bigint) < CAST($1 AS bigint) THEN CAST($2 AS bigint) ELSE CAST($3 AS bigint) END) AS "local_epoch", "location_id" AS "entity", "entries" AS "entries"
    FROM "footfall_hourly"
    WHERE "observed_at" >= CAST($4 AS timestamptz)
      AND "observed_at" <= CAST($5 AS timestamptz)
      AND "location_id" IN ($6, $7)
      AND 1 = 1
  ) AS "localised"
) AS "bucketed"
GROUP BY "period", "entity"
ORDER BY "period", "entity" COLLATE "C";
-- params: [1711846800,3600,7200,"2024-03-30T20:00:00.000Z","2024-04-01T08:00:00.000Z","64a1b2c3d4e5f6a7b8c9d0e1","64a1b2c3d4e5f6a7b8c9d0e4"]
