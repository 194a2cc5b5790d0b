"""HTML pages: parse the filters, call selectors, render. No arithmetic here."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from rest_framework.exceptions import ValidationError

from ar_dashboard import selectors
from ar_dashboard.access import companies_for_user, membership_for_user_or_404, role_at_least
from ar_dashboard.filters import parse_filters
from ar_dashboard.models import Membership
from config.routers import read_primary_if_replica_behind

HOME_CUSTOMERS = 15


@login_required
def home(request):
    companies = list(companies_for_user(request.user))
    if not companies:
        return render(request, "ar_dashboard/no_company.html", status=200)
    params = request.GET.copy()
    if "company" not in params:
        params["company"] = str(companies[0].pk)
    try:
        company, filters = parse_filters(params, request.user)
    except ValidationError as exc:
        errors = _messages_by_param(exc.detail)
        return render(request, "ar_dashboard/bad_request.html", {"errors": errors}, status=400)
    if company not in companies:  # parse_filters already 404s; belt and braces
        raise PermissionDenied
    # Right after a sync the replica (if any) may still hold the previous load.
    read_primary_if_replica_behind(company)
    context = {
        "companies": companies,
        "company": company,
        "filters": filters,
        "stats": selectors.summary_stats(company=company, filters=filters),
        "distribution": selectors.aging_distribution(company=company, filters=filters),
        "customers": selectors.customer_aging_rows(company=company, filters=filters)[
            :HOME_CUSTOMERS
        ],
        "currencies": selectors.currencies_in_use(company=company),
        "buckets": company.aging_scheme.buckets,
        "role": membership_for_user_or_404(request.user, company).role,
    }
    context["can_sync"] = role_at_least(context["role"], Membership.Role.COLLECTOR)
    return render(request, "ar_dashboard/home.html", context)


def _messages_by_param(detail) -> dict[str, list[str]]:
    """{param: [message, …]} whether DRF gave a message or a list of them per parameter."""
    if not isinstance(detail, dict):
        return {"filters": [str(m) for m in detail] if isinstance(detail, list) else [str(detail)]}
    return {
        name: [str(m) for m in messages] if isinstance(messages, list) else [str(messages)]
        for name, messages in detail.items()
    }
