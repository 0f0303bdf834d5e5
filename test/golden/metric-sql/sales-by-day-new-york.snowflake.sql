SELECT "period", "entity", CAST(SUM("sales_volume") AS BIGINT) AS "sales_volume"
FROM (
  SELECT TO_CHAR(TO_TIMESTAMP_NTZ(("local_epoch" - MOD("local_epoch", 86400))), 'YYYY-MM-DD') AS "period", "entity", "sales_volume"
  FROM (
    SELECT DATE_PART(EPOCH_SECOND, "sold_at") + CAST(:1 AS BIGINT) AS "local_epoch", "location_id" AS "entity", "amount_cents" AS "sales_volume"
    FROM "sales_transactions"
    WHERE "sold_at" >= TO_TIMESTAMP_NTZ(:2)
      AND "sold_at" <= TO_TIMESTAMP_NTZ(:3)
      AND "location_id" IN (:4, :5)
      AND 1 = 1
  ) AS "localised"
) AS "bucketed"
GROUP BY "period", "entity"
ORDER BY "period", "entity";
-- params: [-14400,"2024-04-28T00:00:00.000","2024-05-03T12:00:00.000","64a1b2c3d4e5f6a7b8c9d0e4","64a1b2c3d4e5f6a7b8c9d0e5"]
