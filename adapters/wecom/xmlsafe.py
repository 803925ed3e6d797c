"""Safe parsing of the small flat XML documents WeCom sends (defusedxml is not available).

A document with a DOCTYPE or an ENTITY declaration is refused before it reaches the parser, which
rules out entity expansion ("billion laughs") and external entities; the result is a flat
``{tag: text}`` view of the root's children (nested elements as ``Parent/Child``)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from adapters.base import InvalidSignature

_FORBIDDEN = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
MAX_BYTES = 1 << 20


class UnsafeXML(InvalidSignature):
    """The XML is too big, malformed, or declares a DOCTYPE/ENTITY."""


def parse_fields(document: str | bytes) -> dict[str, str]:
    """The root's child elements as ``{tag: stripped text}``; one level of nesting as ``Parent/Child``."""
    data = document.encode() if isinstance(document, str) else document
    if len(data) > MAX_BYTES:
        raise UnsafeXML("wecom: XML body too large")
    if _FORBIDDEN.search(data):
        raise UnsafeXML("wecom: XML with DOCTYPE/ENTITY refused")
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
