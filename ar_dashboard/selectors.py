"""Read side: AR aging aggregated in SQL, as of any date, per currency.

Every API view, page and export reads these functions with one `ARFilters`. Bucketing is
built from `aging.AgingScheme.date_range` (reference-date ranges), so the SQL and the pure
engine share one definition of the bucket edges.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import connections
from django.db.models import (
    Case,
    CharField,
    Count,
    DateField,
    DecimalField,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from ar_dashboard import aging, summary_reads
from ar_dashboard.expressions import DaysBetween, IdSet, MinorUnits, MoneySum
from ar_dashboard.models import MONEY, Allocation, Company, Invoice
from ar_dashboard.money import minor_units

MoneyField = DecimalField(**MONEY)
ZERO = Value(Decimal(0), output_field=MoneyField)
AT_RISK_DAYS = 90
UNKNOWN = "unknown"


@dataclass(frozen=True)
class ARFilters:
    """The parsed common filters. `today` is the company's today, used to pick the fast path."""

    as_of: date
    today: date
    currency: str
    basis: aging.Basis = aging.Basis.DUE
    buckets: tuple[str, ...] = ()  # bucket keys; empty: every bucket
    min_amount: Decimal | None = None
    max_amount: Decimal | None = None
    customer: int | str | None = None  # a Customer pk, UNKNOWN, or None for all
    name_prefix: str | None = None  # customers whose name starts with it (case-insensitive)
    band: str | None = None  # a risk band ("low", "medium", "high"); None: every customer
    # The customers of `band` (filters.parse_filters resolves them): whole customers, so a
    # band narrows stored summary rows as it narrows documents.
    band_customers: frozenset[int] | None = None


def _reference_field(basis: aging.Basis) -> str:
    return "due_on" if basis == aging.Basis.DUE else "posted_on"


def current_balances_apply(*, company: Company, filters: ARFilters) -> bool:
    """True when today's stored balances are the balances on `as_of` (the fast path).

    That needs `as_of` on or after today *and* no allocation dated after `as_of`: a payment
    post-dated into the future has not been received yet (one indexed EXISTS query).
    """
    if filters.as_of < filters.today:
        return False
    later = Allocation.objects.filter(
        company=company, allocated_on__gt=filters.as_of, effective=True
    )
    return not later.exists()


