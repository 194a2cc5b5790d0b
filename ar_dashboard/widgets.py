"""The widget dashboard's catalogue and its saved layouts (read side).

A widget is only a title, the JSON endpoint it draws and where it sits: every number it shows
comes from that endpoint (the analytics API or the core API), never from the page.
"""

from __future__ import annotations

from dataclasses import dataclass

from ar_dashboard.models import Company, DashboardLayout

GRID_COLUMNS = 12
MAX_ROWS = 200
MAX_HEIGHT = 12


@dataclass(frozen=True)
class Widget:
    key: str
    title: str
    endpoint: str  # path under /ar/api/, filters appended by the page
    w: int
    h: int


CATALOGUE: dict[str, Widget] = {
    w.key: w
    for w in (
        Widget("kpis", "Key figures (DSO, CEI, ADD)", "kpis/", 12, 2),
        Widget("aging_pie", "Aging mix", "aging-distribution/", 4, 4),
        Widget("top_customers", "Top customers", "customer-breakdown/", 8, 4),
        Widget("dso_trend", "DSO trend (standard and countback)", "trends/", 6, 4),
        Widget("cei_trend", "Collection effectiveness (CEI)", "trends/", 6, 4),
        Widget("aging_trend", "Aging trend", "trends/", 6, 4),
        Widget("payment_velocity", "Payment velocity", "payment-velocity/", 6, 4),
        Widget("customer_health", "Customer health scores", "customer-health/", 6, 4),
        Widget("cash_forecast", "Cash-flow forecast", "cash-forecast/", 6, 4),
    )
}
DEFAULT_ORDER = (
    "kpis",
    "aging_pie",
    "top_customers",
    "dso_trend",
    "cash_forecast",
    "customer_health",
    "payment_velocity",
)


def default_layout() -> list[dict]:
    """The catalogue's default grid: widgets in DEFAULT_ORDER, packed left to right."""
    layout, x, y, row_height = [], 0, 0, 0
    for key in DEFAULT_ORDER:
        widget = CATALOGUE[key]
        if x + widget.w > GRID_COLUMNS:
            x, y, row_height = 0, y + row_height, 0
        layout.append({"widget": key, "x": x, "y": y, "w": widget.w, "h": widget.h})
        x, row_height = x + widget.w, max(row_height, widget.h)
    return layout


class LayoutError(ValueError):
    """A layout that names an unknown widget, repeats one or sits outside the grid."""


def _bounded(item: dict, name: str, low: int, high: int) -> int:
    value = item.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise LayoutError(f"'{name}' must be a whole number from {low} to {high}.")
    return value


def clean_layout(raw: object) -> list[dict]:
    """`raw` (parsed JSON) as a layout, or LayoutError saying what is wrong with it."""
    if not isinstance(raw, list) or len(raw) > len(CATALOGUE):
        raise LayoutError(f"A layout is a list of at most {len(CATALOGUE)} widgets.")
    cleaned, seen = [], set()
    for item in raw:
        if not isinstance(item, dict) or item.get("widget") not in CATALOGUE:
            raise LayoutError(f"Unknown widget; one of {', '.join(CATALOGUE)}.")
        if item["widget"] in seen:
            raise LayoutError(f"Widget '{item['widget']}' appears twice.")
        seen.add(item["widget"])
        w = _bounded(item, "w", 1, GRID_COLUMNS)
        cleaned.append(
            {
                "widget": item["widget"],
                "x": _bounded(item, "x", 0, GRID_COLUMNS - w),
                "y": _bounded(item, "y", 0, MAX_ROWS),
                "w": w,
                "h": _bounded(item, "h", 1, MAX_HEIGHT),
            }
        )
    return cleaned


def dashboard_layout_get(*, user, company: Company) -> tuple[list[dict], bool]:
    """(the user's layout for the company, whether it was saved) — the default when none is."""
    saved = (
        DashboardLayout.objects.filter(user=user, company=company)
        .values_list("layout", flat=True)
        .first()
    )
    if saved is None:
        return default_layout(), False
    return saved, True
