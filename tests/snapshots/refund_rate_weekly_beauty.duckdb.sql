WITH u_sales AS (
  SELECT
    CAST(DATE_TRUNC('WEEK', o.order_ts) AS DATE) AS k_date,
    SUM(i.amount) AS gmv
  FROM fact_order AS o
  JOIN fact_order_item AS i
    ON i.order_id = o.order_id
  JOIN dim_sku AS s
    ON s.sku_id = i.sku_id
  WHERE
    o.status <> 'cancelled'
    AND (
      o.order_ts >= CAST('2026-10-01 00:00:00' AS TIMESTAMP)
      AND o.order_ts < CAST('2026-11-01 00:00:00' AS TIMESTAMP)
    )
    AND s.category_id IN ('beauty')
  GROUP BY
    CAST(DATE_TRUNC('WEEK', o.order_ts) AS DATE)
), u_refunds AS (
  SELECT
    CAST(DATE_TRUNC('WEEK', rf.refund_ts) AS DATE) AS k_date,
    SUM(rf.amount) AS refund_amount
  FROM fact_refund AS rf
  JOIN dim_sku AS s
    ON s.sku_id = rf.sku_id
  WHERE
    (
      rf.refund_ts >= CAST('2026-10-01 00:00:00' AS TIMESTAMP)
      AND rf.refund_ts < CAST('2026-11-01 00:00:00' AS TIMESTAMP)
    )
    AND s.category_id IN ('beauty')
  GROUP BY
    CAST(DATE_TRUNC('WEEK', rf.refund_ts) AS DATE)
), spine AS (
  SELECT
    k_date
  FROM u_sales
  UNION
  SELECT
    k_date
  FROM u_refunds
), result AS (
  SELECT
    spine.k_date AS k_date,
    CAST((
      COALESCE(u_refunds.refund_amount, 0)
    ) AS DOUBLE) / NULLIF((
      COALESCE(u_sales.gmv, 0)
    ), 0) AS refund_rate
  FROM spine
  LEFT JOIN u_sales
    ON spine.k_date IS NOT DISTINCT FROM u_sales.k_date
  LEFT JOIN u_refunds
    ON spine.k_date IS NOT DISTINCT FROM u_refunds.k_date
)
SELECT
  r.k_date AS week,
  r.refund_rate
FROM result AS r
WHERE
  NOT (
    r.refund_rate IS NULL
  )
ORDER BY
  r.k_date ASC,
  r.k_date ASC
