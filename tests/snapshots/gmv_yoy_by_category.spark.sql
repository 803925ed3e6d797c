WITH cur_u_sales AS (
  SELECT
    s.category_id AS k_category,
    SUM(i.amount) AS gmv,
    SUM(i.qty * s.unit_cost) AS cogs
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
  GROUP BY
    s.category_id
), cur AS (
  SELECT
    cur_u_sales.k_category AS k_category,
    COALESCE(cur_u_sales.gmv, 0) AS gmv,
    CAST((
      (
        COALESCE(cur_u_sales.gmv, 0)
      ) - (
        COALESCE(cur_u_sales.cogs, 0)
      )
    ) AS DOUBLE) / NULLIF((
      COALESCE(cur_u_sales.gmv, 0)
    ), 0) AS gross_margin
  FROM cur_u_sales
), prev_u_sales AS (
  SELECT
    s.category_id AS k_category,
    SUM(i.amount) AS gmv,
    SUM(i.qty * s.unit_cost) AS cogs
  FROM fact_order AS o
  JOIN fact_order_item AS i
    ON i.order_id = o.order_id
  JOIN dim_sku AS s
    ON s.sku_id = i.sku_id
  WHERE
    o.status <> 'cancelled'
    AND (
      o.order_ts >= CAST('2025-10-01 00:00:00' AS TIMESTAMP)
      AND o.order_ts < CAST('2025-11-01 00:00:00' AS TIMESTAMP)
    )
  GROUP BY
    s.category_id
), prev AS (
  SELECT
    prev_u_sales.k_category AS k_category,
    COALESCE(prev_u_sales.gmv, 0) AS gmv,
    CAST((
      (
        COALESCE(prev_u_sales.gmv, 0)
      ) - (
        COALESCE(prev_u_sales.cogs, 0)
      )
    ) AS DOUBLE) / NULLIF((
      COALESCE(prev_u_sales.gmv, 0)
    ), 0) AS gross_margin
  FROM prev_u_sales
), result AS (
  SELECT
    COALESCE(cur.k_category, prev.k_category) AS k_category,
    cur.gmv AS gmv,
    prev.gmv AS gmv_last_year,
    cur.gmv - prev.gmv AS gmv_change,
    CAST(cur.gmv AS DOUBLE) / NULLIF(prev.gmv, 0) - 1 AS gmv_change_pct,
    cur.gross_margin AS gross_margin,
    prev.gross_margin AS gross_margin_last_year,
    cur.gross_margin - prev.gross_margin AS gross_margin_change,
    CAST(cur.gross_margin AS DOUBLE) / NULLIF(prev.gross_margin, 0) - 1 AS gross_margin_change_pct
  FROM cur
  FULL OUTER JOIN prev
    ON cur.k_category IS NOT DISTINCT FROM prev.k_category
)
SELECT
  r.k_category AS category_id,
  l_category.name_zh AS category_name_zh,
  l_category.name_en AS category_name_en,
  r.gmv,
  r.gmv_last_year,
  r.gmv_change,
  r.gmv_change_pct,
  r.gross_margin,
  r.gross_margin_last_year,
  r.gross_margin_change,
  r.gross_margin_change_pct
FROM result AS r
LEFT JOIN dim_category AS l_category
  ON l_category.category_id = r.k_category
WHERE
  NOT (
    r.gmv IS NULL
    AND r.gmv_last_year IS NULL
    AND r.gross_margin IS NULL
    AND r.gross_margin_last_year IS NULL
  )
ORDER BY
  r.gmv DESC,
  r.k_category ASC NULLS LAST
