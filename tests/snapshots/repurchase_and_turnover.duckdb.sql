WITH u_sales AS (
  SELECT
    COUNT(DISTINCT o.buyer_id) AS buyers,
    SUM(i.qty) AS units_sold
  FROM fact_order AS o
  JOIN fact_order_item AS i
    ON i.order_id = o.order_id
  WHERE
    o.status <> 'cancelled'
    AND (
      o.order_ts >= CAST('2026-10-01 00:00:00' AS TIMESTAMP)
      AND o.order_ts < CAST('2026-11-01 00:00:00' AS TIMESTAMP)
    )
), u_sales_repeat_buyers AS (
  SELECT
    SUM(CASE WHEN n >= 2 THEN 1 ELSE 0 END) AS repeat_buyers
  FROM (
    SELECT
      o.buyer_id AS entity,
      COUNT(o.order_id) AS n
    FROM fact_order AS o
    WHERE
      o.status <> 'cancelled'
      AND (
        o.order_ts >= CAST('2026-10-01 00:00:00' AS TIMESTAMP)
        AND o.order_ts < CAST('2026-11-01 00:00:00' AS TIMESTAMP)
      )
    GROUP BY
      o.buyer_id
  ) AS per_entity
), u_inventory AS (
  SELECT
    SUM(f.on_hand) / COUNT(DISTINCT f.snapshot_date) AS avg_on_hand
  FROM fact_inventory_daily AS f
  WHERE
    f.snapshot_date BETWEEN CAST('2026-10-01' AS DATE) AND CAST('2026-10-31' AS DATE)
), result AS (
  SELECT
    CAST((
      COALESCE(u_sales_repeat_buyers.repeat_buyers, 0)
    ) AS DOUBLE) / NULLIF((
      COALESCE(u_sales.buyers, 0)
    ), 0) AS repurchase_rate,
    CAST((
      u_inventory.avg_on_hand
    ) AS DOUBLE) / NULLIF(
      (
        CAST((
          COALESCE(u_sales.units_sold, 0)
        ) AS DOUBLE) / NULLIF(NULLIF(31, 0), 0)
      ),
      0
    ) AS turnover_days
  FROM u_sales
  CROSS JOIN u_sales_repeat_buyers
  CROSS JOIN u_inventory
)
SELECT
  r.repurchase_rate,
  r.turnover_days
FROM result AS r
WHERE
  NOT (
    r.repurchase_rate IS NULL AND r.turnover_days IS NULL
  )
