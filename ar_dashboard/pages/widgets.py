"""`/ar/widgets/`: the drag-and-drop grid, and its layout saved per user and company."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods, require_safe
from rest_framework.exceptions import ValidationError

from ar_dashboard.filters import parse_positive_int, resolve_company
from ar_dashboard.pages.common import filter_query, page_state
from ar_dashboard.selectors import currencies_in_use
from ar_dashboard.services.layouts import dashboard_layout_reset, dashboard_layout_save
from ar_dashboard.widgets import CATALOGUE, dashboard_layout_get

MAX_LAYOUT_BYTES = 20_000
# The analytics endpoints answer for a whole ledger: per-document filters are refused there.
WIDGET_PARAMS = ("company", "as_of", "currency", "basis")


@require_safe
@login_required
def widgets(request):
    state = page_state(request)
    if isinstance(state, HttpResponse):
        return state
    layout, saved = dashboard_layout_get(user=request.user, company=state.company)
    context = {
        **state.context(),
        "layout": layout,
        "saved": saved,
        "catalogue": [
            {"key": w.key, "title": w.title, "endpoint": w.endpoint, "w": w.w, "h": w.h}
            for w in CATALOGUE.values()
        ],
        "api_query": filter_query(state.params, WIDGET_PARAMS),
        "currencies": currencies_in_use(company=state.company),
    }
    return render(request, "ar_dashboard/widgets.html", context)


@login_required
@require_http_methods(["GET", "PUT", "DELETE"])
def widgets_layout(request):
    """GET the layout, PUT {"layout": [...]} to save it, DELETE to reset it (JSON answers)."""
    raw = request.GET.get("company", "")
    try:
        company_id = parse_positive_int(raw, name="company") if raw else None
        company = resolve_company(request.user, company_id)  # 404 for another's company
    except ValidationError as exc:
        return JsonResponse(exc.detail, status=400)
    if request.method == "PUT":
        if len(request.body) > MAX_LAYOUT_BYTES:
            return JsonResponse({"layout": "Too large."}, status=400)
        try:
            layout = dashboard_layout_save(
                user=request.user, company=company, layout=json.loads(request.body)["layout"]
            )
        except (ValueError, KeyError, TypeError) as exc:  # LayoutError is a ValueError
            return JsonResponse({"layout": str(exc)}, status=400)
        return JsonResponse({"layout": layout, "saved": True})
    if request.method == "DELETE":
        dashboard_layout_reset(user=request.user, company=company)
    layout, saved = dashboard_layout_get(user=request.user, company=company)
    return JsonResponse({"layout": layout, "saved": saved})
