"""``delivery:`` — when an undeliverable destination is reported, and where besides the ticket's others::

    delivery:
      report_after: 10m           # a destination failing this long (or a card parked) is reported
      operations: ["web:#ops"]    # the operations channel(s) that hear of every failing destination

Durations are ``<n>s``, ``<n>m`` or ``<n>h``.
"""

from __future__ import annotations

import datetime as dt
import re

from bot.config.reader import Reader
from bot.config.schema import DeliveryConfig
from metrics.yamlsrc import Located

_DURATION = re.compile(r"^\s*(\d+)\s*([smh])\s*$")
_UNIT = {"s": 1, "m": 60, "h": 3600}


def read_delivery(doc: Located, r: Reader) -> DeliveryConfig:
    node = r.mapping(doc, "delivery", "delivery")
    if node is None:
        return DeliveryConfig()
    r.keys(node, ("report_after", "operations"), "delivery")
    after = DeliveryConfig.report_after
    if "report_after" in node:
        raw = str(node.get("report_after"))
        m = _DURATION.match(raw)
        if m is None:
            r.problem(
                node, "report_after", f"delivery.report_after: {raw!r} is not a duration such as 10m, 90s or 1h",
                f"delivery.report_after：{raw!r} 不是时长，应如 10m、90s、1h",
            )  # fmt: skip
        else:
            after = dt.timedelta(seconds=int(m.group(1)) * _UNIT[m.group(2)])
    operations = DeliveryConfig.operations
    if "operations" in node:
        raw_ops = node.get("operations")
        items = list(raw_ops) if isinstance(raw_ops, list) else None
        if items is None or not all(isinstance(i, str) and ":" in i for i in items):
            r.problem(
                node, "operations", "delivery.operations: expected a list of destinations such as web:#ops",
                "delivery.operations：应为目的地列表，例如 web:#ops",
            )  # fmt: skip
        else:
            operations = tuple(str(i) for i in items)
    return DeliveryConfig(report_after=after, operations=operations)
