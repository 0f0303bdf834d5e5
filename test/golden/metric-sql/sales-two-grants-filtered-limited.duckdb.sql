SELECT "period", "entity", "taxonomy", CAST(SUM("sales_volume") AS BIGINT) AS "sales_volume", CAST(COUNT(*) AS BIGINT) AS "transactions", CAST(MAX("largest_sale") AS BIGINT) AS "largest_sale"
FROM (
  SELECT strftime(make_timestamp(CAST("local_epoch" AS BIGINT) * 1000000), '%Y-%m-01') AS "period", "entity", "taxonomy", "sales_volume", "largest_sale"
  FROM (
    SELECT CAST(FLOOR(epoch("sold_at")) AS BIGINT) + CAST(? AS BIGINT) AS "local_epoch", "location_id" AS "entity", "taxonomy" AS "taxonomy", "amount_cents" AS "sales_volume", "amount_cents" AS "largest_sale"
    FROM "sales_transactions"
    WHERE "sold_at" >= CAST(? AS TIMESTAMP)
      AND "sold_at" <= CAST(? AS TIMESTAMP)
      AND "location_id" IN (?, ?, ?)
      AND "region" IN (?)
      AND "taxonomy" IN (?, ?)
      AND (("location_id" IN (?)) OR ("region" IN (?) AND "taxonomy" IN (?)))
  ) AS "localised"
) AS "bucketed"
GROUP BY "period", "entity", "taxonomy"
ORDER BY "period", "entity", "taxonomy"
LIMIT 100;
-- params: [19800,"2024-03-25 00:00:00.000","2024-05-05 23:59:59.000","64a1b2c3d4e5f6a7b8c9d0e1","64a1b2c3d4e5f6a7b8c9d0e3","64a1b2c3d4e5f6a7b8c9d0e6","South","Products:Food","Services:Repairs","64a1b2c3d4e5f6a7b8c9d0e3","South","Products:Food"]
