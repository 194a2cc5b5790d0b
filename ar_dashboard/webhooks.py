"""Signed Unified.to webhook → a queued incremental sync of that connection.

The request only enqueues (a SyncLog in status `queued`): Dagster's `webhook_sync_sensor` (or
`manage.py sync_ar --queued` where no daemon runs) picks it up, so a burst of deliveries
costs one sync, and the webhook answers within Unified.to's timeout.

Unified.to signs a delivery's `data + nonce` only (connectors/unified/webhooks.py): not its
connection id, and no time. Both gaps are closed here:

- Connection: each connection has its own URL, `/ar/webhooks/unified/<token>/`, the token a
  signature (SECRET_KEY, salted) of the connection id. A delivery whose `webhook.connection_id`
  is not the token's connection is refused (403): a captured delivery cannot be re-aimed at
  another company, and a token cannot be made for a connection without SECRET_KEY.
- Replay: each accepted delivery's `replay_key` is stored (WebhookDelivery, unique), so the
  same delivery again answers 409. Rows are kept WEBHOOK_REPLAY_DAYS (+ a day); a delivery
  whose records' newest `updated_at` is older than WEBHOOK_REPLAY_DAYS (or that has no dated
  record) is refused as stale, so a copy replayed after its row is gone is refused too.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.http import JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from ar_dashboard.models import Company, SyncLog, WebhookDelivery
from connectors.unified.webhooks import (
    MalformedDelivery,
    newest_update,
    parse_delivery,
    replay_key,
    signature_matches,
)

logger = logging.getLogger(__name__)
QUEUE_ATTEMPTS = 3
TOKEN_SALT = "ar_dashboard.webhooks.connection"  # noqa: S105 (a namespace, not a secret)
# Rows outlive the staleness window by this much: a record's `updated_at` written by a source
# whose clock (or time zone handling) runs ahead of ours is still covered.
RETENTION_MARGIN = timedelta(days=1)


def _signer() -> signing.Signer:
    # Keyed with SECRET_KEY (and SECRET_KEY_FALLBACKS while a rotation is under way).
    return signing.Signer(salt=TOKEN_SALT)


def webhook_token(connection_id: str) -> str:
    """The URL token of a connection: `<base64 of its id>:<HMAC>`, URL-safe, the same each time."""
    return _signer().sign_object(connection_id)


def connection_from_token(token: str) -> str | None:
    """The connection id a token names, or None when the token is not one of ours."""
    try:
        connection_id = _signer().unsign_object(token)
    except (signing.BadSignature, ValueError, UnicodeDecodeError):
        return None
    return connection_id if isinstance(connection_id, str) and connection_id else None


def webhook_path(connection_id: str) -> str:
    """The path to register at Unified.to for this connection's webhooks."""
    return reverse(
        "ar_dashboard:unified_webhook", kwargs={"connection_token": webhook_token(connection_id)}
    )


