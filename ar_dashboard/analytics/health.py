"""Customer health: each customer's risk score (metrics.risk_score) from SQL aggregates."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from decimal import Decimal

from django.db.models import CharField, Min, Q, Value
from django.db.models.functions import Coalesce

from ar_dashboard import aging, answer_cache, metrics, selectors
from ar_dashboard.analytics import payments
from ar_dashboard.expressions import MoneySum
from ar_dashboard.models import Company
from ar_dashboard.selectors import ZERO, ARFilters

NO_HISTORY = payments.Lateness(None, None, None, None)
SORTS = ("score", "balance", "customer", "avg_days_late", "share_of_ar")


@dataclass(frozen=True)
class HealthRow:
    customer_id: int
    customer: str
    balance: Decimal
    avg_days_late: Decimal | None
    risk: metrics.RiskScore

    @property
    def share_of_ar(self) -> Decimal:
        return next(f.value for f in self.risk.factors if f.factor == "share_of_ar")


def _open_by_customer(company: Company, filters: ARFilters):
    """Balance, the parts over 60 and 90 days and the oldest open reference date per customer."""
    ref = "due_on" if filters.basis == aging.Basis.DUE else "posted_on"
    return (
        selectors.open_documents(company=company, filters=filters)
        .filter(customer__isnull=False)
        .order_by()
        .values("customer_id")
        .annotate(
            name=Coalesce(Min("customer__name"), Value("", output_field=CharField())),
            balance=MoneySum("amount"),
            over_60=Coalesce(
                MoneySum("amount", filter=selectors.older_than_condition(60, filters)), ZERO
            ),
            over_90=Coalesce(
                MoneySum("amount", filter=selectors.older_than_condition(90, filters)), ZERO
            ),
            oldest=Min(ref, filter=Q(amount__gt=0)),
        )
        .exclude(balance=0)
    )


def customer_health(
    *, company: Company, filters: ARFilters, sort: str = "-score", band: str | None = None
) -> list[HealthRow]:
    """One row per customer with a balance on as_of, scored and sorted (four queries plus
    the open-documents fast-path check; the scoring loops over customers, not documents)."""
    whole = replace(filters, customer=None, band=None, band_customers=None)
    company_ar = selectors.summary_total(company=company, filters=whole)
    late = payments.lateness_by_customer(
        company=company, currency=filters.currency, as_of=filters.as_of
    )
    # The score asks only whether a payment came within BROKEN_SILENCE_DAYS: the older past
    # is not read (a customer silent that long is absent, scored as never paid: the same).
    last_paid = payments.last_payment_by_customer(
        company=company,
        currency=filters.currency,
        as_of=filters.as_of,
        since=filters.as_of - timedelta(days=metrics.BROKEN_SILENCE_DAYS),
    )
    rows = []
    for row in _open_by_customer(company, replace(filters, band=None, band_customers=None)):
        habit = late.get(row["customer_id"], NO_HISTORY)
        avg, recent, earlier = habit.year, habit.recent, habit.earlier
        paid_on = last_paid.get(row["customer_id"])
        oldest = row["oldest"]
        inputs = metrics.RiskInputs(
            balance=row["balance"],
            over_60=row["over_60"],
            over_90=row["over_90"],
            company_ar=company_ar,
            avg_days_late=avg,
            recent_days_late=recent,
            earlier_days_late=earlier,
            oldest_days_past_due=None if oldest is None else (filters.as_of - oldest).days,
            days_since_payment=None if paid_on is None else (filters.as_of - paid_on).days,
        )
        risk = metrics.risk_score(inputs)
        if band is None or risk.band == band:
            rows.append(HealthRow(row["customer_id"], row["name"], row["balance"], avg, risk))
    return _sorted(rows, sort)


def customer_bands(*, company: Company, filters: ARFilters) -> dict[int, str]:
    """{customer id: "low" | "medium" | "high"}: each customer's risk band on `as_of` over its
    whole balance in the currency (the per-document and customer filters do not apply)."""
    whole = replace(
        filters,
        buckets=(),
        min_amount=None,
        max_amount=None,
        customer=None,
        name_prefix=None,
        band=None,
        band_customers=None,
    )
    rows = customer_health(company=company, filters=whole)
    return {row.customer_id: row.risk.band for row in rows}


def cached_bands(*, company: Company, filters: ARFilters) -> dict[int, str]:
    """customer_bands from the answer cache when it has them (keyed by the ledger version,
    as_of, currency and basis like every cached answer): the band filter and the collections
    worklist then score the customers once per ledger version and date, not per request."""
    whole = ARFilters(
        as_of=filters.as_of, today=filters.today, currency=filters.currency, basis=filters.basis
    )

    def compute() -> dict:
        by_band: dict[str, list[int]] = {}
        for pk, band in sorted(customer_bands(company=company, filters=whole).items()):
            by_band.setdefault(band, []).append(pk)
        return by_band

    answer = answer_cache.fetch(
        endpoint="risk-bands", company=company, filters=whole, params={}, compute=compute
    )
    return {pk: band for band, ids in answer.data.items() for pk in ids}


def customers_in_band(*, company: Company, filters: ARFilters, band: str) -> frozenset[int]:
    """The ids of the customers in `band` (cached_bands)."""
    bands = cached_bands(company=company, filters=filters)
    return frozenset(pk for pk, b in bands.items() if b == band)


def _sorted(rows: list[HealthRow], sort: str) -> list[HealthRow]:
    descending = sort.startswith("-")
    field = sort.removeprefix("-")
    keys = {
        "score": lambda r: r.risk.score,
        "balance": lambda r: r.balance,
        "customer": lambda r: r.customer.lower(),
        "avg_days_late": lambda r: (
            r.avg_days_late if r.avg_days_late is not None else Decimal("-1e9")
        ),
        "share_of_ar": lambda r: r.share_of_ar,
    }
    ordered = sorted(rows, key=lambda r: (r.customer.lower(), r.customer_id))
    return sorted(ordered, key=keys[field], reverse=descending)
