"""Charts for the PDFs, drawn as SVG (vector in the PDF, text selectable).

Only geometry is computed here (bar lengths proportional to the amounts the selector
returned); every figure printed comes from the selector unchanged.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.html import escape

from ar_dashboard.money import money_display
from ar_dashboard.selectors import AgingDistribution

# Current in the brand blue, then from amber to deep red as documents age.
COLOURS = ("#2f6db5", "#e0a526", "#e07b26", "#d4532b", "#b5312b", "#7d1d1d")
WIDTH, ROW, LABEL, VALUE = 520, 26, 70, 130


def _colour(index: int, count: int) -> str:
    if index == 0:
        return COLOURS[0]
    # Spread the past-due periods over the warm colours, the last always the darkest.
    step = (len(COLOURS) - 2) / max(1, count - 2)
    return COLOURS[1 + round((index - 1) * step)]


def aging_bars(distribution: AgingDistribution, *, currency: str) -> str:
    """A horizontal bar per bucket, labelled with its amount (credits draw no bar)."""
    largest = max((b.amount for b in distribution.buckets), default=Decimal(0))
    span = WIDTH - LABEL - VALUE
    height = ROW * len(distribution.buckets) + 8
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="Liberation Sans, DejaVu Sans, sans-serif" '
        'font-size="11" role="img" aria-label="Open AR by aging period">'
    ]
    count = len(distribution.buckets)
    for i, b in enumerate(distribution.buckets):
        y = 4 + i * ROW
        length = 0.0
        if largest > 0 and b.amount > 0:
            length = max(1.0, float(b.amount / largest) * span)
        parts.append(
            f'<text x="{LABEL - 8}" y="{y + 15}" text-anchor="end" fill="#333">'
            f"{escape(b.bucket.label)}</text>"
            f'<rect x="{LABEL}" y="{y + 3}" width="{length:.1f}" height="{ROW - 8}" rx="2" '
            f'fill="{_colour(i, count)}"/>'
            f'<text x="{LABEL + length + 6:.1f}" y="{y + 15}" fill="#333">'
            f"{escape(money_display(b.amount, currency))}</text>"
        )
    parts.append(
        f'<line x1="{LABEL}" y1="2" x2="{LABEL}" y2="{height - 2}" stroke="#999" '
        'stroke-width="0.8"/></svg>'
    )
    return "".join(parts)
