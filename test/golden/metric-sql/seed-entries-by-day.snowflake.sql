SELECT "period", "entity", "segments", CAST(SUM("entries") AS BIGINT) AS "entries"
FROM (
  SELECT TO_CHAR(TO_TIMESTAMP_NTZ(("local_epoch" - MOD("local_epoch", 86400))), 'YYYY-MM-DD') AS "period", "entity", "segments", "entries"
  FROM (
    SELECT DATE_PART(EPOCH_SECOND, "observed_at") + CAST(:1 AS BIGINT) AS "local_epoch", "location_id" AS "entity", "segment" AS "segments", "entries" AS "entries"
    FROM "footfall_hourly"
    WHERE "observed_at" >= TO_TIMESTAMP_NTZ(:2)
      AND "observed_at" <= TO_TIMESTAMP_NTZ(:3)
      AND "location_id" IN (:4)
      AND 1 = 1
  ) AS "localised"
) AS "bucketed"
GROUP BY "period", "entity", "segments"
ORDER BY "period", "entity", "segments";
-- params: [0,"2024-04-01T00:00:00.000","2024-04-30T23:59:59.000","64a1b2c3d4e5f6a7b8c9d0e3"]
