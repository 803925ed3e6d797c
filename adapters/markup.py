"""Shared markup helpers for the chat renderers: escaping of every user and warehouse string, tables as
phone-readable lines, and cutting to a byte budget.

Escaping. DingTalk's robot markdown and WeCom's markdown are small subsets (DingTalk: headings ``#``, quote
``>``, ``**bold**``/``*italic*``, ``[text](url)``, ``![](url)``, ``-``/``1.`` lists — "消息类型和数据格式",
open.dingtalk.com; WeCom: headings, ``**bold**``, ``[text](url)``, `` `code` ``, ``>`` quote,
``<font color="info|comment|warning">`` and ``<@userid>`` — developer.work.weixin.qq.com/document/path/90236
and /91770). Neither documents a backslash escape, so a string that must not become markup (a ticket owner's
name, a channel or SKU name from the warehouse, a metric value, a person's question) has each markup character
replaced by its full-width twin (``[`` → ``［``, ``<`` → ``＜``, and so ``*``, backquote, ``|``, backslash, and
``#`` or ``>`` where they begin a line), which reads the same to a person and forms no link, image, tag,
mention, emphasis, heading or quote. ``://`` is broken too (``：//``) so a bare URL inside such a string is not
auto-linked. Line breaks become spaces, so a string cannot start a heading or a quote.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import replace

from adapters.base import Message, Table

_FULLWIDTH = str.maketrans(
    {
        "[": "［",
        "]": "］",
        "<": "＜",
        "*": "＊",
        "`": "｀",
        "|": "｜",
        "\\": "＼",
        "\r": " ",
        "\n": " ",
        "\t": " ",
    }
)


_KEEP_EMPHASIS = str.maketrans({k: v for k, v in _FULLWIDTH.items() if chr(k) != "*"})


_LINE_START = str.maketrans({"#": "＃", ">": "＞"})  # a heading or a quote only where a line begins


def escape_md(value: str) -> str:
    """``value`` as inert text inside DingTalk or WeCom markdown (one line, no markup, no link)."""
    text = value.translate(_FULLWIDTH).replace("://", "：//")
    stripped = text.lstrip()
    if stripped[:1] in ("#", ">"):
        text = text[: len(text) - len(stripped)] + stripped[0].translate(_LINE_START) + stripped[1:]
    return text


def escape_links(value: str) -> str:
    """``value`` (a line of our own markdown) keeping emphasis, headings and quotes, but with no link, image,
    tag, mention or code that a string inside it could have formed."""
    return value.translate(_KEEP_EMPHASIS).replace("://", "：//")


def escape_md_lines(value: str) -> str:
    """Like ``escape_md`` but keeping line breaks; a line cannot begin a list, heading or quote."""
    lines = []
    for line in value.splitlines():
        text = escape_md(line)
        if text[:1] in ("-", "+") or _numbered(text):
            text = "\u200b" + text  # a zero-width space: the line stays plain text
        lines.append(text)
    return "\n".join(lines)


def _numbered(line: str) -> bool:
    head, dot, _ = line.partition(". ")
    return bool(dot) and head.isdigit()


def width(text: str) -> int:
    """Display width on a phone: East Asian wide characters count twice."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def clip_bytes(text: str, limit: int, *, tail: str = "…") -> str:
    """``text`` cut at a line boundary (else a character) so that it and ``tail`` fit in ``limit`` UTF-8 bytes."""
    if len(text.encode()) <= limit:
        return text
    budget = limit - len(tail.encode())
    cut = text.encode()[: max(budget, 0)].decode(errors="ignore")
    line_end = cut.rfind("\n")
    if line_end > len(cut) // 2:
        cut = cut[:line_end]
    return cut + tail


def more_rows_note(shown: int, total: int, lang: str, link: str | None = None) -> str:
    """The line under a cut table: how many rows there are and where the whole result is."""
    if lang == "zh":
        where = f"完整结果：[下载 CSV]({link})" if link else "完整结果请在网页聊天中查看"
        return f"共 {total} 行，仅显示前 {shown} 行；{where}"
    where = f"full result: [CSV]({link})" if link else "see the web chat for the full result"
    return f"{total} rows in all, first {shown} shown; {where}"


def lang_of(text: str) -> str:
    """ "zh" when ``text`` has Chinese characters, else "en" (the language of the note under a cut table)."""
    return "zh" if any("\u4e00" <= ch <= "\u9fff" for ch in text) else "en"


def _pad(text: str, to: int) -> str:
    """``text`` padded to display width ``to`` with ideographic spaces (which markdown does not collapse)."""
    gap = to - width(text)
    return text + "\u3000" * (gap // 2) + ("\u2002" if gap % 2 else "")


def table_lines(columns: tuple[str, ...], rows: tuple[tuple[str, ...], ...], *, bullet: str = "") -> list[str]:
    """A table as one line a row, readable on a phone: the first column padded so the values line up, the
    other columns after it separated by " · "; a first line names the columns. Every cell is escaped."""
    if not columns:
        return []
    cols = [escape_md(c) for c in columns]
    body = [[escape_md(v) for v in row] for row in rows]
    key_width = max([width(r[0]) for r in body if r] + [width(cols[0])])
    lines = [f"**{_pad(cols[0], key_width)}\u3000{' · '.join(cols[1:])}**"]
    lines += [f"{bullet}{_pad(r[0], key_width)}\u3000{' · '.join(r[1:])}" for r in body if r]
    return lines


def from_markdown(markdown: str, *, code_line: str = "> {}") -> str:
    """Our own markdown (text, emphasis and fenced code blocks such as the SQL) within a subset that has no
    code blocks: links, images, tags and mentions in text lines made inert (``escape_links``), each code line
    as ``code_line`` (a quote by default), escaped."""
    out: list[str] = []
    in_code = False
    for line in markdown.splitlines():
        if line.lstrip().startswith("```"):
            in_code = not in_code
            continue
        if in_code:
            out.append(code_line.format(escape_md(line) or "\u3000"))
        else:
            out.append(escape_links(line))
    return "\n".join(out)


def chart_missing(alt: str, reason_zh: str, reason_en: str, lang: str) -> str:
    """The sentence that takes a chart's place where it could not be delivered, and why."""
    if lang == "zh":
        return f"（图表「{escape_md(alt)}」未发送：{reason_zh}）"
    return f"(chart “{escape_md(alt)}” not sent: {reason_en})"


def chat_table(message: Message) -> Table | None:
    """The table a chat message shows, or None when its text already says the one row (a total with its
    comparison): the numbers are said once."""
    table = message.table
    if table is None or not table.columns:
        return None
    if len(table.rows) <= 1 and message.lead == message.text:  # an answer whose text says its one row
        return None
    return table


def chat_text(message: Message) -> str:
    """The text above the table: without the numbered copy of the rows when the table shows them."""
    if chat_table(message) is not None and message.lead is not None:
        return message.lead
    return message.text


Publish = Callable[[bytes, str], "str | None"]  # (data, "png"|"csv") → a signed URL the platform can fetch


def with_link(message: Message, publish: Publish | None) -> Message:
    """``message`` with ``link`` set to its published CSV when it carries one and the table may be cut."""
    if publish is None or message.download is None or message.link is not None:
        return message
    return replace(message, link=publish(message.download, "csv"))
