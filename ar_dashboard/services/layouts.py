"""Writes of the widget dashboard's per-user, per-company layout."""

from __future__ import annotations

from ar_dashboard.models import Company, DashboardLayout
from ar_dashboard.widgets import clean_layout


def dashboard_layout_save(*, user, company: Company, layout: object) -> list[dict]:
    """Store `layout` (validated: LayoutError when it is not one) as the user's grid."""
    cleaned = clean_layout(layout)
    DashboardLayout.objects.update_or_create(
        user=user, company=company, defaults={"layout": cleaned}
    )
    return cleaned


def dashboard_layout_reset(*, user, company: Company) -> None:
    """Forget the user's grid for the company: the default layout shows again."""
    DashboardLayout.objects.filter(user=user, company=company).delete()
