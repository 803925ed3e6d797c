WITH u_sales AS (
  SELECT
    o.channel_id AS k_channel,
    SUM(i.amount) AS gmv,
    COUNT(DISTINCT o.order_id) AS orders
  FROM fact_order AS o
  JOIN fact_order_item AS i
    ON i.order_id = o.order_id
  WHERE
    o.status <> 'cancelled'
    AND (
      o.order_ts >= CAST('2026-10-01 00:00:00' AS TIMESTAMP)
      AND o.order_ts < CAST('2026-11-01 00:00:00' AS TIMESTAMP)
    )
  GROUP BY
    o.channel_id
), result AS (
  SELECT
    u_sales.k_channel AS k_channel,
    COALESCE(u_sales.gmv, 0) AS gmv,
    CAST((
      COALESCE(u_sales.gmv, 0)
    ) AS DOUBLE) / NULLIF((
      COALESCE(u_sales.orders, 0)
    ), 0) AS aov
  FROM u_sales
)
SELECT
  r.k_channel AS channel_id,
  l_channel.name_zh AS channel_name_zh,
  l_channel.name_en AS channel_name_en,
  r.gmv,
  r.aov
FROM result AS r
LEFT JOIN dim_channel AS l_channel
  ON l_channel.channel_id = r.k_channel
WHERE
  NOT (
    r.gmv IS NULL AND r.aov IS NULL
  )
ORDER BY
  r.gmv DESC,
  r.k_channel ASC NULLS LAST
