"""Problems are values: user-facing errors with both languages and suggestions.

`UserError` is what a caller may show to a person as is; anything else that escapes is internal.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a request, in English and Chinese, with suggestions."""

    code: str
    en: str
    zh: str
    suggestions: tuple[str, ...] = field(default=())

    def text(self, lang: str = "en") -> str:
        base = self.zh if lang == "zh" else self.en
        if not self.suggestions:
            return base
        joiner = "、" if lang == "zh" else ", "
        hint = "你是不是想找：" if lang == "zh" else "did you mean: "
        sep = "；" if lang == "zh" else "; "
        end = "？" if lang == "zh" else "?"
        return f"{base.rstrip('.。')}{sep}{hint}{joiner.join(self.suggestions)}{end}"


class UserError(Exception):
    """An error caused by the request, meant to be shown to the user as one clear line."""

    def __init__(self, *problems: Problem) -> None:
        super().__init__(problems[0].en if problems else "invalid request")
        self.problems: tuple[Problem, ...] = problems

    def text(self, lang: str = "en") -> str:
        return "\n".join(p.text(lang) for p in self.problems)


def user_error(code: str, en: str, zh: str, suggestions: Iterable[str] = ()) -> UserError:
    return UserError(Problem(code, en, zh, tuple(suggestions)))


def nearest(word: str, candidates: Iterable[str], n: int = 3) -> list[str]:
    """The closest candidates to `word` (case-insensitive), best first."""
    pool = list(dict.fromkeys(candidates))
    lowered = {c.lower(): c for c in pool}
    hits = difflib.get_close_matches(word.lower(), list(lowered), n=n, cutoff=0.5)
    out = [lowered[h] for h in hits]
    for c in pool:  # substring matches help for Chinese, where edit distance is coarse
        if len(out) >= n:
            break
        if c not in out and word and (word.lower() in c.lower() or c.lower() in word.lower()):
            out.append(c)
    return out


def default_lang() -> str:
    """The user's language from OPSBOT_LANG or the locale: 'zh' or 'en'."""
    for var in ("OPSBOT_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var, "")
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"
