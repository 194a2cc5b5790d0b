"""Text cut to a column's width before WeasyPrint lays it out (long tables keep one line a row).

A clipped cell (`overflow: hidden`) is painted after the rest of its row, so a PDF reader would
extract a row's name after its amounts; cutting the text itself keeps the reading order and
costs no layout. Widths are Liberation Sans' advance widths (the PDFs' font), read once.
"""

from __future__ import annotations

import functools

FONT = "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf"
ELLIPSIS = "…"
UNKNOWN_EM = 1.0  # a character the font lacks (another font draws it): assume it is wide


@functools.cache
def _advances() -> dict[int, float] | None:
    """{code point: advance width in em}, or None when the font file is not there."""
    from fontTools.ttLib import TTFont

    try:
        font = TTFont(FONT, lazy=True)
    except OSError:
        return None
    per_em = font["head"].unitsPerEm
    metrics = font["hmtx"]
    return {cp: metrics[glyph][0] / per_em for cp, glyph in font.getBestCmap().items()}


def width_em(text: str) -> float:
    advances = _advances()
    if advances is None:
        return len(text) * UNKNOWN_EM  # no metrics: every character as wide as an em
    return sum(advances.get(ord(ch), UNKNOWN_EM) for ch in text)


def clip(text: str, em: float) -> str:
    """`text`, or its longest head that fits `em` ems with an ellipsis after it."""
    if width_em(text) <= em:
        return text
    room = em - width_em(ELLIPSIS)
    used, cut = 0.0, 0
    advances = _advances() or {}
    for cut, ch in enumerate(text):  # noqa: B007 - `cut` is read after the loop
        used += advances.get(ord(ch), UNKNOWN_EM)
        if used > room:
            break
    return text[:cut].rstrip() + ELLIPSIS
