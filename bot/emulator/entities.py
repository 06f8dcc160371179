"""Telegram's HTML parse mode: markup to plain text and entities, strict like the server."""

from __future__ import annotations

import html
import re
from typing import Any


class _EntityParseError(Exception):
    pass


# HTML parse mode, as documented at https://core.telegram.org/bots/api#html-style
_HTML_ENTITY_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_ATTR = r"[A-Za-z_:][-A-Za-z0-9_:.]*(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'=<>`]+))?"
_ATTRS_RE = re.compile(rf"((?:\s+{_ATTR})*)\s*>")
_ATTR_RE = re.compile(
    r"([A-Za-z_:][-A-Za-z0-9_:.]*)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s\"'=<>`]+)))?"
)
_CHAR_REF_RE = re.compile(r"&(?:#(\d+)|#[xX]([0-9A-Fa-f]+)|(lt|gt|amp|quot));")
_NAMED_REFS = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _tag_name_end(source: str, start: int) -> int:
    # Like Telegram's parser: a tag name runs up to whitespace or ">".
    end = start
    while end < len(source) and not source[end].isspace() and source[end] != ">":
        end += 1
    return end


def _parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    """Render Telegram HTML into plain text and entities (UTF-16 offsets), like the server.

    Being strict about stray "<" and unknown tags is the point: unescaped user input in an
    HTML message is a classic production failure ("can't parse entities"). Error texts
    follow Telegram's parser (td/telegram/MessageEntity.cpp).
    """
    out: list[str] = []
    pos = 0  # in UTF-16 code units, as entity offsets are
    stack: list[tuple[str, dict[str, Any] | None, int]] = []
    entities: list[dict[str, Any]] = []
    i = 0
    while i < len(source):
        char = source[i]
        if char == "<":
            offset = len(source[:i].encode("utf-8"))
            if source.startswith("</", i):
                name_end = _tag_name_end(source, i + 2)
                name = source[i + 2 : name_end].lower()
                close = name_end
                while close < len(source) and source[close].isspace():
                    close += 1
                if not stack:
                    raise _EntityParseError(f"Unexpected end tag at byte offset {offset}")
                if close >= len(source) or source[close] != ">":
                    raise _EntityParseError(f"Unclosed end tag at byte offset {offset}")
                if name and name != stack[-1][0]:
                    raise _EntityParseError(
                        f"Unmatched end tag at byte offset {offset}, "
                        f'expected "</{stack[-1][0]}>", found "</{name}>"'
                    )
                _, entity, start = stack.pop()
                if entity is not None and pos > start:
                    entities.append({**entity, "offset": start, "length": pos - start})
                i = close + 1
                continue
            name_end = _tag_name_end(source, i + 1)
            if name_end >= len(source):
                raise _EntityParseError(f"Unclosed start tag at byte offset {offset}")
            name = source[i + 1 : name_end].lower()
            if name not in _HTML_ENTITY_TYPES:
                raise _EntityParseError(f'Unsupported start tag "{name}" at byte offset {offset}')
            attrs = _ATTRS_RE.match(source, name_end)
            if attrs is None:
                raise _EntityParseError(
                    f'Can\'t parse attributes of the tag "{name}" at byte offset {offset}'
                )
            stack.append((name, _html_entity(name, attrs.group(1), stack), pos))
            i = attrs.end()
            continue
        if char == "&":
            ref = _CHAR_REF_RE.match(source, i)
            if ref is not None:
                if ref.group(1) or ref.group(2):
                    number = int(ref.group(1)) if ref.group(1) else int(ref.group(2), 16)
                    char = chr(number) if 0 < number < 0x110000 else "\ufffd"
                else:
                    char = _NAMED_REFS[ref.group(3)]
                i = ref.end() - 1
        out.append(char)
        pos += 2 if ord(char) > 0xFFFF else 1
        i += 1
    if stack:
        raise _EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    entities.sort(key=lambda entity: (entity["offset"], -entity["length"]))
    return "".join(out), entities


def _html_entity(
    name: str, attrs: str, stack: list[tuple[str, dict[str, Any] | None, int]]
) -> dict[str, Any] | None:
    values = {
        key.lower(): html.unescape(next((v for v in rest if v), ""))
        for key, *rest in _ATTR_RE.findall(attrs)
    }
    kind = _HTML_ENTITY_TYPES[name]
    if name == "span" and values.get("class") != "tg-spoiler":
        raise _EntityParseError('Tag "span" must have class "tg-spoiler"')
    if name == "a":
        href = values.get("href")
        return {"type": kind, "url": href} if href else None
    if name == "code" and stack and stack[-1][0] == "pre":
        # <pre><code class="language-x"> is one pre entity with a language, not two entities.
        pre = stack[-1][1]
        language = values.get("class", "")
        if pre is not None and language.startswith("language-"):
            pre["language"] = language.removeprefix("language-")
        return None
    if name == "blockquote" and "expandable" in values:
        return {"type": "expandable_blockquote"}
    if name == "tg-emoji":
        return {"type": kind, "custom_emoji_id": values.get("emoji-id", "")}
    return {"type": kind}
