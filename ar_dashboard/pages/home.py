"""`/ar/`: the morning page — KPI strip, aging summary, top customers, last sync, quick starts."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from ar_dashboard import selectors
from ar_dashboard.access import membership_for_user_or_404, role_at_least
from ar_dashboard.models import Membership
from ar_dashboard.page_reads import sync_state
from ar_dashboard.pages.common import page_state

HOME_CUSTOMERS = 10


@require_safe
@login_required
def home(request):
    state = page_state(request)
    if isinstance(state, HttpResponse):
        return state
    company, filters = state.company, state.filters
    context = {
        **state.context(),
        "stats": selectors.summary_stats(company=company, filters=filters),
        "distribution": selectors.aging_distribution(company=company, filters=filters),
        "customers": selectors.customer_aging_rows(company=company, filters=filters)[
            :HOME_CUSTOMERS
        ],
        "currencies": selectors.currencies_in_use(company=company),
        "sync": sync_state(
            company=company,
            now=timezone.now(),
            stale_after=timedelta(hours=settings.AR_SYNC_STALE_HOURS),
            lease=timedelta(seconds=settings.SYNC_LEASE_SECONDS),
        ),
        "stale_hours": settings.AR_SYNC_STALE_HOURS,
    }
    # "Sync now" is offered to collectors and admins (accounts.views checks it again).
    role = membership_for_user_or_404(request.user, company).role
    context["can_sync"] = role_at_least(role, Membership.Role.COLLECTOR)
    return render(request, "ar_dashboard/home.html", context)
