SELECT "period", "entity", "segments", "age", CAST(SUM("entries") AS BIGINT) AS "entries"
FROM (
  SELECT TO_CHAR(TO_TIMESTAMP_NTZ(("local_epoch" - MOD("local_epoch" + 259200, 604800))), 'YYYY-MM-DD') AS "period", "entity", "segments", "age", "entries"
  FROM (
    SELECT DATE_PART(EPOCH_SECOND, "observed_at") + (CASE WHEN DATE_PART(EPOCH_SECOND, "observed_at") < CAST(:1 AS BIGINT) THEN CAST(:2 AS BIGINT) ELSE CAST(:3 AS BIGINT) END) AS "local_epoch", "location_id" AS "entity", "segment" AS "segments", "age_band" AS "age", "entries" AS "entries"
    FROM "footfall_hourly"
    WHERE "observed_at" >= TO_TIMESTAMP_NTZ(:4)
      AND "observed_at" <= TO_TIMESTAMP_NTZ(:5)
      AND "location_id" IN (:6, :7)
      AND 1 = 1
  ) AS "localised"
) AS "bucketed"
GROUP BY "period", "entity", "segments", "age"
ORDER BY "period", "entity", "segments", "age";
-- params: [1711846800,3600,7200,"2024-03-25T00:00:00.000","2024-05-05T23:59:59.000","64a1b2c3d4e5f6a7b8c9d0e2","64a1b2c3d4e5f6a7b8c9d0e5"]
