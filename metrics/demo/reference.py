"""Reference data of the demo business: categories, channels, warehouses, provinces and brands.

The identifiers and names are the data contract's (shared/spec/warehouse.md). The weights are
modelling choices:

* category mix of the assortment and per-category price level, gross margin, units per line and
  refund propensity (apparel is returned for size far more often);
* channel order shares drift over the two years (Douyin gains on Tmall), averaging about
  Tmall 35%, JD 20%, Douyin 25%, Pinduoduo 12%, own app 8%; each channel has a promised ship
  window (24 h or 48 h), a base discount, a visitor→buyer conversion rate and ad economics;
* provinces carry an e-commerce weight (population × online spend, roughly) and are served by the
  warehouse of their region, so a warehouse's volume is the sum of its provinces' weights.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True)
class Category:
    """A product category and the parameters its SKUs are drawn with."""

    category_id: str
    name_zh: str
    name_en: str
    assortment_share: float  # share of the SKU count
    median_price: float  # median list price, CNY
    margin_range: tuple[float, float]  # gross margin at list price
    extra_unit_probs: tuple[float, float, float]  # P(qty=1,2,3) of one order line
    refund_factor: float  # multiplies the channel's base refund probability
    imported_share: float  # share of imported SKUs (long lead times)


CATEGORIES: tuple[Category, ...] = (
    Category("beauty", "美妆", "Beauty", 0.30, 139.0, (0.55, 0.72), (0.86, 0.10, 0.04), 1.0, 0.30),
    Category("personal_care", "个护", "Personal care", 0.20, 49.0, (0.42, 0.60), (0.80, 0.14, 0.06), 0.8, 0.10),
    Category("food", "食品", "Food", 0.20, 39.0, (0.36, 0.50), (0.72, 0.18, 0.10), 0.6, 0.15),
    Category("pet", "宠物", "Pet", 0.12, 89.0, (0.40, 0.55), (0.76, 0.16, 0.08), 0.7, 0.25),
    Category("apparel", "服饰", "Apparel", 0.18, 169.0, (0.45, 0.66), (0.90, 0.08, 0.02), 2.6, 0.05),
)


@dataclass(frozen=True)
class Channel:
    """A sales channel with its share drift, service promise and funnel/ad economics."""

    channel_id: str
    name_zh: str
    name_en: str
    share_start: float  # order share at the start of the period
    share_end: float  # order share at the end of the period
    promise_hours: int  # promised_ship_ts - order_ts
    base_discount: float  # paid / list price outside promotions
    conversion: float  # buyers / visitors on a normal day
    pv_per_visitor: float  # page views per visitor
    ad_attributed_share: float  # share of channel GMV attributed to ads
    roi: float  # attributed GMV / spend
    cpm: float  # cost per 1000 impressions, CNY
    ctr: float  # clicks / impressions
    campaigns: int  # number of campaigns
    refund_base: float  # base probability that a shipped order is refunded in full


CHANNELS: tuple[Channel, ...] = (
    Channel("tmall", "天猫", "Tmall", 0.38, 0.32, 48, 0.92, 0.045, 6.5, 0.30, 4.0, 45.0, 0.020, 4, 0.030),
    Channel("jd", "京东", "JD", 0.21, 0.19, 24, 0.93, 0.055, 5.5, 0.25, 3.5, 40.0, 0.018, 3, 0.026),
    Channel("douyin", "抖音", "Douyin", 0.20, 0.30, 48, 0.85, 0.022, 3.4, 0.45, 2.2, 28.0, 0.032, 5, 0.042),
    Channel("pdd", "拼多多", "Pinduoduo", 0.13, 0.11, 48, 0.80, 0.062, 4.2, 0.30, 3.0, 22.0, 0.025, 3, 0.034),
    Channel("app", "自营App", "Own app", 0.08, 0.08, 24, 0.95, 0.080, 7.5, 0.15, 5.5, 35.0, 0.040, 2, 0.022),
)


@dataclass(frozen=True)
class Warehouse:
    """A fulfilment warehouse; ``ship_median_hours`` is its typical order-to-ship time."""

    warehouse_id: str
    name_zh: str
    name_en: str
    region: str
    ship_median_hours: float


WAREHOUSES: tuple[Warehouse, ...] = (
    Warehouse("WH-SH", "上海仓", "Shanghai", "华东", 9.0),
    Warehouse("WH-BJ", "北京仓", "Beijing", "华北", 10.5),
    Warehouse("WH-GZ", "广州仓", "Guangzhou", "华南", 10.0),
    Warehouse("WH-CD", "成都仓", "Chengdu", "西南", 14.0),
    Warehouse("WH-WH", "武汉仓", "Wuhan", "华中", 12.0),
)

# (province, e-commerce weight, serving warehouse). North-east provinces are served from Beijing,
# the north-west from Chengdu.
PROVINCES: tuple[tuple[str, float, str], ...] = (
    ("上海", 6.0, "WH-SH"),
    ("江苏", 9.0, "WH-SH"),
    ("浙江", 9.5, "WH-SH"),
    ("安徽", 3.5, "WH-SH"),
    ("福建", 4.0, "WH-SH"),
    ("江西", 2.5, "WH-SH"),
    ("山东", 6.0, "WH-SH"),
    ("北京", 5.0, "WH-BJ"),
    ("天津", 1.5, "WH-BJ"),
    ("河北", 3.5, "WH-BJ"),
    ("山西", 1.5, "WH-BJ"),
    ("内蒙古", 1.0, "WH-BJ"),
    ("辽宁", 2.5, "WH-BJ"),
    ("吉林", 1.0, "WH-BJ"),
    ("黑龙江", 1.5, "WH-BJ"),
    ("广东", 12.0, "WH-GZ"),
    ("广西", 2.5, "WH-GZ"),
    ("海南", 0.8, "WH-GZ"),
    ("四川", 5.0, "WH-CD"),
    ("重庆", 2.5, "WH-CD"),
    ("云南", 2.0, "WH-CD"),
    ("贵州", 1.5, "WH-CD"),
    ("西藏", 0.15, "WH-CD"),
    ("陕西", 2.5, "WH-CD"),
    ("甘肃", 0.8, "WH-CD"),
    ("青海", 0.3, "WH-CD"),
    ("宁夏", 0.3, "WH-CD"),
    ("新疆", 1.0, "WH-CD"),
    ("河南", 5.0, "WH-WH"),
    ("湖北", 4.0, "WH-WH"),
    ("湖南", 4.0, "WH-WH"),
)

BRANDS: dict[str, tuple[str, ...]] = {
    "beauty": ("花漾", "柔肌", "澄光", "水木集", "玉容坊", "若见"),
    "personal_care": ("植本", "清沐", "净颜堂", "森屿", "舒氧"),
    "food": ("谷町", "山野集", "味之源", "鲜果派", "每日优选", "禾心"),
    "pet": ("毛孩食堂", "喵星球", "汪仔乐", "宠爱家"),
    "apparel": ("素衣", "棉屿", "织里", "暖阳", "简一"),
}

REFUND_REASONS: tuple[str, ...] = ("质量问题", "发货太慢", "不想要了", "尺码不合适", "与描述不符", "破损")
COMPLAINT_CATEGORIES: tuple[str, ...] = ("物流", "质量", "客服", "假货")

N_WAREHOUSES = len(WAREHOUSES)
N_CHANNELS = len(CHANNELS)


def warehouse_index(warehouse_id: str) -> int:
    """Position of a warehouse in ``WAREHOUSES``."""
    return [w.warehouse_id for w in WAREHOUSES].index(warehouse_id)


def province_warehouse() -> NDArray[np.int64]:
    """Warehouse index serving each province, in ``PROVINCES`` order."""
    return np.array([warehouse_index(p[2]) for p in PROVINCES], dtype=np.int64)


def province_weights() -> NDArray[np.float64]:
    """E-commerce weight of each province, in ``PROVINCES`` order."""
    return np.array([p[1] for p in PROVINCES], dtype=np.float64)


def warehouse_shares() -> NDArray[np.float64]:
    """Share of national demand served by each warehouse (sum of its provinces' weights)."""
    totals = np.bincount(province_warehouse(), weights=province_weights(), minlength=N_WAREHOUSES)
    return np.asarray(totals / totals.sum(), dtype=np.float64)
