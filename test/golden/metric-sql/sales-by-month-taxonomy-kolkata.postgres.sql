SELECT "period", "entity", "taxonomy", CAST(SUM("sales_volume") AS bigint) AS "sales_volume", CAST(COUNT(*) AS bigint) AS "transactions", CAST(MAX("largest_sale") AS bigint) AS "largest_sale"
FROM (
  SELECT to_char(to_timestamp("local_epoch") AT TIME ZONE 'UTC', 'YYYY-MM-"01"') AS "period", "entity", "taxonomy", "sales_volume", "largest_sale"
  FROM (
    SELECT CAST(FLOOR(EXTRACT(EPOCH FROM "sold_at")) AS bigint) + CAST($1 AS bigint) AS "local_epoch", "location_id" AS "entity", "taxonomy" AS "taxonomy", "amount_cents" AS "sales_volume", "amount_cents" AS "largest_sale"
    FROM "sales_transactions"
    WHERE "sold_at" >= CAST($2 AS timestamptz)
      AND "sold_at" <= CAST($3 AS timestamptz)
      AND "location_id" IN ($4, $5, $6)
      AND 1 = 1
  ) AS "localised"
) AS "bucketed"
GROUP BY "period", "entity", "taxonomy"
ORDER BY "period", "entity" COLLATE "C", "taxonomy" COLLATE "C";
-- params: [19800,"2024-03-25T00:00:00.000Z","2024-05-05T23:59:59.000Z","64a1b2c3d4e5f6a7b8c9d0e1","64a1b2c3d4e5f6a7b8c9d0e3","64a1b2c3d4e5f6a7b8c9d0e6"]
