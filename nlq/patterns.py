"""Small phrase patterns of questions: thresholds on a metric, top/bottom N, "now", trends, shares,
slow movers. Each returns what it found and the span it consumed."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from metrics.query import Operator

_CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
NUM = r"(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|[一二两三四五六七八九十百]+)"


def cn_number(text: str) -> float:
    """'12', '3.5', '十', '二十', '十五', '一百' → number."""
    if re.fullmatch(r"[\d,]+(?:\.\d+)?", text):
        return float(text.replace(",", ""))
    if text == "百" or text == "一百":
        return 100.0
    if "十" in text:
        tens, _, ones = text.partition("十")
        return float((_CN_DIGITS.get(tens, 1) if tens else 1) * 10 + (_CN_DIGITS.get(ones, 0) if ones else 0))
    return float(_CN_DIGITS.get(text, 0))


@dataclass(frozen=True)
class Threshold:
    op: Operator
    value: float
    start: int
    end: int
    percent: bool


_LT = r"(?:低于|少于|小于|不到|不足|不满|<=?|under|below|less than|fewer than|lower than)"
_GT = r"(?:高于|超过|超出|大于|多于|>=?|above|over|more than|greater than|higher than|exceeding)"
_UNIT = r"\s*(?P<unit>%|个百分点|天(?!数)|days?(?!\s+of)|件|单|元|块|¥|percent(?![a-z]))?"
_AMOUNT = rf"[¥￥$]?\s*(?P<pct>百分之)?(?P<num>{NUM})\s*(?P<wan>万|亿|[kmw](?![a-z]))?{_UNIT}"
THRESHOLD = re.compile(rf"(?P<op>{_LT}|{_GT})\s*(?:了|得|到)?\s*{_AMOUNT}")
# 3万以上, 5%以下: the amount first, the direction after it
THRESHOLD_AFTER = re.compile(rf"(?:在|有)?\s*{_AMOUNT}\s*(?P<after>(?:或|及)?以上|(?:或|及)?以下|开外)")
_MULTIPLIER = {"万": 10_000, "w": 10_000, "亿": 100_000_000, "k": 1_000, "m": 1_000_000}


def thresholds(text: str) -> list[Threshold]:
    out = []
    for m in (*THRESHOLD.finditer(text), *THRESHOLD_AFTER.finditer(text)):
        if "op" in m.groupdict():
            op_text = m.group("op")
            less = re.fullmatch(_LT, op_text) is not None
            op: Operator = ("<=" if op_text == "<=" else "<") if less else (">=" if op_text == ">=" else ">")
        else:
            op = "<" if "以下" in m.group("after") else ">"
        value = cn_number(m.group("num")) * _MULTIPLIER.get(m.group("wan") or "", 1)
        percent = m.group("unit") in ("%", "个百分点", "percent") or m.group("pct") is not None
        end = m.start() + len(m.group(0).rstrip())  # trailing spaces belong to whatever follows
        out.append(Threshold(op, value / 100 if percent else value, m.start(), end, percent))
    out.sort(key=lambda t: t.start)
    return [t for i, t in enumerate(out) if not any(o.start <= t.start < o.end for o in out[:i])]


Polarity = Literal["good", "bad"]


@dataclass(frozen=True)
class Rank:
    n: int
    descending: bool
    start: int
    end: int
    also: tuple[tuple[int, int], ...] = ()  # a count said apart from the superlative ("which 5 … highest")
    polarity: Polarity | None = None  # best/worst: the direction follows whether more of the metric is better

    @property
    def spans(self) -> tuple[tuple[int, int], ...]:
        return ((self.start, self.end), *self.also)

    def direction(self, lower_is_better: bool) -> bool:
        """Descending? "best" of a metric where less is better (refund rate) ranks lowest first."""
        if self.polarity is None:
            return self.descending
        return (self.polarity == "good") != lower_is_better


_EN_NUM = "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|fifty"
_EN_NUMS = {w: i for i, w in enumerate(_EN_NUM.split("|"), 1)} | {
    "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "fifty": 50,
}  # fmt: skip
_N = rf"(?P<n>\d+|[一二两三四五六七八九十]+|(?<![a-z])(?:{_EN_NUM})(?![a-z]))"
_CLASSIFIER = r"(?:\s*(?:个|款|家|种|位|名|条|类|支))?"
# a superlative with its count: 前5, top 5, 最高的两个, 最差的5个, highest 3, five best
_RANKED: tuple[tuple[str, bool, Polarity | None], ...] = (
    (r"前|排名前|top|最高的?|最多的?|最大的?|最长的?|highest|largest|biggest|longest|most", True, None),
    (r"后|bottom|倒数|最低的?|最少的?|最小的?|最短的?|lowest|smallest|fewest|shortest|least", False, None),
    (r"最好的?|最佳的?|卖得最好的?|best|strongest", True, "good"),
    (r"最差的?|最烂的?|卖得最差的?|worst|weakest", True, "bad"),
)
_NOT_A_PERIOD = r"(?!\s*个?\s*(?:天|日|周|星期|礼拜|月|年|季|小时|days?|weeks?|months?|years?|quarters?)(?![a-z]))"
_WITH_N = tuple(
    (re.compile(rf"(?:{words})\s*{_N}{_NOT_A_PERIOD}{_CLASSIFIER}"), desc, pol) for words, desc, pol in _RANKED
)
_NOT_AN_ORDER = r"(?!\s+first)"  # "lowest first" sorts (sort_order); it does not pick one
_SUPERLATIVES: tuple[tuple[re.Pattern[str], bool, Polarity | None], ...] = (
    (
        re.compile(
            rf"最多|最高|最大|最长|最久|最严重|最快|最厉害|(?:most|highest|largest|biggest|longest){_NOT_AN_ORDER}|top(?!\s*\d)"
        ),
        True,
        None,
    ),
    (re.compile(rf"最少|最低|最小|最短|(?:least|lowest|smallest|fewest|shortest){_NOT_AN_ORDER}"), False, None),
    (re.compile(r"最好|最佳|best|strongest"), True, "good"),
    (re.compile(r"最差|最烂|worst|weakest"), True, "bad"),
)


def _count(text: str) -> int:
    return _EN_NUMS[text] if text in _EN_NUMS else int(cn_number(text))


def rank(text: str) -> Rank | None:
    for pattern, desc, polarity in _WITH_N:
        m = pattern.search(text)
        if m:
            return Rank(_count(m.group("n")), desc, m.start(), m.end(), (), polarity)
    found = [(m, desc, pol) for pattern, desc, pol in _SUPERLATIVES for m in pattern.finditer(text)]
    if not found:
        return None
    m, desc, polarity = min(found, key=lambda f: f[0].start())
    # "which 5 SKUs had the highest …", "哪3个品类…最高", "the two worst": the count stands before it
    n = _COUNTED.search(text[: m.start()])
    if n:
        return Rank(_count(n.group("n")), desc, m.start(), m.end(), (n.span(),), polarity)
    return Rank(1, desc, m.start(), m.end(), (), polarity)


_COUNTED = re.compile(rf"(?:(?<![a-z])(?:which|what|the|list|show)\s+|哪|列出|这)\s*{_N}{_CLASSIFIER}(?=[^0-9]*$)")


# the metric a ranking is by: 按销售额(排), by spend, sorted by GMV, in terms of units
RANKED_BY = re.compile(
    r"(?:按照?|以|根据|(?<![a-z])(?:by|sorted\s+by|ranked\s+by|ordered\s+by|in\s+terms\s+of|based\s+on))\s*$"
)
_SORT = (
    (
        re.compile(
            r"从高到低|由高到低|从多到少|从大到小|降序|倒序|(?<![a-z])(?:highest|largest|biggest|most)\s+first|descending"
        ),
        True,
    ),
    (
        re.compile(
            r"从低到高|由低到高|从少到多|从小到大|升序|正序|(?<![a-z])(?:lowest|smallest|least|fewest)\s+first|ascending"
        ),
        False,
    ),
)


def sort_order(text: str) -> tuple[bool, tuple[int, int]] | None:
    """An order said without a count (按花费从高到低排, highest first): descending?, and its span."""
    for pattern, desc in _SORT:
        m = pattern.search(text)
        if m:
            return desc, m.span()
    return None


# "all channels together", 全渠道, 所有渠道加起来: the total over a dimension, not a breakdown by it
ALL_OF = re.compile(
    r"(?:全|所有的?|全部的?|整个|(?<![a-z])(?:across\s+(?:all|every|each)(?:\s+the)?|for\s+all(?:\s+the)?|all\s+(?:the\s+)?other|all(?:\s+the|\s+of\s+the)?|total\s+across(?:\s+all)?|across))\s*$"
)
TOGETHER = re.compile(
    r"加起来|加在一起|合起来|合在一起|合计|总计|一共|总共|汇总|共计|整体|总体|"
    r"(?<![a-z])(?:together|combined|altogether|in\s+total|summed|put\s+together|as\s+a\s+whole)(?![a-z])"
)
EACH = re.compile(r"各|每|分别|(?<![a-z])(?:each|per|respectively|by|broken\s+down|breakdown|split)(?![a-z])")

NOW = re.compile(
    r"现在|当前|目前|此刻|眼下|实时|right now|currently|now\b|at the moment|as of today|today'?s? (?:stock|inventory)"
)
TREND = re.compile(r"趋势|走势|每天|每日|逐日|按天|按日|daily|trend|over time|day by day|per day|each day")
SHARE = re.compile(
    r"占比|份额|比重|占多少的?(?:比例|比重|百分比)?|"
    r"fraction|make up|made up|makes up|account(?:s|ed)? for|what %|what percent(?:age)?|"
    r"占(?:全部|总|全|所有|整体)?[^，。？?]{0,5}?的?(?:比例|比重|份额|百分比)|share|"
    r"占[^，。？?]{0,8}?(?:百分之多少|百分之几|多大比例|多少比例|几成)|构成|(?<![a-z])mix(?![a-z])|"
    r"percentage of (?:the )?total|% of (?:the )?total|as a % of|"
    r"as a percentage of|proportion"
)
SLOW_MOVER = re.compile(
    r"没卖出|没有卖出|没卖|未售出|零销售|零销量|没有销量|无销量|一件都没|滞销|no sales|not sold|unsold|zero sales|"
    r"haven't sold|have not sold|did not sell|didn't sell|slow[- ]moving|slow movers?|dead stock"
)
IN_STOCK = re.compile(r"有库存|有货|在库|库存不为零|in stock|have stock|with stock|on hand")

# one-character dimension words, understood only where they must be dimensions: 各仓, 哪个仓, 按省
BOUND_DIMENSIONS = {"仓": "warehouse", "省": "province", "店": "channel"}
BOUND_DIMENSION = re.compile(
    r"(?:各个?|每一?个?|哪个|哪些|哪几个|哪|按|分|(?P<all>全)|(?:\d+|[一二两三四五六七八九十]+)\s*个"
    r"|的(?=[仓省店](?:$|[？?，,。！!\s]|有哪些|是哪些|有哪几个|有几个|都有|呢)))(?P<dim>[仓省店])"
    r"|(?:各|每|哪|哪一|什么)(?P<kind>类|种类?)(?!型)"
)

_GRAINS = (
    ("week", re.compile(r"按周|每周|逐周|分周|周度|weekly|by week|per week|each week|week by week")),
    ("month", re.compile(r"按月|每月|逐月|分月|月度|monthly|by month|per month|each month|month by month")),
    ("day", re.compile(r"按天|按日|每天|每日|逐日|分天|日度|daily|by day|per day|each day|day by day")),
)


def grain(text: str) -> Literal["day", "week", "month"] | None:
    """A time grain asked for in words (按周看, monthly), or None."""
    for name, pattern in _GRAINS:
        if pattern.search(text):
            return name  # type: ignore[return-value]
    return None


SKU_ID = re.compile(r"\bsku-\d{3,}\b")

# a question is not a place for SQL: statements are refused outright, never "answered around"
SQL_TEXT = re.compile(
    r"\b(select|delete|drop|insert|update|alter|create|truncate|copy|attach|detach|pragma|install|load|grant)\b"
    r"[^。？?]*\b(from|table|into|to|database|set|where|extension|\*)\b|;\s*\w|--|/\*"
)

# "how much did we sell" names no metric: money or units? (a clarifying question, never a guess)
VAGUE_SALES = re.compile(
    r"卖了多少|卖得怎么样|卖得如何|销售情况|销售怎么样|销售如何|卖得好不好|"
    r"how much did we sell|how are sales|how did sales|sales performance|how much have we sold"
)

# nothing sold: the metric a zero list is about when no metric is named (一单都没卖的品牌)
SOLD_NONE = re.compile(
    r"(?:没|没有|未|不曾)[^，,。？?]{0,4}卖|零销量|零销售|(?<![a-z])(?:sold|sell|sells)\s+nothing|"
    r"(?:no|zero)\s+sales|(?:haven't|hasn't|didn't|did\s+not|have\s+not|has\s+not)\s+(?:sold|sell)"
)

# something sold: what a count of SKUs is about when no metric is named (多少个SKU卖出去过, how many SKUs sold)
SOLD_SOME = re.compile(
    r"卖出去过|卖出过|卖过|有卖|卖出去|卖出|卖了|动销|有销量|"
    r"(?<![a-z])(?:sold|sell|sells|selling|had\s+sales|have\s+sales|with\s+sales)(?![a-z])"
)

OUT_OF_STOCK = re.compile(
    r"缺货|断货|没货|无货|卖断货|(?:没有|没|无)(?:可用|可售)?库存|零库存|库存(?:为|是)?(?:零|0)(?![0-9.])|"
    r"out of stock|stocked out|stock-?outs?|oos\b|(?:no|zero)\s+(?:available\s+)?(?:stock|inventory)(?![a-z])"
)
COUNT_ENTITIES = re.compile(
    r"(?:how many|number of) (?:skus|sku|products|product|items|item)(?![a-z])"
    r"(?!\s+(?:did|do|have|were|was|has)\s+(?:we\s+)?(?:sell|sold|move|moved|ship))"
    r"|(?:多少|几)(?:个|款|种|支)?(?:sku|商品|单品|产品|货品)"
    r"|(?:sku|商品|单品|产品|货品)的?(?:数量|个数)?\s*(?:一共|总共|共)?(?:有|是)?\s*(?:几个|多少个|几款|多少款|几种|多少种)"
)

# a value said after one of these is left out: 除了天猫以外, excluding Tmall, 不含京东
# a question that asks for the things themselves: 哪些, 有哪些, 列出, which, list
LISTING = re.compile(r"哪|列出|列一下|清单|明细|名单|(?<![a-z])(?:which|list|what\s+are|show\s+me\s+the)(?![a-z])")

# what joins two values of one list: 美妆和服饰, Beauty and Apparel, 天猫、京东
VALUE_JOIN = re.compile(r"\s*(?:和|与|及|以及|跟|、|,|，|/|(?<![a-z])(?:and|or|nor)(?![a-z]))\s*")

NEGATION = re.compile(
    r"(?:除了|除去|除|不含|不包括|不包含|排除|不算|去掉|excluding|except(?: for)?|without|other than|apart from)\s*$"
)
