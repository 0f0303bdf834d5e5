SELECT "period", "entity", CAST(SUM("entries") AS BIGINT) AS "entries", CAST(COUNT(*) AS BIGINT) AS "footfall_readings"
FROM (
  SELECT TO_CHAR(TO_TIMESTAMP_NTZ(("local_epoch" - MOD("local_epoch", 3600))), 'YYYY-MM-DD"T"HH24:00') AS "period", "entity", "entries"
  FROM (
    SELECT DATE_PART(EPOCH_SECOND, "observed_at") + (CASE WHEN DATE_PART(EPOCH_SECOND, "observed_at") < CAST(:1 AS BIGINT) THEN CAST(:2 AS BIGINT) ELSE CAST(:3 AS BIGINT) END) AS "local_epoch", "location_id" AS "entity", "entries" AS "entries"
    FROM "footfall_hourly"
    WHERE "observed_at" >= TO_TIMESTAMP_NTZ(:4)
      AND "observed_at" <= TO_TIMESTAMP_NTZ(:5)
      AND "location_id" IN (:6, :7)
      AND 1 = 1
  ) AS "localised"
) AS "bucketed"
GROUP BY "period", "entity"
ORDER BY "period", "entity";
-- params: [1711846800,3600,7200,"2024-03-30T20:00:00.000","2024-04-01T08:00:00.000","64a1b2c3d4e5f6a7b8c9d0e1","64a1b2c3d4e5f6a7b8c9d0e4"]
