"""Syntax highlighting of JSON text as escaped HTML spans (no inline style, no script)."""

from __future__ import annotations

import re

from markupsafe import Markup, escape

_TOKEN = re.compile(
    r'(?P<string>"(?:[^"\\\n]|\\.)*")(?P<colon>\s*:)?'
    r"|(?P<number>-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)"
    r"|(?P<literal>\btrue\b|\bfalse\b|\bnull\b)"
)


def highlight_json(text: str) -> Markup:
    """Wrap JSON tokens of ``text`` in ``<span class="j-…">``; every piece is escaped.

    Works line by line on any text, so a broken paste still shows; text that is
    not a JSON token is copied escaped and unchanged.
    """
    parts = []
    position = 0
    for match in _TOKEN.finditer(text):
        parts.append(escape(text[position:match.start()]))
        if match.group("string") is not None:
            kind = "key" if match.group("colon") else "string"
            parts.append(Markup('<span class="j-{}">{}</span>').format(kind,
                                                                      match.group("string")))
            if match.group("colon"):
                parts.append(escape(match.group("colon")))
        elif match.group("number") is not None:
            parts.append(Markup('<span class="j-number">{}</span>').format(match.group("number")))
        else:
            parts.append(Markup('<span class="j-literal">{}</span>').format(
                match.group("literal")))
        position = match.end()
    parts.append(escape(text[position:]))
    return Markup("").join(parts)