def _amount_expression(*, filters: ARFilters, current: bool):
    """balance(as_of) = current balance + effective allocations dated after as_of (DESIGN.md),
    rounded to the currency's minor unit (the one rounding rule: see expressions.MinorUnits)."""
    places = minor_units(filters.currency)
    if current:
        return MinorUnits(F("balance"), places)
    later = (
        Allocation.objects.filter(
            document=OuterRef("pk"), allocated_on__gt=filters.as_of, effective=True
        )
        .order_by()
        .values("document")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return MinorUnits(
        F("balance") + Coalesce(Subquery(later, output_field=MoneyField), ZERO), places
    )


def bucket_condition(scheme: aging.AgingScheme, bucket: aging.Bucket, filters: ARFilters) -> Q:
    """Q selecting documents whose reference date puts them in `bucket` on `as_of`."""
    earliest, latest = scheme.date_range(bucket, filters.as_of)
    ref = _reference_field(filters.basis)
    condition = Q()
    if earliest is not None:
        condition &= Q(**{f"{ref}__gte": earliest})
    if latest is not None:
        condition &= Q(**{f"{ref}__lte": latest})
    return condition


def overdue_condition(filters: ARFilters) -> Q:
    return Q(**{f"{_reference_field(filters.basis)}__lt": filters.as_of})


def older_than_condition(days: int, filters: ARFilters) -> Q:
    """Documents more than `days` days past their reference date on `as_of`."""
    cutoff = filters.as_of - timedelta(days=days)
    return Q(**{f"{_reference_field(filters.basis)}__lt": cutoff})


def customer_condition(filters: ARFilters, field: str = "customer") -> Q:
    """The customer and name-prefix filters on `field` (a document's or a summary row's)."""
    condition = Q()
    if filters.customer == UNKNOWN:
        condition &= Q(**{f"{field}__isnull": True})
    elif filters.customer is not None:
        condition &= Q(**{f"{field}_id": filters.customer})
    if filters.name_prefix:
        # The unknown customer has no name: a name search never matches it.
        condition &= Q(**{f"{field}__name__istartswith": filters.name_prefix})
    if filters.band_customers is not None:
        # The unknown customer has no risk score: it is in no band.
        condition &= Q(**{f"{field}_id__in": IdSet(filters.band_customers)})
    return condition


def buckets_condition(scheme: aging.AgingScheme, filters: ARFilters) -> Q:
    """Documents in any of the chosen buckets on `as_of` (everything when none is chosen)."""
    condition = Q()
    for key in filters.buckets:
        condition |= bucket_condition(scheme, scheme.bucket_by_key(key), filters)
    return condition


def customers_condition(customer_ids: frozenset[int | None], field: str = "customer") -> Q:
    """Rows of these customers (None: the unknown customer)."""
    condition = Q(**{f"{field}_id__in": [pk for pk in customer_ids if pk is not None]})
    if None in customer_ids:
        condition |= Q(**{f"{field}__isnull": True})
    return condition


def open_documents(*, company: Company, filters: ARFilters) -> QuerySet[Invoice]:
    """AR documents open on `as_of`, annotated with `amount` (signed balance on that date)."""
    current = current_balances_apply(company=company, filters=filters)
    qs = (
        Invoice.objects.filter(
            company=company,
            currency=filters.currency,
            doc_type__in=aging.AR_DOC_TYPES,
            posted_on__lte=filters.as_of,
        )
        .exclude(source_status__in=aging.EXCLUDED_STATUSES)
        .filter(customer_condition(filters))
    )
    if current:
        qs = qs.exclude(balance=0)  # the partial index of open documents
    else:
        # Open on as_of means open now, or settled by money that moved after as_of (both
        # halves have a partial index), so the per-document sum below runs for those only.
        qs = qs.filter(~Q(balance=0) | Q(balance=0, last_allocated_on__gt=filters.as_of))
    qs = qs.annotate(amount=_amount_expression(filters=filters, current=current)).exclude(amount=0)
    if filters.buckets:
        qs = qs.filter(buckets_condition(company.aging_scheme, filters))
    if filters.min_amount is not None:
        qs = qs.filter(amount__gte=filters.min_amount)
    if filters.max_amount is not None:
        qs = qs.filter(amount__lte=filters.max_amount)
    return qs


def _bucket_aggregates(
    scheme: aging.AgingScheme, filters: ARFilters, *, amount: str, count: str | None = None
) -> dict:
    """Σ amount (and the number of documents) per bucket, named `<amount><i>`/`<count><i>`."""
    aggregates = {}
    for b in scheme.buckets:
        condition = bucket_condition(scheme, b, filters)
        aggregates[f"{amount}{b.index}"] = Coalesce(MoneySum("amount", filter=condition), ZERO)
        if count is not None:
            aggregates[f"{count}{b.index}"] = Count("id", filter=condition)
    return aggregates


def _overdue_aggregates(filters: ARFilters) -> dict:
    """Unapplied credit and the overdue-invoice figures behind the average days overdue."""
    overdue_invoices = overdue_condition(filters) & Q(amount__gt=0)
    days = _days_past_due(filters)
    return {
        "unapplied_credit": Coalesce(MoneySum("amount", filter=Q(amount__lt=0)), ZERO),
        "overdue_count": Count("id", filter=overdue_invoices),
        "overdue_days": Sum(days, filter=overdue_invoices),
        "overdue_amount": MoneySum("amount", filter=overdue_invoices),
        "weighted_days": MoneySum(
            ExpressionWrapper(days * F("amount"), output_field=MoneyField),
            filter=overdue_invoices,
        ),
    }


def _days_past_due(filters: ARFilters) -> DaysBetween:
    return DaysBetween(
        Value(filters.as_of, output_field=DateField()), F(_reference_field(filters.basis))
    )


@dataclass(frozen=True)
class BucketAmount:
    bucket: aging.Bucket
    amount: Decimal
    documents: int


@dataclass(frozen=True)
class AgingDistribution:
    currency: str
    as_of: date
    buckets: list[BucketAmount]
    total: Decimal


def aging_distribution(*, company: Company, filters: ARFilters) -> AgingDistribution:
    """Open AR per bucket on `as_of` (one query)."""
    scheme = company.aging_scheme
    stored = summary_reads.stored_rows(company=company, filters=filters)
    if stored is not None:
        row = summary_reads.stored_distribution(stored, scheme)
    else:
        row = open_documents(company=company, filters=filters).aggregate(
            **_bucket_aggregates(scheme, filters, amount="a", count="n")
        )
    buckets = [BucketAmount(b, row[f"a{b.index}"], row[f"n{b.index}"]) for b in scheme.buckets]
    total = sum((b.amount for b in buckets), start=Decimal(0))
    return AgingDistribution(filters.currency, filters.as_of, buckets, total)


@dataclass(frozen=True)
class SummaryStats:
    currency: str
    as_of: date
    total_ar: Decimal
    total_overdue: Decimal
    total_invoices: int
    total_customers: int
    at_risk_customers: int
    avg_days_overdue: Decimal | None
    avg_days_overdue_weighted: Decimal | None
    unapplied_credit: Decimal


def summary_stats(*, company: Company, filters: ARFilters) -> SummaryStats:
    """Headline figures on `as_of` (stored summary rows, else three live queries)."""
    stored = summary_reads.stored_rows(company=company, filters=filters)
    if stored is not None:
        totals = summary_reads.stored_stats(stored)
    else:
        totals = _live_stats(company=company, filters=filters)
    return SummaryStats(
        currency=filters.currency,
        as_of=filters.as_of,
        total_ar=totals["total_ar"],
        total_overdue=totals["total_overdue"],
        total_invoices=totals["total_invoices"],
        total_customers=totals["total_customers"],
        at_risk_customers=totals["at_risk_customers"],
        avg_days_overdue=_ratio(totals["overdue_days"], totals["overdue_count"]),
        avg_days_overdue_weighted=_ratio(totals["weighted_days"], totals["overdue_amount"]),
        unapplied_credit=totals["unapplied_credit"],
    )


def _live_stats(*, company: Company, filters: ARFilters) -> dict:
    """The headline sums in one pass: per-customer sums (GROUP BY customer, the unknown
    customer one group), then their sums and counts over the groups."""
    additive = {
        "total_ar": Coalesce(MoneySum("amount"), ZERO),
        "total_overdue": Coalesce(MoneySum("amount", filter=overdue_condition(filters)), ZERO),
        "total_invoices": Count("id"),
        "at_risk": _at_risk(filters),
        **_overdue_aggregates(filters),
    }
    per_customer = (
        open_documents(company=company, filters=filters)
        .order_by()
        .values("customer_id")
        .annotate(**{f"c_{name}": aggregate for name, aggregate in additive.items()})
    )
    money = {"total_ar", "total_overdue", "unapplied_credit", "overdue_amount", "weighted_days"}
    sums = {
        name: MoneySum(f"c_{name}") if name in money else Sum(f"c_{name}")
        for name in additive
        if name != "at_risk"
    }
    totals = per_customer.aggregate(
        **sums,
        total_customers=_groups_where(~Q(c_total_ar=0)),
        at_risk_customers=_groups_where(Q(c_at_risk__gt=0)),
    )
    for name in ("total_ar", "total_overdue", "unapplied_credit"):
        totals[name] = totals[name] or Decimal(0)
    for name in ("total_invoices", "overdue_count", "total_customers", "at_risk_customers"):
        totals[name] = totals[name] or 0
    return totals


def _groups_where(condition: Q) -> Sum:
    """How many groups of a grouped queryset meet `condition` (the unknown customer counts)."""
    return Sum(Case(When(condition, then=Value(1)), default=Value(0)))


def _at_risk(filters: ARFilters):
    older = older_than_condition(AT_RISK_DAYS, filters)
    return Coalesce(MoneySum("amount", filter=older), ZERO)


def _ratio(numerator, denominator) -> Decimal | None:
    """numerator ÷ denominator to one decimal, half-up (the README's rule for averages)."""
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )


