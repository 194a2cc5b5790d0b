"""JSON API: each view parses the common filters, calls one selector, serialises the result.

The four ledger endpoints answer from the answer cache when they can (ar_dashboard/
answer_cache.py): parsing, validation and the access check run first on every request, against
the primary; only the selector calls and serialisation are skipped on a hit.
"""

from __future__ import annotations

import functools
from decimal import Decimal

from django.core.paginator import EmptyPage, Paginator
from django.utils import timezone
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from ar_dashboard import aging, answer_cache, disputes, selectors
from ar_dashboard.access import customer_for_user_or_404
from ar_dashboard.api import serializers as out
from ar_dashboard.filters import (
    MAX_ID,
    ARFilterSerializer,
    parse_filters,
    parse_positive_int,
    read_positive_int,
    resolve_company,
)
from ar_dashboard.money import money_str
from ar_dashboard.pipeline_status import pipeline_status
from ar_dashboard.selectors import UNKNOWN
from config.routers import primary_reads

PAGE_SIZE = 50
MAX_PAGE_SIZE = 500


def _context(company, filters) -> dict:
    return {
        "company": company.pk,
        "currency": filters.currency,
        "as_of": filters.as_of,
        "basis": filters.basis.value,
    }


def _positive_int(params, name: str, default: int, maximum: int) -> int:
    raw = params.get(name, "")
    return default if raw == "" else parse_positive_int(raw, name=name, maximum=maximum)


def page_params(request) -> dict[str, int]:
    """The validated `page_size` and `page` (400 naming the parameter when invalid)."""
    return {
        "page_size": _positive_int(request.query_params, "page_size", PAGE_SIZE, MAX_PAGE_SIZE),
        "page": _positive_int(request.query_params, "page", 1, MAX_ID),
    }


def paginate(request, queryset, paging: dict[str, int]) -> tuple[list, dict]:
    """One page of `queryset` (a COUNT and a LIMIT query) and the page links."""
    size, number = paging["page_size"], paging["page"]
    paginator = Paginator(queryset, size)
    try:
        page = paginator.page(number)
    except EmptyPage:
        raise ValidationError({"page": f"Out of range: there are {paginator.num_pages}."}) from None

    def link(n: int | None) -> str | None:
        if n is None:
            return None
        params = request.query_params.copy()
        params["page"] = n
        return request.build_absolute_uri(f"{request.path}?{params.urlencode()}")

    meta = {
        "count": paginator.count,
        "page": number,
        "page_size": size,
        "next": link(page.next_page_number() if page.has_next() else None),
        "previous": link(page.previous_page_number() if page.has_previous() else None),
    }
    return list(page.object_list), meta


COMMON = [ARFilterSerializer]
PAGING = [
    OpenApiParameter("page", int, description="1-based page number"),
    OpenApiParameter("page_size", int, description=f"Rows per page (≤ {MAX_PAGE_SIZE})"),
]
# What every endpoint may answer besides its success (README, "API"): a bad parameter or body,
# no or bad credentials, a role too low, a company or customer the user may not see, and the
# per-user throttle. One shape per kind: 400 names each bad field, the others carry `detail`.
ERRORS = {
    400: OpenApiResponse(
        out.PARAM_ERRORS, description="A parameter or field is invalid: named in the body."
    ),
    401: OpenApiResponse(out.DetailSerializer, description="Not signed in."),
    403: OpenApiResponse(out.DetailSerializer, description="Not allowed (role too low)."),
    404: OpenApiResponse(out.DetailSerializer, description="No such company or customer."),
    429: OpenApiResponse(
        out.DetailSerializer, description="Too many requests: throttled; Retry-After says when."
    ),
}


def responses(ok) -> dict:
    """A read's answers: 200 with `ok`, or one of the ERRORS."""
    return {200: ok, **ERRORS}


def created(ok) -> dict:
    """A create's answers: 201 with `ok` (never 200), or one of the ERRORS."""
    return {201: ok, **ERRORS}


X_CACHE = OpenApiParameter(
    "X-Cache",
    str,
    OpenApiParameter.HEADER,
    response=[200],
    enum=["hit", "miss"],
    description="hit: served from the answer cache; miss: computed now. Absent when the "
    "cache is off (CACHE_TTL_SECONDS=0).",
)


def parse_request(params, user):
    """`parse_filters` on the primary: access checks see memberships and customers at once."""
    with primary_reads():
        return parse_filters(params, user)


