WITH u_inventory_last AS (
  SELECT
    f.sku_id AS k_sku,
    f.warehouse_id AS k_warehouse,
    SUM(f.on_hand - f.reserved) AS available
  FROM fact_inventory_daily AS f
  WHERE
    f.snapshot_date BETWEEN CAST('2026-10-01' AS DATE) AND CAST('2026-10-31' AS DATE)
    AND f.snapshot_date IN (
      SELECT
        MAX(f.snapshot_date)
      FROM fact_inventory_daily AS f
      WHERE
        f.snapshot_date BETWEEN CAST('2026-10-01' AS DATE) AND CAST('2026-10-31' AS DATE)
    )
  GROUP BY
    f.sku_id,
    f.warehouse_id
), u_sales_28d AS (
  SELECT
    i.sku_id AS k_sku,
    o.warehouse_id AS k_warehouse,
    SUM(i.qty) AS units_sold_28d
  FROM fact_order AS o
  JOIN fact_order_item AS i
    ON i.order_id = o.order_id
  WHERE
    o.status <> 'cancelled'
    AND (
      o.order_ts >= CAST('2026-10-04 00:00:00' AS TIMESTAMP)
      AND o.order_ts < CAST('2026-11-01 00:00:00' AS TIMESTAMP)
    )
  GROUP BY
    i.sku_id,
    o.warehouse_id
), spine AS (
  SELECT
    k_sku,
    k_warehouse
  FROM u_inventory_last
  UNION
  SELECT
    k_sku,
    k_warehouse
  FROM u_sales_28d
), result AS (
  SELECT
    spine.k_sku AS k_sku,
    spine.k_warehouse AS k_warehouse,
    u_inventory_last.available AS available,
    CAST((
      u_inventory_last.available
    ) AS DOUBLE PRECISION) / NULLIF(
      (
        CAST((
          COALESCE(u_sales_28d.units_sold_28d, 0)
        ) AS DOUBLE PRECISION) / NULLIF(28, 0)
      ),
      0
    ) AS days_of_cover
  FROM spine
  LEFT JOIN u_inventory_last
    ON spine.k_sku IS NOT DISTINCT FROM u_inventory_last.k_sku
    AND spine.k_warehouse IS NOT DISTINCT FROM u_inventory_last.k_warehouse
  LEFT JOIN u_sales_28d
    ON spine.k_sku IS NOT DISTINCT FROM u_sales_28d.k_sku
    AND spine.k_warehouse IS NOT DISTINCT FROM u_sales_28d.k_warehouse
)
SELECT
  r.k_sku AS sku_id,
  l_sku.name_zh AS sku_name_zh,
  l_sku.name_en AS sku_name_en,
  r.k_warehouse AS warehouse_id,
  l_warehouse.name_zh AS warehouse_name_zh,
  l_warehouse.name_en AS warehouse_name_en,
  r.available,
  r.days_of_cover
FROM result AS r
LEFT JOIN dim_sku AS l_sku
  ON l_sku.sku_id = r.k_sku
LEFT JOIN dim_warehouse AS l_warehouse
  ON l_warehouse.warehouse_id = r.k_warehouse
WHERE
  NOT (
    r.available IS NULL AND r.days_of_cover IS NULL
  ) AND r.days_of_cover < 7
ORDER BY
  r.days_of_cover ASC,
  r.k_sku ASC,
  r.k_warehouse ASC
LIMIT 20
