"""Stored aging, kept by the load: per-customer ARSummary rows and company ARSnapshot rows.

Stored dates are the company's today and its past `STORED_MONTH_ENDS` month-ends: for each, one
ARSummary row per customer and currency and one ARSnapshot per currency (their sums), stamped
with the ledger version and aging scheme they came from, which `summary_reads` checks before
serving them. Other days the pipeline ran keep a company-level snapshot for trends.

A load recomputes only what its changes reach (`LoadDelta`): the customers whose ledgers
changed, on the dates on or after the earliest date the change moves; everything else keeps its
rows and takes the new stamp. A first sync reconstructs every stored month-end from the dated
history (`reconstructed`). Nothing here reads the clock: `today` is passed in.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import Count, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from ar_dashboard import aging, selectors
from ar_dashboard.expressions import MoneySum
from ar_dashboard.metrics.kpi import month_start, months_ending
from ar_dashboard.models import ARSnapshot, ARSummary, Company, StagedBalance
from ar_dashboard.selectors import ARFilters
from ar_dashboard.services.load_delta import LoadDelta

STORED_MONTH_ENDS = 24
# Past this many changed customers a whole day is recomputed: one GROUP BY beats a long IN list.
PARTIAL_LIMIT = 5_000
ZERO = Decimal(0)


def _changed_customers(delta: LoadDelta) -> frozenset[int | None] | None:
    """The delta's customers as summary rows name them (None: the unknown customer)."""
    if delta.customer_ids is None:
        return None
    return delta.customer_ids | ({None} if delta.unknown_customer else frozenset())


def month_ends(*, today: date, months: int) -> list[date]:
    """The last day of each of the `months` months before `today`'s month, oldest first."""
    last = month_start(today) - timedelta(days=1)
    return [end for _, end in months_ending(last, months)]


def stored_dates(*, today: date) -> list[date]:
    """The dates whose per-customer rows are kept: today and the past month-ends."""
    return sorted({today, *month_ends(today=today, months=STORED_MONTH_ENDS)})


def summaries_refresh(
    *,
    company: Company,
    today: date,
    delta: LoadDelta | None = None,
    previous_version: int | None = None,
) -> dict[str, int]:
    """Bring every stored row and snapshot to the company's current ledger version.

    `previous_version` is the version the stored rows must carry to be updated in part (the
    one before this load); rows of any other version are recomputed whole. Returns how many
    summary rows and snapshots were written.
    """
    company.refresh_from_db(fields=["ledger_version"])
    delta = delta or LoadDelta.everything()
    currencies = selectors.currencies_in_use(company=company)
    counts = {"summaries": 0, "snapshots": 0}
    dates = stored_dates(today=today)
    for as_of in dates:
        written = _refresh_day(company, as_of, today, currencies, delta, previous_version)
        if written is not None:
            counts["summaries"] += written
            counts["snapshots"] += len(currencies)
    counts["snapshots"] += _refresh_other_days(company, today, dates, delta, previous_version)
    _forget_unstored(company, dates)
    return counts


def _refresh_day(
    company: Company,
    as_of: date,
    today: date,
    currencies: list[str],
    delta: LoadDelta,
    previous: int | None,
) -> int | None:
    """Rewrite one stored date, in part when its rows are the previous version's; None when
    it only took the new stamp."""
    snapshots = ARSnapshot.objects.filter(company=company, as_of=as_of, basis=company.aging_basis)
    kept = snapshots.filter(
        customer_rows=True,
        ledger_version=previous,
        edges=company.aging_edges_key,
        currency__in=currencies,
    )
    customers = None
    if previous is not None and kept.count() == len(currencies):
        unmoved = delta.since is not None and as_of < delta.since
        if delta.is_empty or unmoved:
            kept.update(ledger_version=company.ledger_version)
            return None
        changed = _changed_customers(delta)
        if changed is not None and len(changed) <= PARTIAL_LIMIT:
            customers = changed
    return ar_day_store(
        company=company, as_of=as_of, today=today, customer_ids=customers, currencies=currencies
    )


def ar_day_store(
    *,
    company: Company,
    as_of: date,
    today: date,
    customer_ids: frozenset[int | None] | None = None,
    currencies: list[str] | None = None,
) -> int:
    """Store `as_of`'s per-customer rows (all, or those of `customer_ids`) and its stamped
    snapshots, from which `summary_reads` then serves that date; returns the rows written."""
    currencies = currencies or selectors.currencies_in_use(company=company)
    written = ar_summary_rebuild(
        company=company, as_of=as_of, today=today, customer_ids=customer_ids, currencies=currencies
    )
    _snapshots_from_summaries(company, as_of, today, currencies)
    return written