def cached_response(
    request, *, endpoint: str, company, filters, params, compute, finish=None
) -> Response:
    """The answer from the cache or `compute()`, with its X-Cache header; `finish(data)`, when
    given, adds what is read fresh on every request (what the ledger version does not key)."""
    answer = answer_cache.fetch(
        endpoint=endpoint, company=company, filters=filters, params=params, compute=compute
    )
    response = Response(answer.data if finish is None else finish(answer.data))
    if answer.header is not None:
        response["X-Cache"] = answer.header
    return response


def link_base(request) -> str:
    """Scheme, host and path of the page links: part of a paginated answer's key."""
    return request.build_absolute_uri(request.path)


class EmptyMeansDefaultSchema(AutoSchema):
    """Marks every optional query parameter `allowEmptyValue`: `?as_of=` means the default.

    HTML forms submit empty fields, so an empty value is the same as leaving the parameter out;
    the schema says so, and a client (or schemathesis) may rely on it.
    """

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        for parameter in (operation or {}).get("parameters", []):
            if parameter["in"] == "query" and not parameter.get("required"):
                parameter["allowEmptyValue"] = True
        return operation


class ReadView(APIView):
    schema = EmptyMeansDefaultSchema()


class SummaryStatsView(ReadView):
    @extend_schema(parameters=[*COMMON, X_CACHE], responses=responses(out.SummaryStatsSerializer))
    def get(self, request):
        company, filters = parse_request(request.query_params, request.user)

        def compute() -> dict:
            stats = selectors.summary_stats(company=company, filters=filters)
            overdue_pct = None
            if stats.total_ar:
                overdue_pct = (stats.total_overdue / stats.total_ar * 100).quantize(Decimal("0.01"))
            data = {
                **_context(company, filters),
                **stats.__dict__,
                "overdue_percentage": overdue_pct,
                "currencies": selectors.currencies_in_use(company=company),
            }
            ctx = _context(company, filters)
            return out.SummaryStatsSerializer(data, context=ctx).data

        return cached_response(
            request,
            endpoint="summary-stats",
            company=company,
            filters=filters,
            params={},
            compute=compute,
        )


class AgingDistributionView(ReadView):
    @extend_schema(
        parameters=[*COMMON, X_CACHE], responses=responses(out.AgingDistributionSerializer)
    )
    def get(self, request):
        company, filters = parse_request(request.query_params, request.user)

        def compute() -> dict:
            result = selectors.aging_distribution(company=company, filters=filters)
            ctx = _context(company, filters)
            buckets = [
                {
                    "key": b.bucket.key,
                    "label": b.bucket.label,
                    "min_days": b.bucket.min_days,
                    "max_days": b.bucket.max_days,
                    "amount": b.amount,
                    "invoice_count": b.documents,
                }
                for b in result.buckets
            ]
            distribution = {b["label"]: money_str(b["amount"], filters.currency) for b in buckets}
            data = {**ctx, "buckets": buckets, "total": result.total, "distribution": distribution}
            return out.AgingDistributionSerializer(data, context=ctx).data

        return cached_response(
            request,
            endpoint="aging-distribution",
            company=company,
            filters=filters,
            params={},
            compute=compute,
        )


SORT_CHOICES = sorted(selectors.CUSTOMER_SORTS)


class CustomerBreakdownView(ReadView):
    @extend_schema(
        parameters=[
            *COMMON,
            *PAGING,
            OpenApiParameter(
                "sort",
                str,
                description="Sort field, '-' prefix for descending: "
                + ", ".join(SORT_CHOICES)
                + " or a bucket key (default -total_outstanding)",
            ),
            X_CACHE,
        ],
        responses=responses(out.CustomerBreakdownSerializer),
    )
    def get(self, request):
        company, filters = parse_request(request.query_params, request.user)
        sort = request.query_params.get("sort") or "-total_outstanding"
        allowed = set(SORT_CHOICES) | set(company.aging_scheme.keys)
        if sort.removeprefix("-") not in allowed:
            raise ValidationError({"sort": f"Must be one of {', '.join(sorted(allowed))}."})
        paging = page_params(request)

        def compute() -> dict:
            rows = selectors.customer_aging_rows(company=company, filters=filters, sort=sort)
            page, meta = paginate(request, rows, paging)
            scheme = company.aging_scheme
            customers = [
                {
                    "id": row["customer_id"],
                    "customer": row["customer_name"],
                    "total_outstanding": row["total_outstanding"],
                    "overdue": row["overdue"],
                    "invoice_count": row["invoice_count"],
                    "oldest_days_past_due": selectors.customer_days_past_due(row, filters),
                    "buckets": {
                        b.key: money_str(row[f"bucket_{b.index}"], filters.currency)
                        for b in scheme.buckets
                    },
                }
                for row in page
            ]
            ctx = _context(company, filters)
            data = {**ctx, **meta, "customers": customers}
            return out.CustomerBreakdownSerializer(data, context=ctx).data

        return cached_response(
            request,
            endpoint="customer-breakdown",
            company=company,
            filters=filters,
            params={"sort": sort, **paging, "links": link_base(request)},
            compute=compute,
        )


