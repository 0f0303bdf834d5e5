SELECT "period", "entity", CAST(SUM("sales_volume") AS INTEGER) AS "sales_volume"
FROM (
  SELECT strftime('%Y-%m-%d', ("local_epoch" - (("local_epoch") % 86400)), 'unixepoch') AS "period", "entity", "sales_volume"
  FROM (
    SELECT CAST(strftime('%s', "sold_at") AS INTEGER) + ? AS "local_epoch", "location_id" AS "entity", "amount_cents" AS "sales_volume"
    FROM "sales_transactions"
    WHERE "sold_at" >= ?
      AND "sold_at" <= ?
      AND "location_id" IN (?, ?)
      AND 1 = 1
  ) AS "localised"
) AS "bucketed"
GROUP BY "period", "entity"
ORDER BY "period", "entity";
-- params: [-14400,"2024-04-28 00:00:00","2024-05-03 12:00:00","64a1b2c3d4e5f6a7b8c9d0e4","64a1b2c3d4e5f6a7b8c9d0e5"]