def _filters(company: Company, as_of: date, today: date, currency: str) -> ARFilters:
    return ARFilters(
        as_of=as_of, today=today, currency=currency, basis=aging.Basis(company.aging_basis)
    )


def ar_summary_rebuild(
    *,
    company: Company,
    as_of: date,
    today: date,
    customer_ids: frozenset[int | None] | None = None,
    currencies: list[str] | None = None,
) -> int:
    """Replace the per-customer rows of `as_of` (of `customer_ids` only, when given) with the
    live aging on that date; returns the rows written. Nothing passes through Python: the
    balances are staged and grouped into ARSummary by INSERT … SELECT."""
    stale = ARSummary.objects.filter(company=company, as_of=as_of)
    if customer_ids is not None:
        stale = stale.filter(selectors.customers_condition(customer_ids))
    stale.delete()
    refresh = uuid.uuid4()
    written = 0
    for currency in currencies or selectors.currencies_in_use(company=company):
        filters = _filters(company, as_of, today, currency)
        staged = _stage(company, filters, customer_ids, refresh)
        written += _insert_summaries(company, filters, staged)
    StagedBalance.objects.filter(refresh=refresh).delete()
    return written


STAGED_COLUMNS = ("document_id", "customer_id", "currency", "due_on", "posted_on", "amount")


def _stage(
    company: Company,
    filters: ARFilters,
    customer_ids: frozenset[int | None] | None,
    refresh: uuid.UUID,
) -> QuerySet[StagedBalance]:
    """Copy the open documents' balances on `as_of` into StagedBalance (INSERT … SELECT over
    the selector's own SQL: one definition of "open on as_of"), for grouping by customer."""
    documents = selectors.open_documents(company=company, filters=filters)
    if customer_ids is not None:
        documents = documents.filter(selectors.customers_condition(customer_ids))
    source = documents.order_by().values_list(
        "id", "customer_id", "currency", "due_on", "posted_on", "amount"
    )
    sql, params = source.query.sql_with_params()
    key = StagedBalance._meta.get_field("refresh").get_db_prep_value(refresh, connection)
    as_of = connection.ops.adapt_datefield_value(filters.as_of)
    table = connection.ops.quote_name(StagedBalance._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in ("refresh", "as_of", *STAGED_COLUMNS))
    picked = ", ".join(f"d.{connection.ops.quote_name(c)}" for c in ("id", *STAGED_COLUMNS[1:]))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT %s, %s, {picked} FROM ({sql}) d",  # noqa: S608
            [key, as_of, *params],
        )
    return StagedBalance.objects.filter(
        refresh=refresh, as_of=filters.as_of, currency=filters.currency
    )


# ARSummary column ← the column of `selectors.customer_rows_of(detail=True)` it stores.
SUMMARY_COLUMNS = {
    "total": "total_outstanding",
    "overdue": "overdue",
    "open_documents": "invoice_count",
    "oldest_reference": "oldest_reference",
    "oldest_days_past_due": "oldest_days_past_due",
    "at_risk": "at_risk",
    "unapplied_credit": "unapplied_credit",
    "overdue_invoices": "overdue_count",
    "overdue_days": "overdue_days",
    "overdue_amount": "overdue_amount",
    "overdue_weighted_days": "weighted_days",
}
NULL_IS_ZERO = {"overdue_days", "overdue_amount", "overdue_weighted_days"}


def _insert_summaries(company: Company, filters: ARFilters, staged: QuerySet) -> int:
    """INSERT the per-customer rows of `filters.as_of` and currency, grouped from `staged`."""
    scheme = company.aging_scheme
    rows = selectors.customer_rows_of(staged, scheme=scheme, filters=filters, detail=True)
    sql, params = rows.query.sql_with_params()
    quote = connection.ops.quote_name
    columns = dict(SUMMARY_COLUMNS)
    for i in range(aging.MAX_BUCKETS):
        present = i < len(scheme.buckets)
        columns[f"bucket_{i}"] = f"bucket_{i}" if present else None
        columns[f"count_{i}"] = f"count_{i}" if present else None
    picked = []
    for target, source in columns.items():
        value = "0" if source is None else f"d.{quote(source)}"
        picked.append(f"COALESCE({value}, 0)" if target in NULL_IS_ZERO else value)
    constants = {
        "company_id": company.pk,
        "currency": filters.currency,
        "as_of": connection.ops.adapt_datefield_value(filters.as_of),
        "basis": filters.basis.value,
        "computed_at": connection.ops.adapt_datetimefield_value(timezone.now()),
    }
    names = ", ".join(quote(c) for c in (*constants, "customer_id", *columns))
    values = ", ".join(["%s"] * len(constants) + [f"d.{quote('customer_id')}", *picked])
    table = quote(ARSummary._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({names}) SELECT {values} FROM ({sql}) d",  # noqa: S608
            [*constants.values(), *params],
        )
        return cursor.rowcount


