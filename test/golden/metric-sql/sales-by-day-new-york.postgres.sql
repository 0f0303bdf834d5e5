SELECT "period", "entity", CAST(SUM("sales_volume") AS bigint) AS "sales_volume"
FROM (
  SELECT to_char(to_timestamp(("local_epoch" - MOD("local_epoch", 86400))) AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS "period", "entity", "sales_volume"
  FROM (
    SELECT CAST(FLOOR(EXTRACT(EPOCH FROM "sold_at")) AS bigint) + CAST($1 AS bigint) AS "local_epoch", "location_id" AS "entity", "amount_cents" AS "sales_volume"
    FROM "sales_transactions"
    WHERE "sold_at" >= CAST($2 AS timestamptz)
      AND "sold_at" <= CAST($3 AS timestamptz)
      AND "location_id" IN ($4, $5)
      AND 1 = 1
  ) AS "localised"
) AS "bucketed"
GROUP BY "period", "entity"
ORDER BY "period", "entity" COLLATE "C";
-- params: [-14400,"2024-04-28T00:00:00.000Z","2024-05-03T12:00:00.000Z","64a1b2c3d4e5f6a7b8c9d0e4","64a1b2c3d4e5f6a7b8c9d0e5"]
