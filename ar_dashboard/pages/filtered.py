"""`/ar/filtered/`: filters in the URL, removable badges, table and charts updated in place.

A request from htmx (`HX-Request`, not a history restore) gets only the results fragment; a
normal load, a shared link or the back button gets the whole page for the same URL.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from ar_dashboard import selectors
from ar_dashboard.filters import RISK_BANDS
from ar_dashboard.pages.common import (
    PageInputError,
    bad_request,
    customer_label,
    export_links,
    filter_badges,
    filter_query,
    page_state,
    paginate,
    sort_param,
    without,
)

FILTERED_PAGE_SIZE = 25


def is_fragment_request(request) -> bool:
    headers = request.headers
    restoring = headers.get("HX-History-Restore-Request") == "true"
    return headers.get("HX-Request") == "true" and not restoring


@require_safe
@login_required
def filtered(request):
    state = page_state(request)
    if isinstance(state, HttpResponse):
        return state
    company, filters = state.company, state.filters
    try:
        sort = sort_param(state.params, company)
        rows = selectors.customer_aging_rows(company=company, filters=filters, sort=sort)
        page = paginate(state.params, rows, FILTERED_PAGE_SIZE)
    except PageInputError as exc:
        return bad_request(request, exc.errors)
    customer_name = customer_label(state)
    badges = filter_badges(state, customer_name)
    context = {
        **state.context(),
        "page": page,
        "sort": sort,
        "page_query": without(state.params),
        "stats": selectors.summary_stats(company=company, filters=filters),
        "badges": badges,
        "risk_bands": RISK_BANDS,
        "customer_name": customer_name or "",
        "currencies": selectors.currencies_in_use(company=company),
        "exports": export_links("customer-breakdown", f"{filter_query(state.params)}&sort={sort}"),
    }
    if is_fragment_request(request):
        return render(request, "ar_dashboard/filtered_results.html", context)
    return render(request, "ar_dashboard/filtered.html", context)
