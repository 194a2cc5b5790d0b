"""POST /ar/webhooks/unified/: signed deliveries queue one sync; anything else is refused."""

import json

import pytest

from ar_dashboard.models import SyncLog
from connectors.unified.webhooks import webhook_delivery

URL = "/ar/webhooks/unified/"
SECRET = "whsec-test"
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _secret(settings):
    settings.UNIFIED_WEBHOOK_SECRET = SECRET


def post(client, body):
    return client.post(URL, data=json.dumps(body), content_type="application/json")


def delivery(connection_id, secret=SECRET):
    records = [{"id": "inv_1", "total_amount": 10}]
    return webhook_delivery(
        records, connection_id=connection_id, object_type="invoice", secret=secret
    )


def test_signed_delivery_queues_an_incremental_sync(client, company_a):
    response = post(client, delivery(company_a.unified_connection_id))
    assert response.status_code == 202
    log = SyncLog.objects.get(company=company_a)
    assert response.json() == {"status": "queued", "sync_log": log.pk}
    assert (log.status, log.trigger, log.full_sync) == ("queued", "webhook", False)


def test_a_burst_of_deliveries_queues_one_sync(client, company_a):
    for _ in range(3):
        assert post(client, delivery(company_a.unified_connection_id)).status_code == 202
    assert SyncLog.objects.filter(company=company_a).count() == 1


def test_wrong_signature_is_refused(client, company_a):
    response = post(client, delivery(company_a.unified_connection_id, secret="not-the-secret"))
    assert response.status_code == 403
    assert not SyncLog.objects.exists()


def test_tampered_data_is_refused(client, company_a):
    body = delivery(company_a.unified_connection_id)
    body["data"][0]["total_amount"] = 1_000_000
    assert post(client, body).status_code == 403


def test_missing_signature_is_refused(client, company_a):
    body = delivery(company_a.unified_connection_id)
    del body["sig"]
    assert post(client, body).status_code == 403


def test_not_json_is_refused(client):
    response = client.post(URL, data=b"hello", content_type="text/plain")
    assert response.status_code == 403


def test_unknown_connection_is_404(client, company_a):
    response = post(client, delivery("conn_nobody_knows"))
    assert response.status_code == 404
    assert response.json() == {"error": "Unknown connection"}


def test_without_a_configured_secret_everything_is_refused(client, company_a, settings):
    settings.UNIFIED_WEBHOOK_SECRET = ""
    assert post(client, delivery(company_a.unified_connection_id)).status_code == 403


def test_get_is_not_allowed(client):
    assert client.get(URL).status_code == 405
