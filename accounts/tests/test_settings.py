"""Company settings: validation with messages naming the field, audit log, the aging preview."""

import io
from datetime import UTC, datetime

import pytest
import time_machine
from dagster import build_schedule_context
from PIL import Image

from accounts.models import AuditEntry, CompanyProfile
from ar_dashboard.models import Company
from ar_dashboard.webhooks import connection_from_token, webhook_token
from etl.definitions import defs
from etl.resources import DjangoResource

NOW = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)


def valid(company, **changes) -> dict:
    form = {
        "company": company.pk,
        "name": company.name,
        "home_currency": company.home_currency,
        "timezone": company.timezone,
        "fiscal_year_start_month": 1,
        "aging_widths": "30, 30, 30, 30",
        "aging_basis": "due",
        "remit_to": "",
        "sync_schedule_enabled": "on",
    }
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


def test_the_page_shows_the_current_settings(client, alice, company_a):
    client.force_login(alice)
    page = client.get("/ar/settings/", {"company": company_a.pk})
    assert page.status_code == 200
    text = page.content.decode()
    assert 'value="Acme Supplies"' in text and 'value="30, 30, 30, 30"' in text


def test_admins_see_the_connections_webhook_url(client, alice, company_a):
    client.force_login(alice)
    page = client.get("/ar/settings/", {"company": company_a.pk})
    token = webhook_token(company_a.unified_connection_id)
    expected = f"http://testserver/ar/webhooks/unified/{token}/"
    assert f'<code id="webhook-url" class="d-block text-break">{expected}</code>' in page.text
    assert connection_from_token(token) == company_a.unified_connection_id


def test_no_webhook_url_without_a_connection(client, alice, company_a):
    Company.objects.filter(pk=company_a.pk).update(unified_connection_id=None)
    client.force_login(alice)
    page = client.get("/ar/settings/", {"company": company_a.pk})
    assert page.status_code == 200
    assert 'id="webhook-url"' not in page.text


def test_a_viewer_or_collector_cannot_open_settings(client, bob, carol, company_a):
    for user in (bob, carol):
        client.force_login(user)
        assert client.get("/ar/settings/", {"company": company_a.pk}).status_code == 403
        assert client.post("/ar/settings/", valid(company_a, name="Hacked")).status_code == 403
    company_a.refresh_from_db()
    assert company_a.name == "Acme Supplies"


def test_an_outsider_gets_404(client, charlie, company_a):
    client.force_login(charlie)
    assert client.get("/ar/settings/", {"company": company_a.pk}).status_code == 404


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "   ", "This field is required."),
        ("home_currency", "XYZ", "is not an ISO 4217 currency code"),
        ("timezone", "Mars/Olympus", "is not an IANA time zone"),
        ("fiscal_year_start_month", "13", "Select a valid choice"),
        ("aging_widths", "30, x", "whole number of days"),
        ("aging_widths", "30, 0", "whole number of days, at least 1"),
        ("aging_widths", "10,10,10,10,10,10", "At most 5 past-due periods"),
        ("aging_widths", "3000, 3000", "at most 3650 days"),
        ("aging_basis", "sideways", "Select a valid choice"),
    ],
)
def test_invalid_settings_are_refused_with_a_message(
    client, alice, company_a, field, value, message
):
    client.force_login(alice)
    answer = client.post("/ar/settings/", valid(company_a, **{field: value}))
    assert answer.status_code == 400
    text = answer.content.decode().replace("&#x27;", "'")
    assert f'data-field="{field}"' in text and message in text
    assert not AuditEntry.objects.exists()


