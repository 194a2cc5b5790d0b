"""Signed Unified.to webhook → a queued incremental sync of that connection.

The request only enqueues (a SyncLog in status `queued`): Dagster's `webhook_sync_sensor` (or
`manage.py sync_ar --queued` where no daemon runs) picks it up, so a burst of deliveries
costs one sync, and the webhook answers within Unified.to's timeout.
"""

import json
import logging

from django.conf import settings
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from ar_dashboard.models import Company, SyncLog
from connectors.unified.webhooks import verify_webhook_signature

logger = logging.getLogger(__name__)


def _refuse(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


@csrf_exempt  # signed by Unified.to instead: there is no session or CSRF cookie
@require_POST
def unified_webhook(request):
    secret = settings.UNIFIED_WEBHOOK_SECRET
    if not secret:
        logger.error("Webhook refused: UNIFIED_WEBHOOK_SECRET is not set")
        return _refuse(403, "Webhook signature cannot be verified")
    if not verify_webhook_signature(request.body, secret):
        return _refuse(403, "Invalid or missing signature")
    body = json.loads(request.body)  # verify_webhook_signature has parsed it already
    webhook = body.get("webhook") if isinstance(body.get("webhook"), dict) else {}
    connection_id = str(webhook.get("connection_id") or "")
    company = Company.objects.filter(unified_connection_id=connection_id).first()
    if not connection_id or company is None:
        return _refuse(404, "Unknown connection")
    log, created = SyncLog.objects.get_or_create(
        company=company,
        status=SyncLog.Status.QUEUED,
        defaults={"trigger": SyncLog.Trigger.WEBHOOK, "progress": "queued by webhook"},
    )
    logger.info("Webhook for %s: sync %s (%s)", company, log.pk, "queued" if created else "merged")
    return JsonResponse({"status": "queued", "sync_log": log.pk}, status=202)
