"""`/ar/report/`: the A/R Aging Summary (customers × buckets, totals that reconcile) and a
customer's drill-down: its open documents on the report date with what was applied to them."""

from __future__ import annotations

from dataclasses import replace

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from ar_dashboard import aging, disputes, selectors
from ar_dashboard.access import customer_for_user_or_404
from ar_dashboard.filters import read_positive_int
from ar_dashboard.page_reads import document_applications
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
from ar_dashboard.selectors import UNKNOWN

REPORT_PAGE_SIZE = 50
DOCUMENTS_PAGE_SIZE = 100


@require_safe
@login_required
def report(request):
    state = page_state(request)
    if isinstance(state, HttpResponse):
        return state
    company, filters = state.company, state.filters
    try:
        sort = sort_param(state.params, company)
        rows = selectors.customer_aging_rows(company=company, filters=filters, sort=sort)
        page = paginate(state.params, rows, REPORT_PAGE_SIZE)
    except PageInputError as exc:
        return bad_request(request, exc.errors)
    context = {
        **state.context(),
        "page": page,
        "sort": sort,
        "unsorted_query": without(state.params, "sort"),
        "page_query": without(state.params),
        "totals": selectors.aging_distribution(company=company, filters=filters),
        "badges": filter_badges(state, customer_label(state)),
        "exports": export_links("aging-summary", filter_query(state.params)),
    }
    return render(request, "ar_dashboard/report.html", context)


@require_safe
@login_required
def customer_detail(request, customer_id: str):
    """The documents behind one report row (the report's filters, this customer)."""
    state = page_state(request)
    if isinstance(state, HttpResponse):
        return state
    company = state.company
    found = None
    if customer_id == UNKNOWN:
        customer, name = UNKNOWN, aging.UNKNOWN_CUSTOMER_LABEL
    else:
        try:
            pk = read_positive_int(customer_id)
        except ValueError as exc:
            return bad_request(request, {"customer_id": [f"Must be an id or 'unknown'. {exc}"]})
        found = customer_for_user_or_404(request.user, pk, company)
        customer, name = found.pk, found.name
    filters = replace(state.filters, customer=customer)
    documents = selectors.customer_documents(company=company, filters=filters)
    try:
        page = paginate(state.params, documents, DOCUMENTS_PAGE_SIZE)
    except PageInputError as exc:
        return bad_request(request, exc.errors)
    ids = [d.pk for d in page]
    applied = document_applications(company=company, document_ids=ids, as_of=filters.as_of)
    marks = disputes.open_disputes(company=company, invoice_ids=ids)
    context = {
        **state.context(),
        "customer_name": name,
        "customer_obj": found,  # the collections panel (ar_collections) reads it
        "documents": [(d, applied.get(d.pk, []), marks.get(d.pk)) for d in page],
        "page": page,
        "stats": selectors.summary_stats(company=company, filters=filters),
        "back_query": state.params.get("back", ""),
        "page_query": without(state.params),
        "exports": export_links(
            "aging-detail", f"{filter_query(state.params)}&customer={customer_id}"
        ),
    }
    return render(request, "ar_dashboard/customer_detail.html", context)
