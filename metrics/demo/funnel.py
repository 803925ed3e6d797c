"""Store traffic (fact_traffic_daily) and advertising (fact_ad_spend_daily).

Traffic is derived from the buyers it must be consistent with: visitors = buyers / conversion,
where each channel has its own conversion (Douyin ~2%, the own app ~8%), higher on promotion days
(people come to buy) and with day-level noise; page views are 3–8 visitors' worth by channel.

Each channel runs a few campaigns (``douyin-c03``): the first two are always on, the others only
around promotions. A channel's ad-attributed GMV is a share of its real GMV of the day, split over
the active campaigns; spend = attributed GMV / ROI, where ROI is the channel's (Douyin ~2, the own
app ~5.5) times a campaign factor and noise, a bit better on promotion days. Impressions follow
the channel's CPM and clicks its click-through rate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from metrics.demo import reference
from metrics.demo.orders import OrderBook

Ints = NDArray[np.int64]
Floats = NDArray[np.float64]
ALWAYS_ON = 2


@dataclass(frozen=True)
class Traffic:
    """Rows per (day, channel), day-major."""

    day: Ints
    channel: Ints
    visitors: Ints
    page_views: Ints


@dataclass(frozen=True)
class Ads:
    """Rows per (day, channel, campaign) of active campaigns, in that order."""

    day: Ints
    channel: Ints
    campaign: Ints  # 1-based number within the channel
    spend: Ints  # cents
    attributed_gmv: Ints  # cents
    impressions: Ints
    clicks: Ints


@dataclass(frozen=True)
class DailyTotals:
    """(days, channels) distinct buyers and GMV (cents) of valid orders."""

    buyers: Ints
    gmv: Floats

    @staticmethod
    def sum(parts: list[DailyTotals]) -> DailyTotals:
        """Totals of order books covering disjoint days."""
        return DailyTotals(
            buyers=np.asarray(sum(p.buyers for p in parts), dtype=np.int64),
            gmv=np.asarray(sum(p.gmv for p in parts), dtype=np.float64),
        )


def daily_totals(ob: OrderBook, days: int) -> DailyTotals:
    """Distinct buyers and GMV per day and channel of an order book's valid orders."""
    cells = days * reference.N_CHANNELS
    valid = ~ob.cancelled
    cell = ob.day * reference.N_CHANNELS + ob.channel
    span = int(ob.buyer.max(initial=0)) + 1
    unique = np.unique(cell[valid] * span + ob.buyer[valid])
    buyers = np.bincount(unique // span, minlength=cells)
    item_valid = valid[ob.item_order]
    gmv = np.bincount(
        cell[ob.item_order][item_valid], weights=ob.item_amount[item_valid].astype(np.float64), minlength=cells
    )
    shape = (days, reference.N_CHANNELS)
    return DailyTotals(buyers=buyers.reshape(shape).astype(np.int64), gmv=gmv.reshape(shape).astype(np.float64))


def traffic(buyers: Ints, promotion: Floats, rng: np.random.Generator) -> Traffic:
    """Visitors and page views consistent with the day's buyers."""
    days = buyers.shape[0]
    conversion = (
        np.array([c.conversion for c in reference.CHANNELS])[None, :]
        * (1.0 + 0.15 * np.log(promotion[:, None]))
        * rng.lognormal(0.0, 0.06, buyers.shape)
    )
    visitors = np.maximum(np.round(np.maximum(buyers, 1) / conversion), buyers).astype(np.int64)
    pv = np.array([c.pv_per_visitor for c in reference.CHANNELS])[None, :] * rng.lognormal(0.0, 0.05, buyers.shape)
    page_views = np.maximum(np.round(visitors * pv), visitors).astype(np.int64)
    day, channel = np.divmod(np.arange(days * reference.N_CHANNELS), reference.N_CHANNELS)
    return Traffic(day.astype(np.int64), channel.astype(np.int64), visitors.ravel(), page_views.ravel())


def _campaigns(rng: np.random.Generator) -> tuple[Ints, Ints, Floats, Floats]:
    """(channel, number, weight, ROI factor) of every campaign."""
    channel = np.repeat(np.arange(reference.N_CHANNELS), [c.campaigns for c in reference.CHANNELS])
    number = np.concatenate([np.arange(1, c.campaigns + 1) for c in reference.CHANNELS])
    return channel, number, rng.lognormal(0.0, 0.5, len(channel)), rng.lognormal(0.0, 0.25, len(channel))


def ads(gmv: Floats, promotion: Floats, rng: np.random.Generator) -> Ads:
    """Daily spend and results of every active campaign."""
    days = gmv.shape[0]
    channel, number, weight, roi_factor = _campaigns(rng)
    active = (number[None, :] <= ALWAYS_ON) | (promotion[:, None] >= 1.05)
    share = weight[None, :] * rng.lognormal(0.0, 0.2, (days, len(channel))) * active
    channel_total = np.zeros((days, reference.N_CHANNELS))
    for c in range(reference.N_CHANNELS):
        channel_total[:, c] = share[:, channel == c].sum(axis=1)
    attributed_share = np.array([c.ad_attributed_share for c in reference.CHANNELS])
    attributed = gmv[:, channel] * attributed_share[channel] * share / channel_total[:, channel]
    roi = (
        np.array([c.roi for c in reference.CHANNELS])[channel]
        * roi_factor
        * (1.0 + 0.1 * np.log(promotion[:, None]))
        * rng.lognormal(0.0, 0.1, share.shape)
    )
    spend = attributed / roi
    cpm = np.array([c.cpm for c in reference.CHANNELS])[channel] * rng.lognormal(0.0, 0.1, share.shape)
    impressions = spend / 100.0 / cpm * 1000.0
    clicks = impressions * np.array([c.ctr for c in reference.CHANNELS])[channel] * rng.lognormal(0.0, 0.1, share.shape)
    keep = active & (spend >= 1.0)
    day_idx, campaign_idx = np.nonzero(keep)
    return Ads(
        day=day_idx.astype(np.int64),
        channel=channel[campaign_idx],
        campaign=number[campaign_idx],
        spend=np.round(spend[keep]).astype(np.int64),
        attributed_gmv=np.round(attributed[keep]).astype(np.int64),
        impressions=np.round(impressions[keep]).astype(np.int64),
        clicks=np.round(clicks[keep]).astype(np.int64),
    )