def _refuse(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


@csrf_exempt  # nothing to sign or protect: it only refuses
def retired_unified_webhook(request):
    """The URL every connection shared before per-connection URLs: 410, saying what to use."""
    logger.warning("Webhook refused: delivery to the retired shared URL")
    return _refuse(
        410,
        "This webhook URL is retired: register the connection's own URL, "
        "/ar/webhooks/unified/<token>/ (company settings page, or "
        "`manage.py webhook_url --connection ID`)",
    )


@csrf_exempt  # signed by Unified.to instead: there is no session or CSRF cookie
@require_POST
def unified_webhook(request, connection_token: str):
    """202 queued · 200 no records (nothing to sync) · 400 not a delivery · 403 bad signature,
    another connection's delivery, stale or undated · 404 unknown URL or connection · 409 already
    received."""
    secret = settings.UNIFIED_WEBHOOK_SECRET
    if not secret:
        logger.error("Webhook refused: UNIFIED_WEBHOOK_SECRET is not set")
        return _refuse(403, "Webhook signature cannot be verified")
    url_connection = connection_from_token(connection_token)
    if url_connection is None:
        logger.warning("Webhook refused: unknown URL token")
        return _refuse(404, "Unknown webhook URL")
    try:
        delivery = parse_delivery(request.body)
        signed = signature_matches(delivery, secret)
    except MalformedDelivery as exc:
        logger.warning("Webhook refused: %s", exc)
        return _refuse(400, f"Not a Unified.to webhook delivery: {exc}")
    if not signed:
        return _refuse(403, "Invalid signature")
    connection_id = delivery["webhook"]["connection_id"]
    if connection_id != url_connection:
        logger.warning(
            "Webhook refused: delivery for %r sent to the URL of %r", connection_id, url_connection
        )
        return _refuse(403, "Delivery is for another connection than this URL's")
    company = Company.objects.filter(unified_connection_id=connection_id).first()
    if company is None:
        return _refuse(404, "Unknown connection")
    if not delivery["data"]:
        return JsonResponse({"status": "ignored", "reason": "no records"}, status=200)
    days = settings.WEBHOOK_REPLAY_DAYS
    newest = newest_update(delivery)
    if newest is None:
        logger.warning("Webhook refused for %s: no record carries updated_at", company)
        return _refuse(403, "Delivery cannot be dated: no record carries updated_at")
    now = timezone.now()
    if newest < now - timedelta(days=days):
        logger.warning("Webhook refused for %s: newest record updated %s", company, newest)
        return _refuse(403, f"Delivery is stale: its newest record is older than {days} days")
    with transaction.atomic():
        if not _remember(replay_key(delivery, secret), connection_id, now, days):
            logger.warning("Webhook refused: delivery for %s replayed", company)
            return _refuse(409, "Delivery already received")
        queued = sync_log_queue(company=company)
        if queued is None:
            # Forget the delivery with the rollback: the sender's retry must be accepted.
            transaction.set_rollback(True)
            return _refuse(503, "Could not queue the sync; retry")
    log, created = queued
    logger.info("Webhook for %s: sync %s (%s)", company, log.pk, "queued" if created else "merged")
    return JsonResponse({"status": "queued", "sync_log": log.pk}, status=202)


def _remember(key: str, connection_id: str, now: datetime, days: int) -> bool:
    """Records the delivery; False when it was already recorded (a replay).

    The unique key is the arbiter, so two copies racing in are told apart without a lock.
    Rows received more than `days` (+ RETENTION_MARGIN) ago are dropped: a delivery's records
    were updated before it was received, so a copy of one of those is refused as stale anyway.
    """
    WebhookDelivery.objects.filter(
        received_at__lt=now - timedelta(days=days) - RETENTION_MARGIN
    ).delete()
    try:
        with transaction.atomic():
            WebhookDelivery.objects.create(digest=key, connection_id=connection_id, received_at=now)
    except IntegrityError:
        return False
    return True


def sync_log_queue(
    *, company: Company, trigger: str = SyncLog.Trigger.WEBHOOK, full: bool = False
) -> tuple[SyncLog, bool] | None:
    """The company's one queued sync and whether it is new; None if it could not be had.

    Requests merge into the waiting log; a full request makes it full (a full sync covers an
    incremental one, not the other way round). The queue serves the webhook, "Sync now" and
    the first sync of a newly connected company alike.

    The partial unique constraint `synclog_one_queued` is the arbiter, so concurrent
    deliveries need no lock: each tries to insert, and a loser (IntegrityError, rolled back to
    its savepoint) joins the winner's log. The winner may be claimed by the runner (→ running)
    between our insert and our read, hence a few attempts.
    """
    for _ in range(QUEUE_ATTEMPTS):
        try:
            with transaction.atomic():
                log = SyncLog.objects.create(
                    company=company,
                    status=SyncLog.Status.QUEUED,
                    trigger=trigger,
                    full_sync=full,
                    progress="queued by webhook"
                    if trigger == SyncLog.Trigger.WEBHOOK
                    else "queued: waiting for the sync worker",
                )
            return log, True
        except IntegrityError:
            waiting = SyncLog.objects.filter(company=company, status=SyncLog.Status.QUEUED)
            log = waiting.order_by("pk").first()
            if log is not None:
                if full and not log.full_sync:
                    waiting.filter(pk=log.pk).update(full_sync=True)
                    log.full_sync = True
                return log, False
    logger.error("Webhook for %s: no queued sync after %s attempts", company, QUEUE_ATTEMPTS)
    return None