CUSTOMER_SORTS = {
    "total_outstanding": "total_outstanding",
    "overdue": "overdue",
    "invoice_count": "invoice_count",
    "customer": "customer_name",
    "oldest_days_past_due": "oldest_reference",
}


def customer_aging_rows(*, company: Company, filters: ARFilters, sort: str = "-total_outstanding"):
    """One row per customer (NULL = unknown customer) with bucket amounts, as a queryset.

    Lazily evaluated so the caller can paginate it in SQL: one COUNT and one page query.
    """
    scheme = company.aging_scheme
    descending = sort.startswith("-")
    field = sort.removeprefix("-")
    if field in scheme.keys:
        order = f"bucket_{scheme.bucket_by_key(field).index}"
    else:
        order = CUSTOMER_SORTS[field]
    if field == "oldest_days_past_due":
        descending = not descending  # oldest reference date = most days past due
    stored = summary_reads.stored_rows(company=company, filters=filters)
    if stored is not None:
        rows = summary_reads.stored_customer_rows(stored, scheme)
    else:
        rows = live_customer_rows(company=company, filters=filters)
    nulls = {"nulls_last": True}
    primary = F(order).desc(**nulls) if descending else F(order).asc(**nulls)
    return rows.order_by(primary, F("customer_name").asc(), F("customer_id").asc(nulls_last=True))


