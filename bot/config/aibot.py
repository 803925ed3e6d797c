"""``platforms.wecom.aibot``: WeCom's 智能机器人 — every key read and checked, unknown keys reported."""

from __future__ import annotations

import re

from adapters.wecom.crypto import aes_key
from bot.config.reader import Reader
from bot.config.schema import AiBotConfig
from metrics.yamlsrc import Located

PATH = "platforms.wecom.aibot"
KEYS = ("bot_id", "secret", "url", "token", "encoding_aes_key", "heartbeat_s", "reconnect_s")


def _seconds(node: Located, key: str, r: Reader, default: float, low: float, high: float) -> float:
    value = node.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        r.problem(
            node, key, f"{PATH}.{key}: expected seconds between {low:g} and {high:g}",
            f"{PATH}.{key}：应为 {low:g} 到 {high:g} 之间的秒数",
        )  # fmt: skip
        return default
    return float(value)


def _pair(node: Located, keys: tuple[str, str], values: dict[str, str | None], what: str, r: Reader) -> None:
    got = [k for k in keys if values[k]]
    if len(got) == 1:
        missing = next(k for k in keys if k not in got)
        r.problem(
            node, got[0], f"{PATH}: {got[0]} set but {missing} missing — {what} needs both",
            f"{PATH}：已设置 {got[0]}，但缺少 {missing}——{what}需要两者",
        )  # fmt: skip


def read_aibot(node: Located | None, r: Reader) -> AiBotConfig | None:
    if node is None:
        return None
    r.keys(node, KEYS, PATH)
    values = {k: r.text(node, k, f"{PATH}.{k}") for k in ("bot_id", "secret", "url", "token", "encoding_aes_key")}
    _pair(node, ("bot_id", "secret"), values, "the long connection ", r)
    _pair(node, ("token", "encoding_aes_key"), values, "the callback ", r)
    url = values["url"] or AiBotConfig.url
    if not re.match(r"^wss?://[^/\s]+", url):
        r.problem(node, "url", f"{PATH}.url {url!r} is not a ws(s):// URL", f"{PATH}.url {url!r} 不是 ws(s):// 地址")
    key = values["encoding_aes_key"]
    if key:
        try:
            aes_key(key)
        except ValueError:
            r.problem(
                node, "encoding_aes_key", f"{PATH}.encoding_aes_key is not a 43-character EncodingAESKey",
                f"{PATH}.encoding_aes_key 不是 43 位的 EncodingAESKey",
            )  # fmt: skip
    config = AiBotConfig(
        values["bot_id"], values["secret"], url, values["token"], key,
        _seconds(node, "heartbeat_s", r, 30.0, 0.01, 300.0), _seconds(node, "reconnect_s", r, 1.0, 0.01, 60.0),
    )  # fmt: skip
    if not (config.long_connection or config.callback):
        r.problem(
            node, None, f"{PATH}: set bot_id and secret (long connection) or token and encoding_aes_key (callback)",
            f"{PATH}：请设置 bot_id 与 secret（长连接），或 token 与 encoding_aes_key（回调）",
        )  # fmt: skip
    return config
