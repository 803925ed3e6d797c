"""Every word of a question is accounted for. What the parser's constructs did not consume is read
here: a closed list of true function words (particles, politeness, question words, measure words)
may go unused; a word that signals an operation (a breakdown, a ranking, a comparison, an
enumeration, a share, a trend, a negation) is accounted for only when that operation is in the
query; anything else, single characters included, is not understood — and the question gets a
clarifying reply saying so, never an answer that ignores it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from metrics.catalog.types import TIME_DIMENSION
from metrics.query import MetricQuery
from nlq.understood import Understood

Operation = Literal["breakdown", "rank", "compare", "enumerate", "share", "trend", "negate", "change", "ads"]
AD_METRICS = frozenset(
    {"ad_spend", "attributed_gmv", "roi", "impressions", "clicks", "ctr", "cpc"}
)  # the metrics that ad words (广告, ads) are about

# true function words: they change no number, so they may go unused
FUNCTION_ZH = (
    "的 地 得 了 着 过 吗 嘛 么 呢 吧 啊 呀 哦 哈 啦 咯 呗 哇 喔 嗯 "
    "请 请问 麻烦 帮 帮我 帮忙 劳驾 谢谢 多谢 辛苦 一下 下下 "
    "我 我们 咱们 咱 你 您 你们 大家 公司 我司 他们 它们 "
    "是 是不是 有 有没有 在 为 给 把 被 让 要 想 想要 需要 能 能不能 会 可以 可不可以 能否 "
    "看 看看 看下 瞧 瞧瞧 查 查查 查询 查下 告诉 告诉我 列 列出 列一下 显示 展示 给出 拉 拉一下 出 "
    "统计 算 算算 计算 汇总 说 说说 报 报一下 知道 了解 问 问下 问一下 "
    "多少 多大 多高 多长 几 什么 啥 哪 哪些 哪个 哪几 哪家 哪几个 哪一个 哪款 哪种 怎么样 怎样 如何 咋样 怎么 "
    "情况 表现 数据 数字 数值 结果 具体 大概 大约 左右 一共 总共 合计 总计 共 总 全部 所有 整体 总体 "
    "加起来 合起来 加在一起 汇总 "
    "个 件 单 笔 条 家 款 种 位 元 块 只 支 次 人 台 项 类 "
    "这 那 这个 那个 这些 那些 这边 那边 其 该 此 "
    "都 也 还 又 再 就 才 只 仅 只看 仅看 单看 就看 到底 究竟 分别是 各是 "
    "现在 当前 目前 此刻 眼下 实时 截至 截止 为止 当时 时候 期间 里 中 内 里面 当中 以来 至今 "
    "钱 多少钱 累计 关于 因为 因 由于 东西 货 全国 那天 当天 当日 进来 进了 收到 拆 拆一下 谁 已经 已 "
    "不同 独立 去重 去重后 "
    "卖 卖了 卖出 卖出去 卖掉 销售 成交 但 但是 而 而且 并且 且 上 百分之几 百分之多少 几成 剩 剩下 还剩 剩余 "
    "吗？ 呢？"
).split()

FUNCTION_EN = set(
    """a an the of in on at to for from with into onto is are was were be been being am do does did done
    doing have has having had will would can could should may might must shall i me my we us our ours you
    your they them their it its it's this that these those there here what what's which who whom whose
    when where why how how's many much please pls plz thanks thank hi hey ok okay tell show give get got
    list see let let's know find need want like just also still right now so as if about around roughly
    approximately currently today's yesterday's whole entire full complete far date to-date exactly
    number numbers amount amounts value values figure figures data stats report summary level levels
    look looking come came bring brought generate generated count counts currently ever yet going up
    overall total totals altogether sum together combined summed sell sells sold selling sale sales over
    during across throughout
    moment current hold holding money people unit item bought buy buying move moved run running well
    but however though although ones one
    rn gimme pls plz btw fyi asap quick quickly too also need wanna gonna real actual actually our
    any unique distinct individual different take takes took taken pull related went goes gone
    through via fulfil fulfill fulfils fulfills fulfilled fulfilling handle handled
    """.split()
)

# words that signal an operation: each is accounted for only by that operation in the query
OPERATION_WORDS: dict[Operation, tuple[str, str]] = {
    "breakdown": (
        "各 各个 每 每个 每一个 按 按照 分 逐 各类 每类 每种",
        "by per each every broken break breakdown split",
    ),
    "rank": (
        "最 前 后 倒数 排名 排行 排行榜 排 排序 从高到低 从低到高 降序 升序 名 第",
        "top bottom most least best worst highest lowest biggest largest smallest fewest rank ranked ranking "
        "sort sorted order ordered leading",
    ),
    "compare": (
        "比 跟 对比 相比 比较 比起 较 同比 环比 相较 相较于 同期 对照",
        "vs versus than compared compare comparing against relative stack stacks between",
    ),
    "enumerate": ("和 与 及 以及 分别 各自 并 加上", "and both respectively plus as-well side"),
    "share": (
        "占比 占 比例 比重 份额 百分比 构成",
        "share proportion percentage percent fraction account accounted split mix",
    ),
    "trend": ("趋势 走势 走向 曲线", "trend trends trending"),
    "negate": (
        "不 没 没有 未 无 零 非 别 除了 除去 除 以外 之外 不含 不包括 排除 不算 去掉 "
        "任何 一件 一单 一笔 一条 一次 为零 其他 其它 其余 别的 外",
        "no not zero none never without excluding except apart other others nothing anything single "
        "haven't hasn't didn't don't doesn't isn't aren't wasn't weren't",
    ),
    "ads": ("广告 投放 推广 营销 投流 广告费 投 投广告", "ad ads advertising marketing campaign campaigns promotion"),
    "change": (
        "多 少 高 低 大 小 增 减 涨 跌 升 降 增长 下降 上升 减少 增加 提升 下滑 变化 变动 波动 差 差距 "
        "幅 幅度 涨幅 跌幅 增幅 降幅 涨跌幅",
        "more less higher lower up down rise rose risen fall fell fallen drop dropped increase increased "
        "decrease decreased grew grow grown growth change changes changed difference gap",
    ),
}

_OP_ZH = {w: op for op, (zh, _) in OPERATION_WORDS.items() for w in zh.split()}
_OP_EN = {w: op for op, (_, en) in OPERATION_WORDS.items() for w in en.split()}
_ZH_WORDS = {**{w: None for w in FUNCTION_ZH}, **_OP_ZH}
_ZH_RE = re.compile("|".join(sorted(map(re.escape, _ZH_WORDS), key=len, reverse=True)) + r"|[\u4e00-\u9fff]")
_CJK = re.compile(r"[\u4e00-\u9fff]+")
_EN = re.compile(r"[a-z][a-z'-]*")
_OVER_NUMBER = re.compile(r"(?<![a-z])(?:over|above|under|below)(?=\s*[¥$]?\d)")


@dataclass(frozen=True)
class Leftover:
    """A word nothing consumed: the operation it signals, or None for a word not understood."""

    word: str
    operation: Operation | None


# phrases whose words mean one operation together: "broken down by", "side by side", "make up"
_PHRASES: tuple[tuple[re.Pattern[str], Operation | None], ...] = (
    (
        re.compile(r"(?<![a-z])(?:broken|break|breaking|split)\s+(?:it\s+|them\s+)?(?:down|out|up)(?![a-z])"),
        "breakdown",
    ),
    (re.compile(r"(?<![a-z])side\s+by\s+side(?![a-z])"), "enumerate"),
    (re.compile(r"(?<![a-z])split\s+(?:it\s+|them\s+)?(?:by|per|across)(?![a-z])"), "breakdown"),
    (re.compile(r"(?<![a-z])(?:for\s+)?(?:each|both)(?=\s*[?？.!。]*\s*$)"), "enumerate"),  # orders and AOV for each?
    (re.compile(r"(?<![a-z])stacks?\s+up(?![a-z])"), "compare"),
    (re.compile(r"(?<![a-z])(?:account(?:s|ed)?\s+for|make\s+up|made\s+up|makes\s+up)(?![a-z])"), "share"),
    (re.compile(r"(?<![a-z])(?:so\s+far|to\s+date|at\s+the\s+moment|right\s+now)(?![a-z])"), None),
    (re.compile(r"(?:截[至止]|到)(?:今天|今日|目前|现在|当前)为?止?"), None),  # so far: 截至今天, 到目前为止
    (re.compile(r"(?<![a-z])(?:at\s+all|a\s+single|other\s+than|apart\s+from|except\s+for)(?![a-z])"), "negate"),
    (re.compile(r"(?<![a-z])(?:out\s+of|coming\s+from|came\s+from|went\s+to|goes\s+to)(?![a-z])"), None),
    # the buyer's province is where an order goes: shipped to Guangdong, 发往广东
    (re.compile(r"(?<![a-z])(?:shipped|delivered|sent|shipping|going)\s+to(?![a-z])|发往|寄往|发到|寄到|送到"), None),
)


def leftovers(rest: str) -> list[Leftover]:
    """The words of the masked question that no construct consumed, function words dropped."""
    out: list[Leftover] = []
    lowered = rest.lower()
    for pattern, op in _PHRASES:
        for m in pattern.finditer(lowered):
            if op is not None:
                out.append(Leftover(m.group(0), op))
        lowered = pattern.sub(" ", lowered)
    rest = lowered
    for run in _CJK.findall(rest):
        for m in _ZH_RE.finditer(run):
            word = m.group(0)
            if word in _ZH_WORDS:
                op = _ZH_WORDS[word]
                if op is not None:
                    out.append(Leftover(word, op))
            else:
                out.append(Leftover(word, None))
    for m in _OVER_NUMBER.finditer(rest.lower()):  # "over 20,000" that no threshold read
        out.append(Leftover(m.group(0).strip(), "change"))
    for word in _EN.findall(_OVER_NUMBER.sub(" ", rest.lower())):
        word = word.strip("'-")
        if word == "s":  # a plural or possessive ending left after a name (SKUs, yesterday's)
            continue
        if not word or word in FUNCTION_EN or word.removesuffix("s") in FUNCTION_EN:
            continue
        op = _OP_EN.get(word) or _OP_EN.get(word.removesuffix("s"))
        out.append(Leftover(word, op))
    return out


def operations(query: MetricQuery, *, share: bool = False, counted: bool = False, top: bool = False) -> set[Operation]:
    """The operations a query performs, which account for the words that signal them."""
    ops: set[Operation] = set()
    if query.dimensions or counted:
        ops.add("breakdown")
    if query.order_by or query.limit is not None or top:
        ops.add("rank")
    if query.compare is not None:
        ops |= {"compare", "change", "enumerate"}
    if query.compare == "other":
        ops.add("breakdown")  # Q2、Q3各卖了多少: each of the two periods
    multi = any(len(f.values) > 1 for f in query.filters) or len(query.metrics) > 1 or len(query.dimensions) > 1
    if multi or query.dimensions:  # 和/分别 over a breakdown: 各原因分别退了多少
        ops.add("enumerate")
    if any(len(f.values) > 1 and not f.negate for f in query.filters):
        ops.add("compare")  # 京东和天猫退款率对比: two values side by side are compared
    if share:
        ops.add("share")
    if AD_METRICS & set(query.metrics):
        ops.add("ads")
    if TIME_DIMENSION in query.dimensions:
        ops |= {"trend", "change"}
    if (
        any(f.negate for f in query.filters)
        or query.complete
        or any(mf.op in ("<", "<=", "=") and mf.value <= 0 for mf in query.metric_filters)
    ):
        ops.add("negate")
    if query.metric_filters or query.order_by:
        ops.add("change")  # 高于/more than, 最多/most: comparatives used by a threshold or a ranking
    return ops


def unaccounted(rest: str, ops: set[Operation]) -> list[str]:
    """Words left over that no operation of the query accounts for, in order, without repeats."""
    return list(dict.fromkeys(w.word for w in leftovers(rest) if w.operation is None or w.operation not in ops))


def ignored_operations(rest: str, u: Understood) -> list[str]:
    """Operation words of a question that a reading (a model's MetricQuery) does not perform."""
    assert u.query is not None
    ops = operations(u.query, share=u.share, counted=u.count is not None, top=u.top is not None)
    return list(dict.fromkeys(w.word for w in leftovers(rest) if w.operation is not None and w.operation not in ops))
