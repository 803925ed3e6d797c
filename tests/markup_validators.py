"""A validator per chat platform, written from each platform's documentation: every message a test sends
through a local fake platform server is checked (the fakes call ``check``), and a problem fails the test
(``conftest.py`` asserts ``PROBLEMS`` is empty after each test).

* DingTalk custom robot — markdown/actionCard ``text`` may use only headings, ``>`` quote, bold/italic,
  ``[text](url)``, ``![alt](url)`` and lists ("消息类型和数据格式", open.dingtalk.com/document/robots/
  message-types-and-data-format): no pipe tables, no code blocks, no HTML; ``title`` required. opsbot keeps a
  markdown text within 4096 bytes.
* WeCom app message (message/send, developer.work.weixin.qq.com/document/path/90236): text ≤ 2048 bytes,
  markdown ≤ 2048 bytes in the subset headings, bold, links, one-line `code`, ``>`` quote and
  ``<font color="info|comment|warning">``; an image by ``media_id``.
* WeCom group robot (webhook/send, /document/path/91770): text ≤ 2048 bytes, markdown ≤ 4096 bytes in the same
  subset plus ``<@userid>``; an image as base64 + md5 of the JPG/PNG, at most 2 MB before base64.
* Slack (api.slack.com/reference/block-kit/blocks, chat.postMessage): at most 50 blocks, a section's text at
  most 3000 characters, a header's 150, ``text`` at most 40000 characters; mrkdwn has no tables or headings.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import threading
from typing import Any

PROBLEMS: list[str] = []  # every problem found since the last test's check (filled from the fakes' threads)
_LOCK = threading.Lock()

_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)+\|?\s*$")
_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_TAG = re.compile(r"<\s*(/?\s*[A-Za-z@][^>]*)>")
_LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]*)\)")
_WECOM_TAG = re.compile(r'^(font color="(info|comment|warning)"|/font)$')
_WECOM_MENTION = re.compile(r"^@[A-Za-z0-9_.\-@]+$")
DINGTALK_MARKDOWN_BYTES = 4096
WECOM_APP_MARKDOWN_BYTES = 2048
WECOM_ROBOT_MARKDOWN_BYTES = 4096
WECOM_TEXT_BYTES = 2048
WECOM_IMAGE_BYTES = 2 * 1024 * 1024


def _size(text: str) -> int:
    return len(text.encode())


def _common(text: str, where: str) -> list[str]:
    """What neither DingTalk's nor WeCom's markdown has: tables and code blocks; links only to http(s)."""
    out = []
    lines = text.splitlines()
    if any(_TABLE_RULE.match(line) for line in lines) or sum(bool(_TABLE_ROW.match(x)) for x in lines) >= 2:
        out.append(f"{where}: a pipe table (the platform's markdown has no tables)")
    if any(_FENCE.match(line) for line in lines):
        out.append(f"{where}: a code block (not in the platform's markdown)")
    for url in _LINK.findall(text):
        if not url.startswith(("http://", "https://")):
            out.append(f"{where}: a link to {url!r} (not an http(s) URL)")
    return out


def dingtalk(payload: dict[str, Any]) -> list[str]:
    kind = payload.get("msgtype")
    if kind == "text":
        content = payload.get("text", {}).get("content")
        return [] if isinstance(content, str) and content else ["dingtalk text: empty content"]
    if kind not in ("markdown", "actionCard"):
        return [f"dingtalk: unexpected msgtype {kind!r}"]
    body = payload.get(kind, {})
    text, title = body.get("text", ""), body.get("title", "")
    where = f"dingtalk {kind}"
    out = _common(text, where)
    if not title:
        out.append(f"{where}: no title")
    if _TAG.search(text):
        out.append(f"{where}: an HTML tag {_TAG.search(text).group(0)!r} (DingTalk markdown has none)")  # type: ignore[union-attr]
    if _size(text) > DINGTALK_MARKDOWN_BYTES:
        out.append(f"{where}: {_size(text)} bytes (> {DINGTALK_MARKDOWN_BYTES})")
    for button in body.get("btns", []):
        if not str(button.get("actionURL", "")).startswith(("http://", "https://")):
            out.append(f"{where}: a button without an http(s) actionURL")
    return out


def _wecom_markdown(text: str, where: str, limit: int, *, mentions: bool) -> list[str]:
    out = _common(text, where)
    for tag in _TAG.findall(text):
        tag = tag.strip()
        if not (_WECOM_TAG.match(tag) or (mentions and _WECOM_MENTION.match(tag))):
            out.append(f"{where}: the tag <{tag}> (not in WeCom's markdown)")
    if _size(text) > limit:
        out.append(f"{where}: {_size(text)} bytes (> {limit})")
    return out


def _wecom_common(payload: dict[str, Any], where: str, markdown_limit: int, *, robot: bool) -> list[str]:
    kind = payload.get("msgtype")
    if kind == "text":
        content = payload.get("text", {}).get("content", "")
        return [f"{where} text: {_size(content)} bytes (> {WECOM_TEXT_BYTES})"] if _size(content) > 2048 else []
    if kind == "markdown":
        return _wecom_markdown(
            payload["markdown"].get("content", ""), f"{where} markdown", markdown_limit, mentions=robot
        )
    if kind == "image":
        image = payload.get("image", {})
        if not robot:
            return [] if image.get("media_id") else [f"{where} image: no media_id"]
        return _robot_image(image)
    if kind == "template_card":
        return []
    return [f"{where}: unexpected msgtype {kind!r}"]


def _robot_image(image: dict[str, Any]) -> list[str]:
    try:
        data = base64.b64decode(image.get("base64", ""), validate=True)
    except (binascii.Error, ValueError):
        return ["wecom robot image: base64 does not decode"]
    out = []
    if hashlib.md5(data).hexdigest() != image.get("md5"):
        out.append("wecom robot image: md5 does not match")
    if len(data) > WECOM_IMAGE_BYTES:
        out.append(f"wecom robot image: {len(data)} bytes (> 2 MB)")
    if not (data.startswith(b"\x89PNG\r\n\x1a\n") or data.startswith(b"\xff\xd8\xff")):
        out.append("wecom robot image: neither PNG nor JPG")
    return out


def wecom_app(payload: dict[str, Any]) -> list[str]:
    return _wecom_common(payload, "wecom app", WECOM_APP_MARKDOWN_BYTES, robot=False)


def wecom_robot(payload: dict[str, Any]) -> list[str]:
    return _wecom_common(payload, "wecom robot", WECOM_ROBOT_MARKDOWN_BYTES, robot=True)


def slack(payload: dict[str, Any]) -> list[str]:
    out = []
    text = payload.get("text")
    if isinstance(text, str) and len(text) > 40000:
        out.append(f"slack: text of {len(text)} characters (> 40000)")
    blocks = payload.get("blocks")
    if isinstance(blocks, list):
        if len(blocks) > 50:
            out.append(f"slack: {len(blocks)} blocks (> 50)")
        for block in blocks:
            if not isinstance(block, dict):
                continue
            body = block.get("text")
            content = body.get("text", "") if isinstance(body, dict) else ""
            if block.get("type") == "section" and len(content) > 3000:
                out.append(f"slack: a section of {len(content)} characters (> 3000)")
            if block.get("type") == "header" and len(content) > 150:
                out.append(f"slack: a header of {len(content)} characters (> 150)")
    return out


def check(problems: list[str]) -> list[str]:
    """Record ``problems`` (found by a fake in its server thread) for the test's teardown check."""
    if problems:
        with _LOCK:
            PROBLEMS.extend(problems)
    return problems


def take() -> list[str]:
    """The problems recorded since the last call (and forget them)."""
    with _LOCK:
        found = list(PROBLEMS)
        PROBLEMS.clear()
    return found
