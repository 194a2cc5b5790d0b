"""Connecting QuickBooks through Unified.to: the signed `state`, and the company it creates.

The state is `django.core.signing` over a random nonce and the user's id, good for
CONNECT_STATE_MAX_AGE_SECONDS. The nonce is also kept in the user's session and taken out of
it by the callback, so a state works once, and only in the browser session that asked for it:
a callback URL copied into another session (or replayed) is refused.
"""

from __future__ import annotations

import re
import secrets

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction

from accounts.models import CompanyProfile
from accounts.services.audit import audit_record
from ar_dashboard.models import Company, Membership, SyncLog
from ar_dashboard.webhooks import sync_log_queue
from connectors.unified.client import connection_auth_url

SALT = "accounts.connect.state"
SESSION_KEY = "accounts_connect_nonces"
MAX_PENDING = 5  # states a session may hold at once (several tabs)
CONNECTION_ID = re.compile(r"[A-Za-z0-9_.:-]{1,100}")


class ConnectRefused(Exception):
    """The callback cannot be accepted; `str()` says why, in words for the user."""


def connect_state_issue(*, session, user) -> str:
    """A new single-use state for this session and user."""
    nonce = secrets.token_urlsafe(16)
    pending = [n for n in session.get(SESSION_KEY, []) if isinstance(n, str)][-(MAX_PENDING - 1) :]
    session[SESSION_KEY] = [*pending, nonce]
    return signing.dumps({"n": nonce, "u": user.pk}, salt=SALT, compress=True)


def connect_state_consume(*, session, user, state: str) -> None:
    """Accept the state once (ConnectRefused if tampered, expired, replayed or not ours)."""
    try:
        payload = signing.loads(state, salt=SALT, max_age=settings.CONNECT_STATE_MAX_AGE_SECONDS)
    except signing.SignatureExpired:
        _forget(session, _unsigned_nonce(state))
        raise ConnectRefused(
            "This connection link has expired. Start again from “Connect QuickBooks”."
        ) from None
    except signing.BadSignature:
        raise ConnectRefused("This connection link is not valid (it was altered).") from None
    nonce = payload.get("n") if isinstance(payload, dict) else None
    if not isinstance(nonce, str) or nonce not in session.get(SESSION_KEY, []):
        raise ConnectRefused(
            "This connection link was already used, or was started in another browser session."
        )
    _forget(session, nonce)
    if payload.get("u") != user.pk:
        raise ConnectRefused("This connection link was started by another user.")


def _unsigned_nonce(state: str) -> str | None:
    try:
        payload = signing.loads(state, salt=SALT, max_age=None)
    except signing.BadSignature:
        return None
    return payload.get("n") if isinstance(payload, dict) else None


def _forget(session, nonce: str | None) -> None:
    pending = session.get(SESSION_KEY, [])
    if nonce in pending:
        session[SESSION_KEY] = [n for n in pending if n != nonce]


def authorization_url(*, state: str, success_redirect: str, failure_redirect: str) -> str:
    """Unified.to's hosted authorization for our workspace and QuickBooks, with the state."""
    return connection_auth_url(
        workspace_id=settings.UNIFIED_WORKSPACE_ID,
        integration_type=settings.UNIFIED_INTEGRATION,
        success_redirect=success_redirect,
        failure_redirect=failure_redirect,
        state=state,
        base_url=settings.UNIFIED_BASE_URL,
    )


def company_connect(*, user, connection_id: str) -> tuple[Company, SyncLog]:
    """A new company for the connection, the user its admin, its first full sync queued.

    One transaction: refused (ConnectRefused) and nothing written when another company already
    holds the connection.
    """
    if not CONNECTION_ID.fullmatch(connection_id or ""):
        raise ConnectRefused("Unified.to did not return a usable connection id.")
    try:
        with transaction.atomic():
            if Company.objects.filter(unified_connection_id=connection_id).exists():
                raise ConnectRefused("This QuickBooks connection already belongs to a company.")
            company = Company(
                unified_connection_id=connection_id, name=f"QuickBooks {connection_id}"[:200]
            )
            company.full_clean()
            company.save()
            Membership.objects.create(user=user, company=company, role=Membership.Role.ADMIN)
            CompanyProfile.objects.create(company=company)
            audit_record(
                company=company, user=user, action="connection.connected", new=connection_id
            )
            queued = sync_log_queue(company=company, trigger=SyncLog.Trigger.MANUAL, full=True)
            if queued is None:  # pragma: no cover - a fresh company has no queued log
                raise ConnectRefused("The first sync could not be queued; try again.")
    except IntegrityError:  # a concurrent callback took the connection first
        raise ConnectRefused("This QuickBooks connection already belongs to a company.") from None
    return company, queued[0]


FAILURE_MESSAGES = (
    ("access_denied", "You cancelled the connection at QuickBooks, so nothing was connected."),
    ("cancel", "You cancelled the connection at QuickBooks, so nothing was connected."),
    ("denied", "QuickBooks refused the connection (access was denied)."),
    ("expired", "The authorization took too long and expired. Please try again."),
    (
        "scope",
        "QuickBooks did not grant the permissions the dashboard needs (read access to "
        "customers, invoices, credit memos and payments).",
    ),
)


def failure_message(error: str) -> str:
    """Unified.to's `error` in words a finance user understands (the raw text kept after)."""
    lowered = error.lower()
    for marker, message in FAILURE_MESSAGES:
        if marker in lowered:
            return message
    return "QuickBooks could not be connected. Please try again, or ask your administrator."
