"""What every dashboard page does first: the user's companies, the parsed filters, badges."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from rest_framework.exceptions import ValidationError

from ar_dashboard import aging
from ar_dashboard.access import companies_for_user
from ar_dashboard.dates import company_locale, date_display
from ar_dashboard.filters import FILTER_PARAMS, parse_filters, read_positive_int
from ar_dashboard.models import Company, Customer
from ar_dashboard.selectors import CUSTOMER_SORTS, UNKNOWN, ARFilters
from ar_dashboard.templatetags.ar_format import money
from config.routers import read_primary_if_replica_behind


class PageInputError(Exception):
    """A query parameter no page can use; rendered as the 400 page naming it."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.errors = errors


@dataclass
class PageState:
    companies: list[Company]
    company: Company
    filters: ARFilters
    params: QueryDict  # the request's query, company made explicit

    @property
    def locale(self) -> str:
        return company_locale(self.company)

    def context(self) -> dict:
        return {
            "companies": self.companies,
            "company": self.company,
            "filters": self.filters,
            "buckets": self.company.aging_scheme.buckets,
            "query": self.params.urlencode(),
            "filter_query": filter_query(self.params),
            "locale": self.locale,
        }


def page_state(request: HttpRequest) -> PageState | HttpResponse:
    """The parsed page state, the no-company page, or the 400 page naming the bad filter.

    Two queries: the user's companies, then the company asked for (through access.py, so a
    company the user may not see is a 404), plus one when a customer is asked for.
    """
    companies = list(companies_for_user(request.user))
    if not companies:
        return render(request, "ar_dashboard/no_company.html", status=200)
    params = request.GET.copy()
    if params.get("company", "") == "":
        params["company"] = str(companies[0].pk)
    try:
        company, filters = parse_filters(params, request.user)
    except ValidationError as exc:
        return bad_request(request, _messages_by_param(exc.detail))
    # Right after a sync the replica (if any) may still hold the previous load.
    read_primary_if_replica_behind(company)
    return PageState(companies, company, filters, params)


def bad_request(request: HttpRequest, errors: dict[str, list[str]]) -> HttpResponse:
    return render(request, "ar_dashboard/bad_request.html", {"errors": errors}, status=400)


def _messages_by_param(detail) -> dict[str, list[str]]:
    """{param: [message, …]} whether DRF gave a message or a list of them per parameter."""
    if not isinstance(detail, dict):
        return {"filters": [str(m) for m in detail] if isinstance(detail, list) else [str(detail)]}
    return {
        name: [str(m) for m in messages] if isinstance(messages, list) else [str(messages)]
        for name, messages in detail.items()
    }


def filter_query(params: QueryDict, names: tuple[str, ...] = FILTER_PARAMS) -> str:
    """Only the common filters of `params`, URL-encoded (what API calls and exports carry)."""
    kept = QueryDict(mutable=True)
    for name in names:
        values = [v for v in params.getlist(name) if v != ""]
        if values:
            kept.setlist(name, values)
    return kept.urlencode()


def without(params: QueryDict, *names: str) -> str:
    """`params` URL-encoded without `names` (and back on page 1: the rows changed)."""
    kept = params.copy()
    for name in (*names, "page"):
        kept.pop(name, None)
    return kept.urlencode()


def without_bucket(params: QueryDict, filters: ARFilters, key: str) -> str:
    """`params` URL-encoded with every chosen bucket but `key` (repeated `bucket=`), page 1."""
    kept = params.copy()
    kept.pop("page", None)
    kept.setlist("bucket", [k for k in filters.buckets if k != key])
    return kept.urlencode()


def sort_param(params: QueryDict, company: Company, default: str = "-total_outstanding") -> str:
    """The validated `sort` (a column key, '-' for descending), else PageInputError."""
    sort = params.get("sort", "") or default
    allowed = (*CUSTOMER_SORTS, *company.aging_scheme.keys)
    if sort.removeprefix("-") not in allowed:
        raise PageInputError({"sort": [f"Must be one of {', '.join(allowed)}, '-' to reverse."]})
    return sort


def paginate(params: QueryDict, rows, per_page: int) -> Page:
    """Page `page` of `rows` (one COUNT, one LIMIT query), else PageInputError naming `page`."""
    raw = params.get("page", "") or "1"
    try:
        number = read_positive_int(raw)
    except ValueError as exc:
        raise PageInputError({"page": [str(exc)]}) from None
    paginator = Paginator(rows, per_page)
    if number > max(paginator.num_pages, 1):
        raise PageInputError({"page": [f"Out of range: there are {paginator.num_pages}."]})
    return paginator.page(number)


def customer_label(state: PageState) -> str | None:
    """The name of the customer filtered on (one query), for its badge."""
    customer = state.filters.customer
    if customer is None:
        return None
    if customer == UNKNOWN:
        return aging.UNKNOWN_CUSTOMER_LABEL
    name = Customer.objects.filter(pk=customer).values_list("name", flat=True).first()
    return name or str(customer)


def filter_badges(state: PageState, customer_name: str | None) -> list[dict]:
    """One removable badge per filter the user set, one per chosen bucket (a default date,
    basis or currency gets none: removing it would change nothing): its label and the URL
    without it."""
    params, filters, company = state.params, state.filters, state.company
    shown = {
        "as_of": lambda: f"As of {date_display(filters.as_of, state.locale)}",
        "basis": lambda: f"Aged by {filters.basis.value} date",
        "currency": lambda: f"Currency {filters.currency}",
        "min_amount": lambda: f"Balance ≥ {money(filters.min_amount, filters.currency)}",
        "max_amount": lambda: f"Balance ≤ {money(filters.max_amount, filters.currency)}",
        "customer": lambda: f"Customer {customer_name}",
        "name": lambda: f"Name starts with “{filters.name_prefix}”",
        "band": lambda: f"Risk band {filters.band.capitalize()}",
    }
    defaults = {
        "as_of": filters.as_of == filters.today,
        "basis": filters.basis == company.aging_basis,
        "currency": filters.currency == company.home_currency,
    }
    badges = [
        {"param": name, "label": label(), "url": "?" + without(params, name)}
        for name, label in shown.items()
        if params.get(name, "") != "" and not defaults.get(name, False)
    ]
    scheme = company.aging_scheme
    buckets = [
        {
            "param": "bucket",
            "label": f"Bucket {scheme.bucket_by_key(key).label}",
            "url": "?" + without_bucket(params, filters, key),
        }
        for key in filters.buckets
    ]
    head = sum(1 for b in badges if b["param"] in ("as_of", "basis", "currency"))
    return badges[:head] + buckets + badges[head:]


EXPORT_FORMATS = ("csv", "xlsx", "pdf")


def export_links(view: str, query: str) -> list[tuple[str, str]]:
    """(format, URL) of the exports of `view` (`/ar/export/<view>.<fmt>`) with these filters."""
    return [(fmt, f"/ar/export/{view}.{fmt}?{query}") for fmt in EXPORT_FORMATS]
