"""What is left of a question after every known term, time word and pattern is taken out. A name
left over ("快手", "Kuaishou", "SKU-99999") is something the catalog does not know: the answer says
so instead of quietly ignoring it."""

from __future__ import annotations

import re

from nlq.accounting import FUNCTION_EN, FUNCTION_ZH, OPERATION_WORDS

# words that carry no entity: question words, verbs of asking, particles, units, fillers
ZH_FILLER = (
    "请问 帮我 帮忙 告诉我 查一下 查查 看一下 看看 一下 我们 我们的 咱们 公司 整体 总体 全部 所有 一共 总共 合计 总计 "
    "多少 是多少 有多少 怎么样 如何 情况 表现 数据 分别 各自 各个 各 每个 每 哪些 哪个 哪几个 哪 什么 几 "
    "的 了 吗 呢 吧 啊 呀 和 与 及 以及 还有 跟 同 比 对比 相比 比较 比一比 是 有 在 把 给 为 按 按照 分 "
    "只看 仅看 只 仅 单看 就看 看 列出 列一下 排名 排行 前 后 最 最近 近 期间 时候 里 中 内 以来 至今 "
    "现在 当前 目前 还 会 能 可以 要 应该 将 已经 都 也 又 再 就 才 一件 一个 件 个 单 笔 人 元 块 天 周 月 年 "
    "广告 投放 广告投放 推广 营销 除了 除去 以外 之外 不含 不包括 不包含 排除 不算 去掉 "
    "增长 下降 变化 趋势 走势 占比 卖 卖了 卖出 卖出去 没 没有 一件都没 但 但是 而 并且 且 或 或者 上 下 本 这 那 "
    "该 此 其 他们 大家 统计 计算 汇报 报告 总结 目标 低于 高于 超过 不到 少于 大于 小于 以上 以下 严重 最严重 高 低 "
    "不同 独立 去重 去重后 发往 寄往 发到 寄到 送到"
).split()
_KNOWN_ZH = {*ZH_FILLER, *FUNCTION_ZH, *(w for zh, _ in OPERATION_WORDS.values() for w in zh.split())}
_KNOWN_EN = {*FUNCTION_EN, *(w for _, en in OPERATION_WORDS.values() for w in en.split())}
# words the accounting reads (function and operation words) are not unknown names: they are
# accounted for, or reported, after the question has been read
_FILLER_RE = re.compile("|".join(sorted(map(re.escape, _KNOWN_ZH), key=len, reverse=True)))
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]{2,}")
_PROPER = re.compile(r"\b[A-Z][a-z]{2,}\b")
EN_COMMON = set(
    "What Which How Who When Where Why Show List Give Tell Compare Top Bottom Daily Weekly Monthly Average Total "
    "Please Our The This Last Next Our Sales Revenue Units Orders Buyers Customers Stock Inventory Refund Refunds "
    "Gross Ad Ads Conversion Repeat Late Sell Days Complaints Visitors Traffic Did Does Do Are Is Was Were Can Could "
    "Would Should Any All Each Per Over Since Between From For And With Without Only Just Also Year Month Week Day "
    "Today Yesterday Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June "
    "July August September October November December Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec Double Singles "
    "Average Break Breakdown Trend Share Overall Hey Hi Okay Thanks".split()
)


# English words that change no number: anything else left over is reported, never silently dropped
EN_FILLER = set(
    """a an the and or but of in on at to for from by with without into over under during since until between
    across per each every all any some both either this that these those it its it's is are was were be been
    being do does did done doing have has had having will would can could should may might must shall
    i me my we us our ours you your they them their he she his her what what's which who whom whose when where
    why how how's many much more most less least very really just only also still right now please pls plz
    thanks thank hi hey ok okay tell show give get got list see let let's know find compare compared versus vs
    against than then there here so as if about around roughly approximately overall total totals altogether
    sum number numbers count amount amounts value values figure figures data stats report summary level levels
    break breakdown broken down split change changes changed growth grow grew increase increased decrease
    decreased trend trends share rank ranking ranked top bottom come came bring brought make made sell sold
    selling sale spend spent buy bought earn earned generate generated ship shipped shipping look looking
    like want need would've did't didn't doesn't don't isn't aren't wasn't weren't haven't hasn't no not none
    out still have had stock currently ads ad advertising campaigns today's yesterday's whole entire full
    complete so far to-date date excluding except apart other
    """.split()
)
_EN_WORD = re.compile(r"[a-z][a-z'-]+")


def unknown_names(masked_text: str, original: str) -> list[str]:
    """Names in the question that nothing understood: leftover Chinese runs, proper nouns, SKU ids."""
    found: list[str] = []
    for run in _CJK_RUN.findall(_FILLER_RE.sub(" ", masked_text)):
        if len(run) >= 2:
            found.append(run)
    for word in _EN_WORD.findall(masked_text):
        known = EN_FILLER | _KNOWN_EN
        if word not in known and word.rstrip("s") not in known and len(word) > 2:
            found.append(word)
    for word in _PROPER.findall(original):
        if (
            word not in EN_COMMON
            and word.lower() not in _KNOWN_EN
            and re.search(rf"\b{re.escape(word.lower())}\b", masked_text)
        ):
            found.append(word)
    return found
