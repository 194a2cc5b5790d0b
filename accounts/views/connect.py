"""Connect QuickBooks: /ar/connect/ → Unified.to → /ar/connect/success/ (or failure/)."""

from __future__ import annotations

import contextlib
import logging

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.services.connect import (
    ConnectRefused,
    authorization_url,
    company_connect,
    connect_state_consume,
    connect_state_issue,
    failure_message,
)

logger = logging.getLogger(__name__)


def _refused(request, message: str, status: int = 400):
    return render(request, "accounts/connect_refused.html", {"message": message}, status=status)


@never_cache
@require_GET
@login_required
def connect_start(request):
    """302 to Unified.to's hosted authorization, with a fresh single-use state."""
    if not settings.UNIFIED_WORKSPACE_ID:
        return _refused(
            request,
            "Connecting is not set up on this server (UNIFIED_WORKSPACE_ID is empty). "
            "Ask your administrator.",
            status=503,
        )
    state = connect_state_issue(session=request.session, user=request.user)
    url = authorization_url(
        state=state,
        success_redirect=request.build_absolute_uri(reverse("accounts:connect_success")),
        failure_redirect=request.build_absolute_uri(reverse("accounts:connect_failure")),
    )
    return redirect(url)


@never_cache
@require_GET
@login_required
def connect_success(request):
    """Check the state, create the company with its first sync queued, show the progress."""
    try:
        connect_state_consume(
            session=request.session, user=request.user, state=request.GET.get("state", "")
        )
        company, log = company_connect(user=request.user, connection_id=request.GET.get("id", ""))
    except ConnectRefused as exc:
        logger.warning("connect callback refused for %s: %s", request.user, exc)
        return _refused(request, str(exc))
    logger.info(
        "%s connected %s (company %s)", request.user, company.unified_connection_id, company.pk
    )
    return redirect("accounts:sync_page", sync_log_id=log.pk)


@never_cache
@require_GET
@login_required
def connect_failure(request):
    """Unified.to's `error`, said plainly; the state is spent either way."""
    # A bad state changes nothing here: the page says the same, nothing was connected.
    with contextlib.suppress(ConnectRefused):
        connect_state_consume(
            session=request.session, user=request.user, state=request.GET.get("state", "")
        )
    error = request.GET.get("error", "")[:500]
    context = {"message": failure_message(error), "detail": error}
    return render(request, "accounts/connect_failed.html", context)
