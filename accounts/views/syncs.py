"""Sync now, the progress page and its JSON."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import sync_log_for_user_or_404, sync_progress
from accounts.serializers import SyncProgressSerializer
from accounts.services.sync_requests import SyncUnavailable, sync_now_request
from accounts.views.common import BadParam, bad_request, company_from_request
from ar_dashboard.api.views import responses
from ar_dashboard.filters import read_positive_int
from ar_dashboard.models import Membership


@require_POST
@login_required
def sync_now(request):
    """Queue a sync (collectors and admins) and watch it."""
    try:
        company = company_from_request(request, Membership.Role.COLLECTOR)
    except BadParam as exc:
        return bad_request(request, {exc.name: [exc.message]})
    try:
        log = sync_now_request(company=company, user=request.user)
    except SyncUnavailable as exc:
        messages.error(request, str(exc))
        return redirect("ar_dashboard:home")
    return redirect("accounts:sync_page", sync_log_id=log.pk)


@require_safe
@login_required
def sync_page(request, sync_log_id: int):
    log = sync_log_for_user_or_404(request.user, sync_log_id)
    context = {
        "log": log,
        "company": log.company,
        "progress": sync_progress(log=log, now=timezone.now()),
    }
    return render(request, "accounts/sync_progress.html", context)


class SyncProgressView(APIView):
    """GET /ar/api/syncs/<id>/: a sync's step, counts, rejected records and elapsed seconds."""

    @extend_schema(responses=responses(SyncProgressSerializer))
    def get(self, request, sync_log_id: str):
        try:
            pk = read_positive_int(sync_log_id)
        except ValueError:
            raise Http404("No such sync") from None
        log = sync_log_for_user_or_404(request.user, pk)
        return Response(sync_progress(log=log, now=timezone.now()))
