SELECT "period", "entity", "taxonomy", CAST(SUM("sales_volume") AS BIGINT) AS "sales_volume", CAST(COUNT(*) AS BIGINT) AS "transactions", CAST(MAX("largest_sale") AS BIGINT) AS "largest_sale"
FROM (
  SELECT TO_CHAR(TO_TIMESTAMP_NTZ("local_epoch"), 'YYYY-MM-"01"') AS "period", "entity", "taxonomy", "sales_volume", "largest_sale"
  FROM (
    SELECT DATE_PART(EPOCH_SECOND, "sold_at") + CAST(:1 AS BIGINT) AS "local_epoch", "location_id" AS "entity", "taxonomy" AS "taxonomy", "amount_cents" AS "sales_volume", "amount_cents" AS "largest_sale"
    FROM "sales_transactions"
    WHERE "sold_at" >= TO_TIMESTAMP_NTZ(:2)
      AND "sold_at" <= TO_TIMESTAMP_NTZ(:3)
      AND "location_id" IN (:4, :5, :6)
      AND "region" IN (:7)
      AND "taxonomy" IN (:8, :9)
      AND (("location_id" IN (:10)) OR ("region" IN (:11) AND "taxonomy" IN (:12)))
  ) AS "localised"
) AS "bucketed"
GROUP BY "period", "entity", "taxonomy"
ORDER BY "period", "entity", "taxonomy"
LIMIT 100;
-- params: [19800,"2024-03-25T00:00:00.000","2024-05-05T23:59:59.000","64a1b2c3d4e5f6a7b8c9d0e1","64a1b2c3d4e5f6a7b8c9d0e3","64a1b2c3d4e5f6a7b8c9d0e6","South","Products:Food","Services:Repairs","64a1b2c3d4e5f6a7b8c9d0e3","South","Products:Food"]
