"""The home-currency view: each currency's totals converted at a dated rate, never at 1.0."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import OuterRef, Subquery

from ar_dashboard.models import Company, ExchangeRate
from ar_dashboard.money import quantize_money


class MissingRate(LookupError):
    """No rate dated on or before as_of for some currency: the message names each one."""


@dataclass(frozen=True)
class RateUsed:
    currency: str
    rate: Decimal  # home-currency units per unit of `currency` (1 for the home currency)
    rate_date: date | None  # None for the home currency itself


def rates_on(*, company: Company, currencies: Iterable[str], as_of: date) -> dict[str, RateUsed]:
    """The latest rate dated on or before `as_of` into the company's home currency for each
    currency (one query); MissingRate when any currency has none."""
    home = company.home_currency
    foreign = sorted(set(currencies) - {home})
    found = {home: RateUsed(home, Decimal(1), None)}
    if not foreign:
        return found
    latest = (
        ExchangeRate.objects.filter(
            company=company,
            home_currency=home,
            currency=OuterRef("currency"),
            rate_date__lte=as_of,
        )
        .order_by("-rate_date")
        .values("rate_date")[:1]
    )
    rows = ExchangeRate.objects.filter(
        company=company, home_currency=home, currency__in=foreign, rate_date=Subquery(latest)
    ).values_list("currency", "rate", "rate_date")
    for currency, rate, rate_date in rows:
        found[currency] = RateUsed(currency, rate, rate_date)
    missing = [c for c in foreign if c not in found]
    if missing:
        names = ", ".join(f"{c}→{home}" for c in missing)
        raise MissingRate(
            f"No exchange rate {names} dated on or before {as_of.isoformat()}: add one "
            "(admin, Exchange rates) or leave home_currency off to see each currency apart."
        )
    return found


def to_home(amount: Decimal, rate: RateUsed, home: str) -> Decimal:
    """`amount` converted and rounded half-up to the home currency's minor unit (each
    currency's total is converted once, then the converted totals are added)."""
    return quantize_money(amount * rate.rate, home)
