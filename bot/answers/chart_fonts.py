"""A font that can draw Chinese chart labels, found once: the known CJK families first, then any installed
font whose character map covers common Chinese characters. None when the machine has none (charts then
use English labels rather than drawing boxes)."""

from __future__ import annotations

import functools
import logging
import threading

log = logging.getLogger("opsbot.charts")
FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Droid Sans Fallback",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
)
PROBE = "渠道成交金额仓库"
_LOOKUP = threading.Lock()  # the first lookup may come from several chart threads at once


def covers(path: str, text: str) -> bool:
    """Whether the font file at ``path`` has a glyph for every character of ``text``."""
    from matplotlib.ft2font import FT2Font

    try:
        font = FT2Font(path)
    except (OSError, RuntimeError, ValueError):
        return False
    return all(font.get_char_index(ord(ch)) != 0 for ch in text if not ch.isascii())


def _candidates() -> list[tuple[str, str]]:
    from matplotlib import font_manager

    fonts = [(f.name, f.fname) for f in font_manager.fontManager.ttflist]
    if not any(name in FAMILIES for name, _ in fonts):  # installed after matplotlib built its cache
        for path in font_manager.findSystemFonts():
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError):
                continue
        fonts = [(f.name, f.fname) for f in font_manager.fontManager.ttflist]
    known = sorted((f for f in fonts if f[0] in FAMILIES), key=lambda f: FAMILIES.index(f[0]))
    return known + [f for f in fonts if f[0] not in FAMILIES]


def cjk_font() -> str | None:
    """The path of a font covering Chinese, or None (one warning, the first time)."""
    with _LOOKUP:
        return _find_cjk_font()


@functools.cache
def _find_cjk_font() -> str | None:
    for _, path in _candidates():
        if covers(path, PROBE):
            return path
    log.warning("no font with Chinese glyphs is installed; charts use English labels (install fonts-wqy-microhei)")
    return None


def font_family(path: str) -> str:
    """The family name of the font file at ``path``, registered with matplotlib once (not on every chart:
    each registration grows the font list and clears matplotlib's font lookup cache)."""
    with _LOOKUP:
        return _register(path)


@functools.cache
def _register(path: str) -> str:
    from matplotlib import font_manager

    if not any(f.fname == path for f in font_manager.fontManager.ttflist):
        font_manager.fontManager.addfont(path)
    return str(font_manager.FontProperties(fname=path).get_name())
