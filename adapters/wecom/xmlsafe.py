"""Safe parsing of the small flat XML documents WeCom sends (defusedxml is not available).

The checks run on the decoded text (only UTF-8 is accepted, so a UTF-16 body cannot hide a declaration
from them). A document with a DOCTYPE or an ENTITY declaration is refused before it reaches the parser, which
rules out entity expansion ("billion laughs") and external entities; the result is a flat
``{tag: text}`` view of the root's children (nested elements as ``Parent/Child``)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from adapters.base import InvalidSignature

_FORBIDDEN = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_ENCODING = re.compile(r"<\?xml[^>]*encoding\s*=\s*[\"']([^\"']*)[\"']", re.IGNORECASE)
MAX_BYTES = 1 << 20


class UnsafeXML(InvalidSignature):
    """The XML is too big, malformed, or declares a DOCTYPE/ENTITY."""


def _text(document: str | bytes) -> str:
    """The document as text: WeCom sends UTF-8, so bytes in any other encoding (UTF-16 …) are refused
    rather than left for the parser to decode after the checks looked at the bytes."""
    if isinstance(document, str):
        return document
    try:
        return document.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UnsafeXML("wecom: XML body is not UTF-8") from exc


def parse_fields(document: str | bytes) -> dict[str, str]:
    """The root's child elements as ``{tag: stripped text}``; one level of nesting as ``Parent/Child``."""
    size = len(document) if isinstance(document, bytes) else len(document.encode())
    if size > MAX_BYTES:
        raise UnsafeXML("wecom: XML body too large")
    text = _text(document)
    if _FORBIDDEN.search(text):
        raise UnsafeXML("wecom: XML with DOCTYPE/ENTITY refused")
    declared = _ENCODING.search(text)
    if declared and declared.group(1).strip().lower().replace("_", "-") not in ("utf-8", "utf8"):
        raise UnsafeXML("wecom: XML in an encoding other than UTF-8 refused")
    data = text.encode()
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise UnsafeXML(f"wecom: malformed XML ({exc})") from exc
    fields: dict[str, str] = {}
    for child in root:
        fields[child.tag] = (child.text or "").strip()
        for grandchild in child:
            fields[f"{child.tag}/{grandchild.tag}"] = (grandchild.text or "").strip()
    return fields
