SELECT "period", "entity", "taxonomy", CAST(SUM("sales_volume") AS INTEGER) AS "sales_volume", CAST(COUNT(*) AS INTEGER) AS "transactions", CAST(MAX("largest_sale") AS INTEGER) AS "largest_sale"
FROM (
  SELECT strftime('%Y-%m-01', "local_epoch", 'unixepoch') AS "period", "entity", "taxonomy", "sales_volume", "largest_sale"
  FROM (
    SELECT CAST(strftime('%s', "sold_at") AS INTEGER) + ? AS "local_epoch", "location_id" AS "entity", "taxonomy" AS "taxonomy", "amount_cents" AS "sales_volume", "amount_cents" AS "largest_sale"
    FROM "sales_transactions"
    WHERE "sold_at" >= ?
      AND "sold_at" <= ?
      AND "location_id" IN (?, ?, ?)
      AND "region" IN (?)
      AND "taxonomy" IN (?, ?)
      AND (("location_id" IN (?)) OR ("region" IN (?) AND "taxonomy" IN (?)))
  ) AS "localised"
) AS "bucketed"
GROUP BY "period", "entity", "taxonomy"
ORDER BY "period", "entity", "taxonomy"
LIMIT 100;
-- params: [19800,"2024-03-25 00:00:00","2024-05-05 23:59:59","64a1b2c3d4e5f6a7b8c9d0e1","64a1b2c3d4e5f6a7b8c9d0e3","64a1b2c3d4e5f6a7b8c9d0e6","South","Products:Food","Services:Repairs","64a1b2c3d4e5f6a7b8c9d0e3","South","Products:Food"]
