"""The collections pages: worklist (HTML, CSV), customer page, reminder preview and send."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.test import Client

from ar_collections.models import Activity, Dispute, Promise, ReminderMessage


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_worklist_page_needs_login(ledger):
    answer = Client().get("/ar/collections/")
    assert answer.status_code == 302 and "/accounts/login/" in answer["Location"]


@pytest.mark.usefixtures("no_risk_bands")
def test_worklist_page_lists_ranked_customers(ledger, bob):
    """Globex 1750.00, Hooli 2000.00, Umbrella 900.00, Initech 2000.00 (no promises here):
    Hooli and Initech tie at 2000.00 (by name), then Globex, Umbrella."""
    page = login(bob).get("/ar/collections/", {"as_of": "2026-06-30"})
    assert page.status_code == 200
    html = page.content.decode()
    order = [html.index(name) for name in ("Hooli", "Initech", "Globex", "Umbrella")]
    assert order == sorted(order)
    assert "Stark" not in html


@pytest.mark.usefixtures("no_risk_bands")
def test_worklist_csv_export(ledger, bob):
    answer = login(bob).get("/ar/collections/", {"as_of": "2026-06-30", "format": "csv"})
    assert answer["Content-Type"].startswith("text/csv")
    lines = answer.content.decode().splitlines()
    assert lines[0].startswith("Rank,Customer,Priority,Next action,Risk band,Collector,Open (USD)")
    assert lines[1] == "1,Hooli,2000.00,Call (no email address on file),,,2000.00,2000.00,5,,,,0"
    assert len(lines) == 5


@pytest.mark.usefixtures("no_risk_bands")
def test_worklist_xlsx_export(ledger, bob):
    import io

    import openpyxl

    answer = login(bob).get("/ar/collections/", {"as_of": "2026-06-30", "format": "xlsx"})
    assert answer["Content-Disposition"].endswith('worklist-2026-06-30-USD.xlsx"')
    sheet = openpyxl.load_workbook(io.BytesIO(answer.content))["Worklist"]
    rows = list(sheet.iter_rows(min_row=2, max_row=5, values_only=True))
    assert [(r[1], r[2], r[7]) for r in rows] == [
        ("Hooli", "2000.00", 2000),
        ("Initech", "2000.00", 800),
        ("Globex", "1750.00", 1500),
        ("Umbrella", "900.00", 300),
    ]


def test_worklist_page_bad_param_is_400(ledger, bob):
    answer = login(bob).get("/ar/collections/", {"band": "purple"})
    assert answer.status_code == 400 and b"band" in answer.content


def test_customer_page_marks_a_disputed_invoice(ledger, alice, bob, charlie):
    Dispute.objects.create(
        company=ledger.company,
        customer=ledger.globex,
        invoice=ledger.docs.g2,
        activity=Activity.objects.create(
            company=ledger.company,
            customer=ledger.globex,
            kind="dispute",
            body="Disputed G-2",
            occurred_on=date(2026, 6, 1),
        ),
        reason="Wrong price",
        opened_on=date(2026, 6, 1),
    )
    url = f"/ar/collections/customers/{ledger.globex.pk}/"
    html = login(bob).get(url).content.decode()
    assert "in dispute" in html and "Wrong price" in html
    assert login(charlie).get(url).status_code == 404


def test_forms_write_for_a_collector_and_403_for_a_viewer(ledger, carol, bob, pinned_today):
    base = f"/ar/collections/customers/{ledger.globex.pk}/"
    note = {"kind": "note", "body": "Asked for remittance"}
    promise = {"amount": "1500.00", "promised_on": "2026-07-07", "invoices": [ledger.docs.g1.pk]}
    assert login(bob).post(base + "activity/", note).status_code == 403
    assert login(bob).post(base + "promise/", promise).status_code == 403
    collector = login(carol)
    assert collector.post(base + "activity/", note).status_code == 302
    answer = collector.post(base + "promise/", promise, follow=True)
    assert "Promise of 1500 USD by 2026-07-07 recorded for Globex." in answer.content.decode()
    made = Promise.objects.get()
    assert list(made.invoices.all()) == [ledger.docs.g1]
    bad = collector.post(base + "promise/", {"amount": "abc", "promised_on": "x"}, follow=True)
    assert "amount:" in bad.content.decode()
    assert Promise.objects.count() == 1


def test_preview_then_send_a_reminder(ledger, carol, bob, smtp):
    url = f"/ar/collections/customers/{ledger.globex.pk}/reminder/"
    html = login(bob).get(url).content.decode()  # a viewer may preview
    assert "Acme Supplies: payment 30 days overdue" in html and "ap@globex.example" in html
    assert login(bob).post(url).status_code == 403
    answer = login(carol).post(url, follow=True)
    assert "Reminder to ap@globex.example sent." in answer.content.decode()
    assert ReminderMessage.objects.get().status == "sent"
    (envelope,) = smtp.envelopes
    assert envelope.rcpt_tos == ["ap@globex.example"]


@pytest.mark.parametrize("path", ["", "reminder/"])
def test_outsider_gets_404_on_customer_pages(ledger, charlie, path):
    url = f"/ar/collections/customers/{ledger.globex.pk}/{path}"
    assert login(charlie).get(url).status_code == 404


def test_the_drill_down_panel_shows_promises_disputes_and_activity(ledger, carol):
    from django.template import Context, Template

    from ar_collections.services import activities

    activities.promise_create(
        customer=ledger.globex,
        author=carol,
        made_on=date(2026, 6, 28),
        promised_on=date(2026, 7, 3),
        amount=D("250.00"),
    )
    activities.dispute_open(
        invoice=ledger.docs.g2, reason="Wrong price", author=carol, opened_on=date(2026, 6, 29)
    )
    html = Template("{% load collections_panel %}{% collections_panel customer as_of %}").render(
        Context({"customer": ledger.globex, "as_of": date(2026, 6, 30)})
    )
    assert "Promise: $250.00 by 2026-07-03 (paid $0.00)" in html
    assert "in dispute</span> G-2: Wrong price" in html
    assert "Promised 250.00 USD by 2026-07-03" in html


def test_company_settings_admins_edit_the_cadence_others_read(ledger, alice, carol, charlie):
    from ar_collections.models import ReminderStage

    url = f"/ar/collections/settings/?company={ledger.company.pk}"
    page = login(carol).get(url)
    assert page.status_code == 200 and "1 day overdue" in page.content.decode()
    stages = list(ReminderStage.objects.filter(company=ledger.company))
    data = {
        "s-reminders_enabled": "on",
        "s-report_enabled": "on",
        "s-report_recipients": "cfo@acme.example\n",
        "s-report_frequency": "weekly",
        "s-report_weekday": "4",
        "st-TOTAL_FORMS": str(len(stages)),
        "st-INITIAL_FORMS": str(len(stages)),
    }
    for i, stage in enumerate(stages):
        data |= {
            f"st-{i}-id": str(stage.pk),
            f"st-{i}-name": stage.name,
            f"st-{i}-days_after_due": str(stage.days_after_due),
            f"st-{i}-subject": stage.subject,
            f"st-{i}-body": stage.body,
            f"st-{i}-is_active": "on",
            f"st-{i}-attach_statement": "on",
        }
    data["st-0-subject"] = "Hello {{ customer.name }}"
    assert login(carol).post(url, data).status_code == 403
    assert login(charlie).get(url).status_code == 404
    bad = login(alice).post(url, {**data, "st-1-body": "{% if %}"})
    assert bad.status_code == 200 and "Template error" in bad.content.decode()
    assert login(alice).post(url, data).status_code == 302
    assert ReminderStage.objects.get(pk=stages[0].pk).subject == "Hello {{ customer.name }}"
    settings_row = ledger.company.collection_settings
    assert (settings_row.report_weekday, settings_row.recipients) == (4, ["cfo@acme.example"])


def test_the_aging_drill_down_page_shows_the_collections_panel(ledger, bob, carol):
    from ar_collections.services import activities

    activities.dispute_open(
        invoice=ledger.docs.g2, reason="Wrong price", author=carol, opened_on=date(2026, 6, 29)
    )
    url = f"/ar/report/customer/{ledger.globex.pk}/"
    html = login(bob).get(url, {"company": ledger.company.pk, "as_of": "2026-06-30"})
    assert html.status_code == 200
    text = html.content.decode()
    assert 'id="collections-panel"' in text and "G-2: Wrong price" in text
