"""Template filters that present money in the currency's own minor units and format."""

from decimal import Decimal

from django import template

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