def test_saving_writes_each_change_to_the_audit_log(client, alice, company_a):
    """Widths 15, 15, 30 → edges 15, 30, 60; three fields change, three entries (old → new)."""
    client.force_login(alice)
    with time_machine.travel(NOW, tick=False):
        answer = client.post(
            "/ar/settings/",
            valid(company_a, name="Acme Ltd", aging_widths="15, 15, 30", fiscal_year_start_month=4),
        )
    assert answer.status_code == 302
    company_a.refresh_from_db()
    assert company_a.name == "Acme Ltd" and company_a.aging_edges == [15, 30, 60]
    assert CompanyProfile.objects.get(company=company_a).fiscal_year_start_month == 4
    entries = {
        e.field: (e.actor, e.at, e.old, e.new) for e in AuditEntry.objects.filter(company=company_a)
    }
    assert entries == {
        "name": ("alice", NOW, "Acme Supplies", "Acme Ltd"),
        "aging_edges": ("alice", NOW, "30, 60, 90, 120", "15, 30, 60"),
        "fiscal_year_start_month": ("alice", NOW, "1", "4"),
    }
    page = client.get("/ar/settings/", {"company": company_a.pk}).content.decode()
    assert "Acme Supplies</td><td>Acme Ltd" in page


def test_saving_without_changes_writes_nothing(client, alice, company_a):
    client.force_login(alice)
    client.post("/ar/settings/", valid(company_a))
    assert not AuditEntry.objects.exists()


def test_sync_schedule_off_and_remit_to(client, alice, company_a):
    client.force_login(alice)
    client.post(
        "/ar/settings/",
        valid(company_a, sync_schedule_enabled=None, remit_to="Acme\n1 Main St"),
    )
    profile = CompanyProfile.objects.get(company=company_a)
    company_a.refresh_from_db()
    assert profile.sync_schedule_enabled is False
    assert company_a.remit_to == "Acme\n1 Main St"
    assert AuditEntry.objects.get(field="sync_schedule_enabled").new == "off"


def test_the_schedule_skips_a_company_whose_schedule_is_off(company_a, company_b):
    CompanyProfile.objects.create(company=company_a, sync_schedule_enabled=False)
    schedule = defs.resolve_schedule_def("ar_every_4_hours")
    with build_schedule_context(
        scheduled_execution_time=NOW, resources={"django": DjangoResource()}
    ) as context:
        requests = list(schedule(context))
    assert [r.tags["company_id"] for r in requests] == [str(company_b.pk)]


def test_a_logo_upload_is_kept(client, alice, company_a, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    image = io.BytesIO()
    Image.new("RGB", (4, 2), "navy").save(image, format="PNG")
    png = image.getvalue()
    client.force_login(alice)
    data = valid(company_a)
    data["logo"] = SimpleUploadedFile("logo.png", png, content_type="image/png")
    assert client.post("/ar/settings/", data).status_code == 302
    profile = CompanyProfile.objects.get(company=company_a)
    assert profile.logo.name.startswith("logos/logo")
    assert AuditEntry.objects.get(field="logo").new.startswith("logo")


def test_not_an_image_is_refused(client, alice, company_a):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(alice)
    data = valid(company_a)
    data["logo"] = SimpleUploadedFile("logo.png", b"not a png", content_type="image/png")
    answer = client.post("/ar/settings/", data)
    assert answer.status_code == 400 and 'data-field="logo"' in answer.content.decode()


def test_aging_preview(api):
    answer = api.get("/ar/api/aging-preview/", {"widths": "15,15,30"})
    assert answer.status_code == 200
    assert answer.json()["edges"] == [15, 30, 60]
    assert [b["label"] for b in answer.json()["buckets"]] == [
        "Current",
        "1-15",
        "16-30",
        "31-60",
        "60+",
    ]


def test_aging_preview_names_the_bad_param(api):
    answer = api.get("/ar/api/aging-preview/", {"widths": "15,-1"})
    assert answer.status_code == 400
    assert list(answer.json()) == ["widths"]


def test_company_row_is_validated_like_the_model(client, alice, company_a):
    client.force_login(alice)
    client.post("/ar/settings/", valid(company_a, home_currency="eur", timezone="Europe/Paris"))
    company = Company.objects.get(pk=company_a.pk)
    assert (company.home_currency, company.timezone) == ("EUR", "Europe/Paris")
