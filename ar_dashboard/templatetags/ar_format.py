"""Template filters that present money in the currency's own minor units and format, and
dates in the company's locale (`locale` is in every dashboard page's context)."""

from decimal import Decimal

from django import template

from ar_dashboard.dates import date_display, datetime_display
from ar_dashboard.money import money_display

register = template.Library()


@register.filter
def money(amount: Decimal | None, currency: str) -> str:
    if amount is None:
        return "—"
    return money_display(Decimal(amount), currency)


@register.filter
def bucket_amount(row: dict, index: int) -> Decimal:
    return row[f"bucket_{index}"]


@register.filter
def ardate(value, locale: str) -> str:
    """A date in the locale's long form: "30 June 2026" (en_GB), "June 30, 2026" (en_US)."""
    return date_display(value, locale or "en", "long")


@register.filter
def ardate_medium(value, locale: str) -> str:
    """A date in the locale's medium form, for table cells: "30 Jun 2026", "Jun 30, 2026"."""
    return date_display(value, locale or "en", "medium")


@register.simple_tag
def armoment(value, locale: str, timezone: str) -> str:
    """A moment (sync times) in the company's time zone and locale."""
    return datetime_display(value, locale or "en", timezone)