def _stamp(company: Company, as_of: date, today: date) -> dict:
    return {
        "ledger_version": company.ledger_version,
        "edges": company.aging_edges_key,
        "reconstructed": as_of < today,
    }


def _snapshots_from_summaries(
    company: Company, as_of: date, today: date, currencies: list[str]
) -> None:
    """The company's snapshot of `as_of` per currency: the sums of its per-customer rows."""
    names = (*ARSummary.BUCKET_FIELDS, "total", "overdue")
    sums = (
        ARSummary.objects.filter(company=company, as_of=as_of, basis=company.aging_basis)
        .order_by()
        .values("currency")
        .annotate(
            **{f"sum_{name}": Coalesce(MoneySum(name), Value(ZERO)) for name in names},
            sum_open_documents=Coalesce(Sum("open_documents"), 0),
            sum_customers_with_balance=Count("id", filter=~Q(total=0)),
        )
    )
    found = {
        row["currency"]: {key.removeprefix("sum_"): value for key, value in row.items()}
        for row in sums
    }
    for row in found.values():
        del row["currency"]
    empty = {**dict.fromkeys(names, ZERO), "open_documents": 0, "customers_with_balance": 0}
    for currency in currencies:
        ARSnapshot.objects.update_or_create(
            company=company,
            as_of=as_of,
            currency=currency,
            basis=company.aging_basis,
            defaults={
                **found.get(currency, empty),
                **_stamp(company, as_of, today),
                "customer_rows": True,
            },
        )


def ar_snapshot_record(*, company: Company, as_of: date, today: date) -> list[ARSnapshot]:
    """Write (or rewrite) the company's snapshot rows for `as_of` computed live, per currency."""
    snapshots = []
    for currency in selectors.currencies_in_use(company=company):
        filters = _filters(company, as_of, today, currency)
        dist = selectors.aging_distribution(company=company, filters=filters)
        stats = selectors.summary_stats(company=company, filters=filters)
        values = {f"bucket_{b.bucket.index}": b.amount for b in dist.buckets}
        snapshot, _ = ARSnapshot.objects.update_or_create(
            company=company,
            as_of=as_of,
            currency=currency,
            basis=filters.basis,
            defaults={
                **dict.fromkeys(ARSummary.BUCKET_FIELDS, ZERO),
                **values,
                **_stamp(company, as_of, today),
                "total": dist.total,
                "overdue": stats.total_overdue,
                "open_documents": stats.total_invoices,
                "customers_with_balance": stats.total_customers,
                "customer_rows": False,
            },
        )
        snapshots.append(snapshot)
    return snapshots


def _refresh_other_days(
    company: Company,
    today: date,
    dates: list[date],
    delta: LoadDelta,
    previous: int | None,
) -> int:
    """Past daily snapshots (no customer rows): recomputed live from the first date the load
    moved; the earlier ones take the new stamp. Returns how many were recomputed."""
    others = ARSnapshot.objects.filter(company=company, basis=company.aging_basis).exclude(
        as_of__in=dates
    )
    if delta.is_empty and previous is not None:
        others.update(ledger_version=company.ledger_version)
        return 0
    if delta.since is not None:
        others.filter(as_of__lt=delta.since).update(ledger_version=company.ledger_version)
        others = others.filter(as_of__gte=delta.since)
    days = others.order_by("as_of").values_list("as_of", flat=True).distinct()
    return sum(len(ar_snapshot_record(company=company, as_of=d, today=today)) for d in days)


def _forget_unstored(company: Company, dates: list[date]) -> None:
    """Customer rows of days no longer stored (yesterday's today, a month-end that aged out,
    another basis) go; those days keep their company-level snapshot."""
    ARSummary.objects.filter(company=company).exclude(
        as_of__in=dates, basis=company.aging_basis
    ).delete()
    ARSnapshot.objects.filter(company=company, customer_rows=True).exclude(
        as_of__in=dates, basis=company.aging_basis
    ).update(customer_rows=False)