def live_customer_rows(
    *,
    company: Company,
    filters: ARFilters,
    detail: bool = False,
    customer_ids: frozenset[int | None] | None = None,
):
    """Per-customer aggregates computed from the documents (GROUP BY customer).

    `detail` adds what a stored summary row keeps beyond the visible columns (documents per
    bucket, the overdue-invoice figures, unapplied credit, the part over 90 days);
    `customer_ids` limits the rows to those customers (None in it: the unknown customer).
    """
    documents = open_documents(company=company, filters=filters)
    if customer_ids is not None:
        documents = documents.filter(customers_condition(customer_ids))
    return customer_rows_of(documents, scheme=company.aging_scheme, filters=filters, detail=detail)


def customer_rows_of(
    documents: QuerySet, *, scheme: aging.AgingScheme, filters: ARFilters, detail: bool = False
) -> QuerySet:
    """GROUP BY customer over any queryset of documents that carry `amount` (their balance on
    `as_of`), `customer`, `due_on` and `posted_on`: the open documents, or their staged copy."""
    extra = {}
    if detail:
        counted = _bucket_aggregates(scheme, filters, amount="bucket_", count="count_")
        oldest = Min(_reference_field(filters.basis), filter=Q(amount__gt=0))
        extra = {
            **{key: value for key, value in counted.items() if key.startswith("count_")},
            **_overdue_aggregates(filters),
            "at_risk": _at_risk(filters),
            "oldest_days_past_due": DaysBetween(Value(filters.as_of, DateField()), oldest),
        }
    return (
        documents.order_by()
        .values("customer_id")
        .annotate(
            customer_name=Coalesce(
                Max("customer__name"),
                Value(aging.UNKNOWN_CUSTOMER_LABEL, output_field=CharField()),
            ),
            total_outstanding=MoneySum("amount"),
            overdue=Coalesce(MoneySum("amount", filter=overdue_condition(filters)), ZERO),
            invoice_count=Count("id"),
            oldest_reference=Min(_reference_field(filters.basis), filter=Q(amount__gt=0)),
            **_bucket_aggregates(scheme, filters, amount="bucket_"),
            **extra,
        )
    )


def customer_days_past_due(row: dict, filters: ARFilters) -> int | None:
    """Days past due of the customer's oldest open invoice on `as_of`."""
    oldest = row.get("oldest_reference")
    return aging.days_past_due(oldest, filters.as_of) if oldest else None


def customer_documents(*, company: Company, filters: ARFilters) -> QuerySet[Invoice]:
    """Open documents behind one customer row, with days past due and bucket index."""
    scheme = company.aging_scheme
    whens = [
        When(bucket_condition(scheme, b, filters), then=Value(b.index)) for b in scheme.buckets
    ]
    return (
        open_documents(company=company, filters=filters)
        .annotate(
            days_past_due=_days_past_due(filters),
            bucket_index=Case(*whens, output_field=IntegerField()),
        )
        .select_related("customer")
        .order_by(F(_reference_field(filters.basis)).asc(), "id")
    )


def summary_total(*, company: Company, filters: ARFilters) -> Decimal:
    """Σ open balance on `as_of` of the filtered documents."""
    total = open_documents(company=company, filters=filters).aggregate(t=MoneySum("amount"))["t"]
    return total or Decimal(0)


def currencies_in_use(*, company: Company) -> list[str]:
    """Currencies the company's AR documents are in, home currency first.

    A skip scan down the (company, currency, …) index, one probe per currency: a DISTINCT over
    the documents read every one of them (600 ms at 1M documents) for a handful of codes.
    """
    documents = Invoice.objects.filter(company=company)
    types = list(aging.AR_DOC_TYPES)
    marks = ", ".join(["%s"] * len(types))
    table = connections[documents.db].ops.quote_name(Invoice._meta.db_table)
    # The table name is the model's and every value a parameter: nothing here is user text.
    probe = f"SELECT MIN(currency) FROM {table} WHERE company_id = %s AND doc_type IN ({marks})"  # noqa: S608
    sql = (
        f"WITH RECURSIVE found(code) AS ({probe} UNION ALL "  # noqa: S608
        f"SELECT ({probe} AND currency > found.code) FROM found WHERE found.code IS NOT NULL) "
        "SELECT code FROM found WHERE code IS NOT NULL"
    )
    with connections[documents.db].cursor() as cursor:
        cursor.execute(sql, [company.pk, *types, company.pk, *types])
        found = {code for (code,) in cursor.fetchall()}
    found.add(company.home_currency)
    return [company.home_currency, *sorted(found - {company.home_currency})]
