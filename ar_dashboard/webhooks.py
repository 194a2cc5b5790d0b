"""Signed Unified.to webhook → a queued incremental sync of that connection.

The request only enqueues (a SyncLog in status `queued`): Dagster's `webhook_sync_sensor` (or
`manage.py sync_ar --queued` where no daemon runs) picks it up, so a burst of deliveries
costs one sync, and the webhook answers within Unified.to's timeout.

A delivery must be signed over its connection id and a timestamp (connectors/unified/
webhooks.py), no older than WEBHOOK_TOLERANCE_SECONDS, and new: each accepted signature is
stored (WebhookDelivery, unique), so a captured delivery replayed answers 409 and queues
nothing.
"""

import logging
import time
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from ar_dashboard.models import Company, SyncLog, WebhookDelivery
from connectors.unified.webhooks import (
    MalformedDelivery,
    delivery_digest,
    parse_delivery,
    timestamp_is_fresh,
)

logger = logging.getLogger(__name__)
QUEUE_ATTEMPTS = 3


def _refuse(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


@csrf_exempt  # signed by Unified.to instead: there is no session or CSRF cookie
@require_POST
def unified_webhook(request):
    """202 queued · 400 not a delivery · 403 bad signature or stale · 404 unknown connection ·
    409 already received."""
    secret = settings.UNIFIED_WEBHOOK_SECRET
    if not secret:
        logger.error("Webhook refused: UNIFIED_WEBHOOK_SECRET is not set")
        return _refuse(403, "Webhook signature cannot be verified")
    try:
        delivery = parse_delivery(request.body)
        digest = delivery_digest(delivery, secret)
    except MalformedDelivery as exc:
        logger.warning("Webhook refused: %s", exc)
        return _refuse(400, f"Not a Unified.to webhook delivery: {exc}")
    if digest is None:
        return _refuse(403, "Invalid signature")
    tolerance = settings.WEBHOOK_TOLERANCE_SECONDS
    if not timestamp_is_fresh(delivery, tolerance, time.time()):
        logger.warning("Webhook refused: timestamp %s is stale", delivery["timestamp"])
        return _refuse(403, f"Delivery timestamp is more than {tolerance} s from now")
    connection_id = delivery["webhook"]["connection_id"]
    company = Company.objects.filter(unified_connection_id=connection_id).first()
    if company is None:
        return _refuse(404, "Unknown connection")
    with transaction.atomic():
        if not _remember(digest.hex(), connection_id, tolerance):
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


def _remember(digest: str, connection_id: str, tolerance: int) -> bool:
    """Records the delivery; False when it was already recorded (a replay).

    The unique digest is the arbiter, so two copies racing in are told apart without a lock.
    Rows past twice the window are dropped: their copies are refused as stale anyway.
    """
    now = timezone.now()
    WebhookDelivery.objects.filter(received_at__lt=now - timedelta(seconds=2 * tolerance)).delete()
    try:
        with transaction.atomic():
            WebhookDelivery.objects.create(
                digest=digest, connection_id=connection_id, received_at=now
            )
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
