"""Company settings (admins): the form, the aging preview, disconnect, delete, the audit log."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.forms import (
    DeleteForm,
    SettingsForm,
    edges_from_widths,
    parse_widths,
    widths_from_edges,
)
from accounts.selectors import audit_entries, company_profile
from accounts.serializers import AgingPreviewSerializer
from accounts.services.company_data import (
    CompanyDataError,
    company_data_delete,
    company_disconnect,
)
from accounts.services.company_settings import company_settings_update
from accounts.views.common import BadParam, bad_request, company_from_request
from ar_dashboard import aging
from ar_dashboard.api.views import responses
from ar_dashboard.models import Company, Membership
from ar_dashboard.webhooks import webhook_path

ADMIN = Membership.Role.ADMIN


def _initial(company: Company) -> dict:
    profile = company_profile(company=company)
    return {
        "name": company.name,
        "home_currency": company.home_currency,
        "timezone": company.timezone,
        "fiscal_year_start_month": profile.fiscal_year_start_month,
        "aging_widths": ", ".join(str(w) for w in widths_from_edges(company.aging_edges)),
        "aging_basis": company.aging_basis,
        "remit_to": company.remit_to,
        "sync_schedule_enabled": profile.sync_schedule_enabled,
    }


def _page(request, company: Company, form: SettingsForm, status: int = 200):
    context = {
        "company": company,
        "form": form,
        "profile": company_profile(company=company),
        "audit": audit_entries(company=company),
        "delete_form": DeleteForm(),
        "webhook_url": request.build_absolute_uri(webhook_path(company.unified_connection_id))
        if company.unified_connection_id
        else "",
    }
    return render(request, "accounts/settings.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def settings_page(request):
    try:
        company = company_from_request(request, ADMIN)
    except BadParam as exc:
        return bad_request(request, {exc.name: [exc.message]})
    if request.method != "POST":
        return _page(request, company, SettingsForm(initial=_initial(company)))
    form = SettingsForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, company, form, status=400)
    changed = company_settings_update(company=company, user=request.user, values=form.values())
    messages.success(request, f"Saved: {', '.join(changed)}." if changed else "Nothing changed.")
    return redirect(f"{reverse('accounts:settings')}?company={company.pk}")


@require_POST
@login_required
def disconnect(request):
    try:
        company = company_from_request(request, ADMIN)
    except BadParam as exc:
        return bad_request(request, {exc.name: [exc.message]})
    try:
        company_disconnect(company=company, user=request.user)
    except CompanyDataError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Disconnected from QuickBooks: no more syncs will run.")
    return redirect(f"{reverse('accounts:settings')}?company={company.pk}")


@require_POST
@login_required
def delete_data(request):
    try:
        company = company_from_request(request, ADMIN)
    except BadParam as exc:
        return bad_request(request, {exc.name: [exc.message]})
    form = DeleteForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Type the company name to confirm.")
        return redirect(f"{reverse('accounts:settings')}?company={company.pk}")
    name = company.name
    try:
        removed = company_data_delete(
            company=company, user=request.user, confirmation=form.cleaned_data["confirmation"]
        )
    except CompanyDataError as exc:
        messages.error(request, str(exc))
        return redirect(f"{reverse('accounts:settings')}?company={company.pk}")
    return render(request, "accounts/deleted.html", {"name": name, "removed": removed})


class AgingPreviewView(APIView):
    """GET /ar/api/aging-preview/?widths=30,30,30: the buckets that scheme makes (any user)."""

    @extend_schema(
        parameters=[OpenApiParameter("widths", str, description="Period widths, e.g. 30,30,30")],
        responses=responses(AgingPreviewSerializer),
    )
    def get(self, request):
        try:
            widths = parse_widths(request.query_params.get("widths", ""))
        except ValidationError as exc:
            return Response({"widths": exc.messages}, status=400)
        edges = edges_from_widths(widths)
        buckets = [
            {"key": b.key, "label": b.label, "min_days": b.min_days, "max_days": b.max_days}
            for b in aging.AgingScheme.from_edges(edges).buckets
        ]
        return Response({"edges": edges, "buckets": buckets})