class InvoiceFilterSerializer(ARFilterSerializer):
    customer = None  # named by the path


class InvoiceDetailsView(ReadView):
    @extend_schema(
        parameters=[
            OpenApiParameter(
                "customer_id",
                str,
                OpenApiParameter.PATH,
                description=f"A customer id, or '{UNKNOWN}' for documents with no contact.",
                pattern=f"^([0-9]+|{UNKNOWN})$",
            ),
            InvoiceFilterSerializer,
            *PAGING,
            X_CACHE,
        ],
        responses=responses(out.InvoiceDetailsSerializer),
    )
    def get(self, request, customer_id: str):
        params = request.query_params.copy()
        params["customer"] = customer_id
        name = aging.UNKNOWN_CUSTOMER_LABEL
        if customer_id != UNKNOWN:
            try:
                pk = read_positive_int(customer_id)
            except ValueError as exc:
                message = f"Must be a customer id or '{UNKNOWN}'. {exc}"
                raise ValidationError({"customer_id": message}) from None
            with primary_reads():
                customer = customer_for_user_or_404(request.user, pk)
            params["customer"] = str(pk)
            params.setdefault("company", str(customer.company_id))
            name = customer.name
        company, filters = parse_request(params, request.user)
        paging = page_params(request)

        def compute() -> dict:
            docs = selectors.customer_documents(company=company, filters=filters)
            page, meta = paginate(request, docs, paging)
            labels = {b.index: b for b in company.aging_scheme.buckets}
            invoices = [
                {
                    "id": doc.pk,
                    "external_id": doc.external_id,
                    "invoice_number": doc.number,
                    "doc_type": doc.doc_type,
                    "invoice_date": doc.posted_on,
                    "due_date": doc.due_on,
                    "total_amount": doc.total,
                    "amount_due": doc.amount,
                    "days_overdue": doc.days_past_due,
                    "aging_bucket": labels[doc.bucket_index].label,
                    "aging_bucket_key": labels[doc.bucket_index].key,
                    "status": doc.source_status,
                    "warnings": doc.warnings,
                    **disputes.mark_fields(None),  # marked on every request (_mark_disputes)
                }
                for doc in page
            ]
            ctx = _context(company, filters)
            data = {
                **ctx,
                **meta,
                "customer": name,
                "customer_id": filters.customer if filters.customer != UNKNOWN else None,
                "total_outstanding": selectors.summary_total(company=company, filters=filters),
                "invoices": invoices,
            }
            return out.InvoiceDetailsSerializer(data, context=ctx).data

        return cached_response(
            request,
            endpoint="invoice-details",
            company=company,
            filters=filters,
            params={**paging, "links": link_base(request)},
            compute=compute,
            finish=functools.partial(_mark_disputes, company),
        )


def _mark_disputes(company, data: dict) -> dict:
    """The page's documents with their open dispute, read on every request (one query): a
    dispute is collection work, not a ledger change, so the cached answer cannot hold it."""
    rows = data["invoices"]
    marks = disputes.open_disputes(company=company, invoice_ids=[row["id"] for row in rows])
    marked = []
    for row in rows:
        fields = disputes.mark_fields(marks.get(row["id"]))
        if fields["dispute"] is not None:
            fields["dispute"]["opened_on"] = fields["dispute"]["opened_on"].isoformat()
        marked.append({**row, **fields})
    return {**data, "invoices": marked}


class DagsterStatusView(ReadView):
    @extend_schema(
        parameters=[OpenApiParameter("company", int, description="Company id (optional)")],
        responses=responses(out.PipelineStatusSerializer),
    )
    def get(self, request):
        company = resolve_company(request.user, _company_param(request.query_params))
        status = pipeline_status(company, now=timezone.now())
        return Response(out.PipelineStatusSerializer(status).data)


def _company_param(params) -> int | None:
    raw = params.get("company", "")
    return None if raw == "" else parse_positive_int(raw, name="company")
